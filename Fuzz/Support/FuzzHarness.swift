import CampaignCompiler
import CampaignFlows
import CampaignSynthesis
import Dispatch
import Foundation

// What every fuzz target shares: the repository's own files as fixed companions, checking with the
// invariants every result keeps, and the checker's promises about what checks clean, tested by lowering,
// emitting and running it. Each target (Fuzz/*Fuzzer.swift) is its own libFuzzer binary, built by
// scripts/fuzz: libFuzzer brings its own main.

/// Files of this repository, read once at start-up: the fixed workspaces and campaigns beside which the
/// targets check their input. Found from this source file's path, so a binary replays a crash from any
/// folder.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func file(_ path: String, as displayPath: String? = nil) -> InputFile {
        guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(path).path) else {
            fatalError("fuzz: cannot read \(path) under \(root.path)")
        }
        return InputFile(path: displayPath ?? path, bytes: Array(data))
    }

    /// The workspace of the golden fixtures.
    static let fixtureWorkspace = file("Tests/CampaignCompilerTests/Fixtures/workspace.yaml", as: "workspace.yaml")
    /// The workspace of the example campaigns.
    static let exampleWorkspace = file("campaigns/workspace.yaml", as: "campaigns/workspace.yaml")
    /// The workspace of ``CampaignGrammar``'s campaigns.
    static let grammarWorkspace = InputFile(path: "workspace.yaml", bytes: Array(CampaignGrammar.workspace.utf8))

    /// The example campaigns' files by campaign id (the folder's name), scenarios included.
    static let examples: [String: [InputFile]] = {
        var files: [String: [InputFile]] = [:]
        let folder = root.appendingPathComponent("campaigns")
        let enumerator = FileManager.default.enumerator(atPath: folder.path)
        while let path = enumerator?.nextObject() as? String {
            guard path.hasSuffix(".yaml"), path != "workspace.yaml" else { continue }
            let id = String(path.split(separator: "/")[0])
            files[id, default: []].append(file("campaigns/" + path))
        }
        return files
    }()
}

/// Whether to print what each input makes (FUZZ_PRINT=1), to replay a crash or look at what a target does.
let printing = ProcessInfo.processInfo.environment["FUZZ_PRINT"] == "1"

/// Checks, holds the result to the invariants every check keeps, and renders it in every format.
func checkAndRender(workspace: InputFile, files: [InputFile]) -> CheckResult {
    let result = Checker.check(workspace: workspace, files: files)
    for diagnostic in result.diagnostics {
        // Every diagnostic is located inside a file (or at its start).
        promise(diagnostic.location.line >= 1 && diagnostic.location.column >= 1, "unlocated diagnostic \(diagnostic)")
    }
    for format in DiagnosticFormat.allCases { _ = format.render(result) }
    if printing { print(DiagnosticFormat.text.render(result), terminator: "") }
    return result
}

/// Traps with `message` unless `condition` holds, so that libFuzzer reports the input as a crash; unlike
/// `precondition`, it prints the message in an optimised build.
func promise(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("broken promise: " + message()) }
}

/// Runs an async body to completion from libFuzzer's synchronous callback.
func runBlocking<T>(_ body: @escaping () async -> T) -> T {
    let box = BlockingResult<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        box.value = await body()
        done.signal()
    }
    done.wait()
    return box.value!
}

/// Where ``runBlocking``'s task leaves its value; read only after the task signals.
private final class BlockingResult<T>: @unchecked Sendable {
    var value: T?
}

/// How many timers and scheduled firings a run may take: a campaign looping on a 45-second wait, which the
/// checker rightly accepts, would take minutes to run through RandomScript's 400 days (the grammar target's
/// first timeout); 10,000 take about a second at worst.
private let wakeUps = 10_000

/// When `result` has no errors: lowers each campaign, emits its Swift, IR and graphs, and runs a contact
/// script (drawn from `choices`) through the interpreter on a virtual clock and an in-memory store, then
/// traps on any promise the checker made that the run breaks (``FlowPromises``), so that libFuzzer reports
/// it as a crash.
func keepPromises<Generator: RandomNumberGenerator>(of result: CheckResult, using choices: inout Generator) {
    guard result.errorCount == 0, !result.checked.isEmpty else { return }
    do {
        _ = try CompiledModule.swift(result)
        _ = try CompiledModule.ir(result)
    } catch {
        promise(false, "emitting a campaign that checks clean failed: \(error)")
    }
    for campaign in result.checked {
        let definition = FlowLowering.lower(campaign)
        for format in GraphEmitter.Format.allCases { _ = GraphEmitter(definition).emit(format) }
        let script = RandomScript.make(for: definition, workspace: result.workspace, using: &choices)
        let broken = runBlocking { await FlowPromises.violations(running: script, on: definition, maximumWakeUps: wakeUps) }
        if printing {
            let trace = runBlocking { try? await script.run(FlowInterpreter(definition), maximumWakeUps: wakeUps) } ?? []
            print("ran \(script): \(trace.count { if case .entered = $0 { true } else { false } }) entries, "
                  + "\(trace.count { if case .arrived = $0 { true } else { false } }) arrivals")
        }
        promise(broken.isEmpty, "\(campaign.file): \(broken.joined(separator: "; ")) (\(script))")
    }
}
