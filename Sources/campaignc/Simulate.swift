import ArgumentParser
import CampaignCompiler
import CampaignFlows
import Foundation

/// `campaignc simulate`: run a synthetic population through a campaign.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a synthetic population through a campaign on a virtual clock.",
        discussion: """
            Prints contacts per step, outcomes and sends per day. The same seed gives the same figures on \
            every run and machine.
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

    func validate() throws {
        guard contacts > 0, contacts <= 10_000_000 else { throw ValidationError("--contacts must be between 1 and 10,000,000") }
        guard days > 0, days <= 3650 else { throw ValidationError("--days must be between 1 and 3650") }
    }

    func run() async throws {
        let (result, campaignFile) = try CheckedProject.loadCampaign(campaign, workspace: workspace)
        let simulation = PopulationSimulation(definition: FlowLowering.lower(campaignFile),
                                              workspace: result.workspace, contacts: contacts, days: days, seed: seed)
        let showsProgress = isatty(STDERR_FILENO) != 0
        let report = try await simulation.run { day in
            guard showsProgress else { return }
            let width = 30, filled = width * day / days
            let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
            FileHandle.standardError.write(Data("\r[\(bar)] day \(day)/\(days)".utf8))
            if day == days { FileHandle.standardError.write(Data("\n".utf8)) }
        }
        print("\(report.campaign) v\(report.version): \(report.contacts) contacts over \(report.days) days, seed \(seed); \(report.entered) entries")
        print()
        let width = max(4, report.steps.map(\.id.count).max() ?? 4)
        print("step".padding(toLength: width, withPad: " ", startingAt: 0) + "  arrivals  still there")
        for step in report.steps {
            print(step.id.padding(toLength: width, withPad: " ", startingAt: 0)
                  + String(format: "  %8d  %11d", step.arrivals, step.waiting))
        }
        print()
        print("outcomes: " + (report.outcomes.isEmpty ? "none yet"
            : report.outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
        print("suppressed sends: " + (report.suppressed.isEmpty ? "none"
            : report.suppressed.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
        if let goal = simulation.definition.goal {
            let counts = report.conversions
            func share(_ converted: Int, _ entered: Int) -> String {
                "\(converted)/\(entered)" + (entered == 0 ? "" : String(format: " (%.1f%%)", 100 * Double(converted) / Double(entered)))
            }
            print("conversion within \(CampaignDuration(seconds: goal.within)): treated \(share(counts.treatedConverted, counts.treated)), "
                  + "holdout \(share(counts.heldOutConverted, counts.heldOut))"
                  + (counts.lift.map { String(format: ", lift %+.1f points", 100 * $0) } ?? ""))
        } else if report.conversions.heldOut > 0 {
            print("holdout: \(report.conversions.heldOut) of \(report.conversions.heldOut + report.conversions.treated) entries (no goal to compare)")
        }
        print()
        print("sends per day:")
        let peak = max(1, report.sendsPerDay.max() ?? 1)
        for (day, count) in report.sendsPerDay.enumerated() {
            print(String(format: "  day %3d %7d ", day + 1, count) + String(repeating: "▇", count: count * 40 / peak))
        }
    }
}
