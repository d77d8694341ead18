import ArgumentParser
import CampaignCompiler
import CampaignFlows
import Foundation

/// `campaignc simulate`: run a synthetic population through a campaign.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a synthetic population through a campaign on a virtual clock.",
        discussion: """
            Prints contacts per step, outcomes and sends per day. The campaigns its start_campaign and \
            exit_campaign steps name (their published versions, or drafts where none is published, and the \
            campaigns those name in turn) and those given with --with run beside it on the same clock and \
            contacts, so that frequency caps count the sends of them all; their figures follow its own. The same \
            seed gives the same figures on every run and machine.
            """)

    @Argument(help: "A campaign version file.")
    var campaign: String

    @Option(help: ArgumentHelp("The workspace file.", valueName: "file"))
    var workspace: String?

    @Option(help: "How many contacts.")
    var contacts = 1000

    @Option(help: "How many days.")
    var days = 30

    @Option(help: "The random seed.")
    var seed: UInt64 = 1

    @Option(name: .customLong("with"),
            help: ArgumentHelp("Another campaign to run beside it on the same clock and contacts (repeatable).", valueName: "campaign-id"))
    var companions: [String] = []

    func validate() throws {
        guard contacts > 0, contacts <= 10_000_000 else { throw ValidationError("--contacts must be between 1 and 10,000,000") }
        guard days > 0, days <= 3650 else { throw ValidationError("--days must be between 1 and 3650") }
    }

    func run() async throws {
        let (result, campaignFile) = try CheckedProject.loadCampaign(campaign, workspace: workspace)
        let companions: [CheckedCampaign]
        do {
            companions = try PopulationSimulation.companions(of: campaignFile, with: self.companions, among: result.checked)
        } catch {
            FileHandle.standardError.write(Data("campaignc: error: --with: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let simulation = PopulationSimulation(definition: FlowLowering.lower(campaignFile), companions: companions.map(FlowLowering.lower),
                                              workspace: result.workspace, contacts: contacts, days: days, seed: seed)
        let showsProgress = isatty(STDERR_FILENO) != 0
        let report = try await simulation.run { day in
            guard showsProgress else { return }
            let width = 30, filled = width * day / days
            let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
            FileHandle.standardError.write(Data("\r[\(bar)] day \(day)/\(days)".utf8))
            if day == days { FileHandle.standardError.write(Data("\n".utf8)) }
        }
        let simulated = report.campaign
        print("\(simulated.campaign) v\(simulated.version): \(report.contacts) contacts over \(report.days) days, seed \(seed); \(simulated.entered) entries")
        if !report.companions.isEmpty {
            print("run beside it: " + report.companions.map { "\($0.campaign) v\($0.version)" }.joined(separator: ", "))
        }
        printFigures(simulated)
        for companion in report.companions {
            print()
            print("beside it, \(companion.campaign) v\(companion.version): \(companion.entered) entries")
            printFigures(companion)
        }
        print()
        print(report.companions.isEmpty ? "sends per day:" : "sends per day, all campaigns:")
        let peak = max(1, report.sendsPerDay.max() ?? 1)
        for (day, count) in report.sendsPerDay.enumerated() {
            print(String(format: "  day %3d %7d ", day + 1, count) + String(repeating: "▇", count: count * 40 / peak))
        }
    }

    /// One version's steps, outcomes, suppressed sends and conversions.
    private func printFigures(_ figures: SimulatedCampaign) {
        print()
        let width = max(4, figures.steps.map(\.id.count).max() ?? 4)
        print("step".padding(toLength: width, withPad: " ", startingAt: 0) + "  arrivals  still there")
        for step in figures.steps {
            print(step.id.padding(toLength: width, withPad: " ", startingAt: 0)
                  + String(format: "  %8d  %11d", step.arrivals, step.waiting))
        }
        print()
        print("outcomes: " + (figures.outcomes.isEmpty ? "none yet"
            : figures.outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
        print("suppressed sends: " + (figures.suppressed.isEmpty ? "none"
            : figures.suppressed.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
        let counts = figures.conversions
        if let goal = figures.goal {
            func share(_ converted: Int, _ entered: Int) -> String {
                "\(converted)/\(entered)" + (entered == 0 ? "" : String(format: " (%.1f%%)", 100 * Double(converted) / Double(entered)))
            }
            print("conversion within \(CampaignDuration(seconds: goal.within)): treated \(share(counts.treatedConverted, counts.treated)), "
                  + "holdout \(share(counts.heldOutConverted, counts.heldOut))"
                  + (counts.lift.map { String(format: ", lift %+.1f points", 100 * $0) } ?? ""))
        } else if counts.heldOut > 0 {
            print("holdout: \(counts.heldOut) of \(counts.heldOut + counts.treated) entries (no goal to compare)")
        }
    }
}
