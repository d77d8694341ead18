import ArgumentParser
import CampaignCompiler
import Foundation

/// `campaignc test`: run scenario files on a virtual clock.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run scenario tests on a virtual clock, with no Swift compile.",
        discussion: """
            Scenario files live in <campaign>/tests/. Each case gives a contact, timed events and what must \
            happen; a failing case prints what was expected beside what happened. Exit status: 0 when every \
            case passes, 1 when one fails or the files have errors, 2 on usage or I/O failure.
            """)

    @Argument(help: "Campaign folders or files, with their scenario files (searched recursively).")
    var paths: [String] = ["campaigns"]

    @Option(help: ArgumentHelp("The workspace file.", valueName: "file"))
    var workspace: String?

    func run() throws {
        let result = try CheckedProject.load(paths: paths, workspace: workspace)
        var passed = 0, failed = 0
        for scenario in result.scenarios.sorted(by: { $0.file < $1.file }) {
            for outcome in ScenarioRunner.run(scenario, campaigns: result.campaigns, workspace: result.workspace) {
                if outcome.passed {
                    passed += 1
                    print("PASS \(outcome.file): \(outcome.name)")
                } else {
                    failed += 1
                    print("FAIL \(outcome.location): \(outcome.name)")
                    for failure in outcome.failures { print("     \(failure)") }
                }
            }
        }
        FileHandle.standardError.write(Data("campaignc: \(passed) passed, \(failed) failed\n".utf8))
        if failed > 0 { throw ExitCode(1) }
    }
}

/// Loads and checks files for the commands that need a clean project (`test`, `compile`, `graph`,
/// `simulate`): prints the diagnostics and exits 1 when there are errors, 2 when loading fails.
enum CheckedProject {
    static func load(paths: [String], workspace: String?) throws -> CheckResult {
        let loaded: (workspace: InputFile, files: [InputFile])
        do {
            loaded = try ProjectLoader.load(paths: paths, workspace: workspace)
        } catch {
            FileHandle.standardError.write(Data("campaignc: error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let result = Checker.check(workspace: loaded.workspace, files: loaded.files)
        if result.errorCount > 0 {
            let color = isatty(STDERR_FILENO) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
            FileHandle.standardError.write(Data(DiagnosticFormat.text.render(result, color: color).utf8))
            FileHandle.standardError.write(Data("campaignc: \(result.errorCount) errors; fix them first\n".utf8))
            throw ExitCode(1)
        }
        return result
    }
}
