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
        subcommands: [Check.self, TestCommand.self, Compile.self, Graph.self, Simulate.self, Rules.self, Explain.self, Reference.self,
                      Bundle.self, Plan.self, Deploy.self],
        defaultSubcommand: Check.self)

    /// Runs the command line, mapping usage errors to exit status 2 as `check` documents.
    static func main() async {
        do {
            let arguments = Array(CommandLine.arguments.dropFirst())
            if let message = unknownShortOption(in: arguments) {
                FileHandle.standardError.write(Data("Error: \(message)\nUsage: campaignc <subcommand> [<paths> ...]\n  See 'campaignc --help' for more information.\n".utf8))
                Foundation.exit(2)
            }
            var command = try parseAsRoot(arguments)
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

    /// Why `arguments` hold a single-dash word that is no option, before any `--`. The only short option is
    /// `-h`, but the parser reads `-dash/campaigns` as `-d -a -s -h ...` and prints the help with status 0:
    /// such a word is a path starting with a dash, which must come after `--` (or as `./-dash/campaigns`).
    static func unknownShortOption(in arguments: [String]) -> String? {
        for argument in arguments {
            if argument == "--" { return nil }
            guard argument.hasPrefix("-"), !argument.hasPrefix("--"), argument.count > 2, Double(argument) == nil else { continue }
            return "unknown option '\(argument)'; a path that starts with '-' goes after '--' "
                + "(as in 'campaignc check -- \(argument)'), or write it as './\(argument)'"
        }
        return nil
    }
}
