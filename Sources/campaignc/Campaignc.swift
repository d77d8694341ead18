import ArgumentParser
import CampaignCompiler
import Foundation

/// The `campaignc` command: lints campaign files today; compiles and runs them as the project grows.
@main
struct Campaignc: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaignc",
        abstract: "Check marketing automation campaigns written as YAML.",
        discussion: """
            Campaigns live in git as campaigns/<campaign-id>/v<N>.yaml beside a campaigns/workspace.yaml that \
            declares contact fields, events and messages. 'campaignc check' lints them the way a compiler \
            would, with rule ids that CI configurations can name.
            """,
        version: CampaignCompilerVersion.current,
        subcommands: [Check.self, TestCommand.self, Compile.self, Graph.self, Simulate.self, Rules.self, Explain.self],
        defaultSubcommand: Check.self)

    /// Runs the command line, mapping usage errors to exit status 2 as `check` documents.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success || code == ExitCode(1) { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }
}
