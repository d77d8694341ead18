import ArgumentParser
import CampaignCompiler
import Foundation

extension GraphEmitter.Format: ExpressibleByArgument {}

/// `campaignc graph`: draw a campaign.
struct Graph: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw a campaign as a Graphviz DOT or Mermaid graph.",
        discussion: "Steps are drawn by kind, condition exits are labelled, ends are coloured by outcome, and start_campaign and exit_campaign steps point at a node for the campaign they name (checked with the campaigns beside the workspace). A holdout is a dashed edge from the start point, labelled with its share, to an end of outcome holdout; a goal is a note beside the start point with its event or condition, its window and whether converting ends the visit.")

    @Argument(help: "A campaign version file.")
    var file: String

    @Option(help: ArgumentHelp("The workspace file.", valueName: "file"))
    var workspace: String?

    @Option(help: "dot (Graphviz) or mermaid.")
    var format: GraphEmitter.Format = .mermaid

    func run() throws {
        let (_, campaign) = try CheckedProject.loadCampaign(file, workspace: workspace)
        print(GraphEmitter(FlowLowering.lower(campaign)).emit(format), terminator: "")
    }
}
