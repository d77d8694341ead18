import ArgumentParser
import CampaignCompiler
import Foundation

/// The `campaignc` command: checks, tests, compiles, draws and simulates campaign files.
@main
struct Campaignc: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaignc",
        abstract: "Check, test, compile and simulate marketing automation campaigns written as YAML.",
        discussion: """
            Campaigns live in git as campaigns/<campaign-id>/v<N>.yaml beside a campaigns/workspace.yaml that \
            declares contact fields, events and messages, with scenario tests in campaigns/<campaign-id>/tests/. \
            'campaignc check' lints them the way a compiler would, with rule ids that CI configurations can \
            name; 'campaignc test' runs their scenarios; 'campaignc compile' turns them into Swift state \
            machines for the CampaignRuntime library.
            """,
        version: CampaignCompilerVersion.current,
        subcommands: [Check.self, TestCommand.self, Compile.self, Graph.self, Simulate.self, Rules.self, Explain.self],
        defaultSubcommand: Check.self)

    /// Runs the command line, mapping usage errors to exit status 2 as `check` documents.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success || code == ExitCode(1) { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }
}
