import ArgumentParser
import CampaignCompiler
import Foundation

extension GraphEmitter.Format: ExpressibleByArgument {}

/// `campaignc graph`: draw a campaign.
struct Graph: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw a campaign as a Graphviz DOT or Mermaid graph.",
        discussion: "Steps are drawn by kind, condition exits are labelled, ends are coloured by outcome, and start_campaign and exit_campaign steps point at a node for the campaign they name (checked with the campaigns beside the workspace).")

    @Argument(help: "A campaign version file.")
    var file: String

    @Option(help: ArgumentHelp("The workspace file.", valueName: "file"))
    var workspace: String?

    @Option(help: "dot (Graphviz) or mermaid.")
    var format: GraphEmitter.Format = .mermaid

    func run() throws {
        // The file is checked with the campaigns beside its workspace, which its start_campaign and
        // exit_campaign steps may name.
        let result = try CheckedProject.load(paths: CheckedProject.withWorkspaceCampaigns([file], workspace: workspace),
                                             workspace: workspace)
        let path = URL(fileURLWithPath: file).standardizedFileURL.path
        guard let campaign = result.checked.first(where: { URL(fileURLWithPath: $0.source.file).standardizedFileURL.path == path }) else {
            FileHandle.standardError.write(Data("campaignc: error: '\(file)' is not a campaign file\n".utf8))
            throw ExitCode(2)
        }
        print(GraphEmitter(FlowLowering.lower(campaign)).emit(format), terminator: "")
    }
}
