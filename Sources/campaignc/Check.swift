import ArgumentParser
import CampaignCompiler
import Foundation

extension DiagnosticFormat: ExpressibleByArgument {}

/// `campaignc check`: lint campaign, scenario and workspace files.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check campaign files and report every problem found.",
        discussion: """
            Exit status: 0 when no errors were found, 1 when there are errors (or warnings with --strict), \
            2 when the command is misused or a file cannot be read.
            """)

    @Argument(help: "Campaign files or folders to check (searched recursively for .yaml files).")
    var paths: [String] = ["campaigns"]

    @Option(help: ArgumentHelp("The workspace file declaring fields, events and messages.",
                               discussion: "Default: workspace.yaml in the first path's folder or its nearest ancestor.",
                               valueName: "file"))
    var workspace: String?

    @Option(help: "Output format: text, json, sarif (SARIF 2.1.0) or github (Actions annotations).")
    var format: DiagnosticFormat = .text

    @Flag(help: "Fail on warnings too.")
    var strict = false

    func run() throws {
        let result = try CheckedProject.check(paths: paths, workspace: workspace)
        let useColor = format == .text && CheckedProject.usesColor(STDOUT_FILENO)
        var output = FileOutputStream(FileHandle.standardOutput)
        format.render(result, color: useColor, to: &output)
        output.flush()
        if format == .text {
            let summary = "\(plural(result.errorCount, "error")), \(plural(result.warningCount, "warning")) in \(plural(result.sources.count, "file"))"
            FileHandle.standardError.write(Data("campaignc: \(summary)\n".utf8))
        }
        if result.errorCount > 0 || (strict && result.warningCount > 0) { throw ExitCode(1) }
    }

    private func plural(_ count: Int, _ word: String) -> String { "\(count) \(word)\(count == 1 ? "" : "s")" }
}
