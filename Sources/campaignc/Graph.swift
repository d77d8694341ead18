import ArgumentParser
import CampaignCompiler
import Foundation

extension GraphEmitter.Format: ExpressibleByArgument {}

/// `campaignc graph`: draw a campaign.
struct Graph: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw a campaign as a Graphviz DOT or Mermaid graph.",
        discussion: "Steps are drawn by kind, condition exits are labelled, and ends are coloured by outcome.")

    @Argument(help: "A campaign version file.")
    var file: String

    @Option(help: ArgumentHelp("The workspace file.", valueName: "file"))
    var workspace: String?

    @Option(help: "dot (Graphviz) or mermaid.")
    var format: GraphEmitter.Format = .mermaid

    func run() throws {
        let result = try CheckedProject.load(paths: [file], workspace: workspace)
        guard let campaign = result.checked.first else {
            FileHandle.standardError.write(Data("campaignc: error: '\(file)' is not a campaign file\n".utf8))
            throw ExitCode(2)
        }
        print(GraphEmitter(FlowLowering.lower(campaign)).emit(format), terminator: "")
    }
}
