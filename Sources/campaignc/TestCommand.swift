import ArgumentParser
import CampaignCompiler
import Foundation

/// `campaignc test`: run scenario files on a virtual clock.
struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run scenario tests on a virtual clock, with no Swift compile.",
        discussion: """
            Scenario files live in <campaign>/tests/. Each case gives a contact (or several), timed events and what must \
            happen; a failing case prints what was expected beside what happened. Exit status: 0 when every \
            case passes, 1 when one fails or the files have errors, 2 on usage or I/O failure.
            """)

    @Argument(help: "Campaign folders or files, with their scenario files (searched recursively).")
    var paths: [String] = ["campaigns"]

    @Option(help: ArgumentHelp("The workspace file.", valueName: "file"))
    var workspace: String?

    func run() async throws {
        let result = try CheckedProject.load(paths: paths, workspace: workspace)
        var passed = 0, failed = 0
        for scenario in result.scenarios.sorted(by: { $0.file < $1.file }) {
            for outcome in await ScenarioRunner.run(scenario, campaigns: result.checked, workspace: result.workspace) {
                if outcome.passed {
                    passed += 1
                    print("PASS \(outcome.file): \(outcome.name)")
                } else {
                    failed += 1
                    print("FAIL \(outcome.location): \(outcome.name)")
                    for failure in outcome.failures { print("     \(failure)") }
                }
                for contact in outcome.actual where !contact.suppressed.isEmpty {
                    let who = outcome.actual.count > 1 ? "\(contact.contact): " : ""
                    print("     \(who)suppressed " + contact.suppressed.map { "\($0.step) (\($0.reason))" }.joined(separator: ", "))
                }
            }
        }
        FileHandle.standardError.write(Data("campaignc: \(passed) passed, \(failed) failed\n".utf8))
        if failed > 0 { throw ExitCode(1) }
    }
}

/// Loading and checking files, shared by every command.
enum CheckedProject {
    /// Reads and checks the files; exits 2 (after saying why) when they cannot be read.
    static func check(paths: [String], workspace: String?) throws -> CheckResult {
        do {
            let loaded = try ProjectLoader.load(paths: paths, workspace: workspace)
            return Checker.check(workspace: loaded.workspace, files: loaded.files)
        } catch {
            FileHandle.standardError.write(Data("campaignc: error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// For the commands on one campaign file (`graph`, `simulate`): the clean project of the file and the
    /// campaigns beside its workspace, which its start_campaign and exit_campaign steps may name, and the
    /// file's checked campaign; exits 2 when the file is not a campaign file.
    static func loadCampaign(_ file: String, workspace: String?) throws -> (CheckResult, CheckedCampaign) {
        let result = try load(paths: withWorkspaceCampaigns([file], workspace: workspace), workspace: workspace)
        let path = URL(fileURLWithPath: file).standardizedFileURL.path
        guard let campaign = result.checked.first(where: { URL(fileURLWithPath: $0.file).standardizedFileURL.path == path }) else {
            FileHandle.standardError.write(Data("campaignc: error: '\(file)' is not a campaign file\n".utf8))
            throw ExitCode(2)
        }
        return (result, campaign)
    }

    /// `paths` and the folder of the workspace they use, when they all lie under it: a single campaign file is
    /// then checked with the workspace's other campaigns, which cross-campaign steps name.
    private static func withWorkspaceCampaigns(_ paths: [String], workspace: String?) throws -> [String] {
        let loaded: (workspace: InputFile, files: [InputFile])
        do {
            loaded = try ProjectLoader.load(paths: paths, workspace: workspace)
        } catch {
            FileHandle.standardError.write(Data("campaignc: error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let folder = URL(fileURLWithPath: loaded.workspace.path).deletingLastPathComponent().standardizedFileURL.path + "/"
        let inside = paths.allSatisfy { URL(fileURLWithPath: $0).standardizedFileURL.path.hasPrefix(folder) }
        return inside ? [String(folder.dropLast())] : paths
    }

    /// Colour only on a terminal, and never when `NO_COLOR` is set.
    static func usesColor(_ descriptor: Int32) -> Bool {
        isatty(descriptor) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
    }

    /// For the commands that need a clean project (`test`, `compile`, `graph`, `simulate`): prints the
    /// diagnostics and exits 1 when there are errors.
    static func load(paths: [String], workspace: String?) throws -> CheckResult {
        let result = try check(paths: paths, workspace: workspace)
        if result.errorCount > 0 {
            var output = FileOutputStream(FileHandle.standardError)
            DiagnosticFormat.text.render(result, color: usesColor(STDERR_FILENO), to: &output)
            output.flush()
            FileHandle.standardError.write(Data("campaignc: \(result.errorCount) errors; fix them first\n".utf8))
            throw ExitCode(1)
        }
        return result
    }
}
