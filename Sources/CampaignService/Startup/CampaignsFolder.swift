import CampaignCompiler
import CampaignFlows
import Foundation

/// Reads a campaigns folder as `campaignc check` does, through the compiler's ``ProjectLoader`` and
/// ``Checker``, and lowers every version for the interpreter.
enum CampaignsFolder {
    /// The checked project; throws ``StartupError`` with the diagnostics rendered as `campaignc` renders them
    /// (colour only on a terminal without `NO_COLOR`) when a file cannot be read or has errors.
    static func check(paths: [String], workspace: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> CheckResult {
        let result: CheckResult
        do {
            let loaded = try ProjectLoader.load(paths: paths, workspace: workspace)
            result = Checker.check(workspace: loaded.workspace, files: loaded.files)
        } catch {
            throw StartupError("\(error)")
        }
        guard result.errorCount == 0 else {
            let color = isatty(STDERR_FILENO) != 0 && (environment["NO_COLOR"].map(\.isEmpty) ?? true)
            throw StartupError(diagnostics: DiagnosticFormat.text.render(result, color: color), errorCount: result.errorCount)
        }
        return result
    }

    /// Every campaign version of a checked project, lowered as `campaignc bundle` lowers it (sources relative
    /// to the workspace's folder, so that a bundle of the same files is the same definitions) and run by the
    /// interpreter.
    static func flows(of result: CheckResult) -> [any CampaignFlow] {
        CompiledModule.lowered(result).map(FlowInterpreter.init)
    }
}
