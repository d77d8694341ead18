import CampaignFlows
import Testing
@testable import CampaignCompiler

/// `campaignc simulate` runs several campaigns together (v1.2): the campaigns that the simulated one's
/// `start_campaign` and `exit_campaign` steps name, transitively, and those given with `--with` run beside it
/// on one clock and one population, so that started campaigns take entries and frequency caps count every
/// campaign's sends.
@Suite struct SimulationCompanionTests {
    /// Campaign `id` in `status`, entered by `trigger` (once), whose steps are given.
    private static func campaign(_ id: String, status: String = "published", trigger: String = "{ event: signup }",
                                 _ steps: String) -> InputFile {
        let text = "campaign: \(id)\nversion: 1\nstatus: \(status)\ntrigger: \(trigger)\nrepeat: once\nstart: first\nsteps:\n" + steps
        return InputFile(path: "\(id)/v1.yaml", bytes: Array(text.utf8))
    }

    /// Entered only by other campaigns: its date is after any simulation here.
    private static let later = "{ at: [2030-01-01T09:00:00] }"

    private static let project = Checker.check(workspace: Fixtures.workspace, files: [
        campaign("c", "  first: { start_campaign: fed, next: done }\n  done: { end: success }\n"),
        campaign("fed", trigger: later, "  first: { start_campaign: fed-further, next: done }\n  done: { end: neutral }\n"),
        campaign("fed-further", trigger: later, "  first: { end: neutral }\n"),
        campaign("texting", "  first: { send_sms: flash, next: done }\n  done: { end: success }\n"),
        campaign("texting-too", "  first: { send_sms: flash, next: done }\n  done: { end: success }\n"),
        campaign("retired", status: "archived", "  first: { end: neutral }\n"),
    ])

    private func checked(_ id: String) throws -> CheckedCampaign {
        try #require(Self.project.checked.first { $0.id == id }, "\(Fixtures.golden(Self.project.diagnostics))")
    }

    private func simulate(_ id: String, with ids: [String] = []) async throws -> SimulationReport {
        let companions = try PopulationSimulation.companions(of: try checked(id), with: ids, among: Self.project.checked)
        return try await PopulationSimulation(definition: FlowLowering.lower(try checked(id)), companions: companions.map(FlowLowering.lower),
                                              workspace: Self.project.workspace, contacts: 60, days: 20, seed: 5).run()
    }

    @Test func theCampaignsItStartsRunBesideItAndReportTheirEntries() async throws {
        #expect(Self.project.errorCount == 0, "\(Fixtures.golden(Self.project.diagnostics))")
        let report = try await simulate("c")
        let entered = report.campaign.entered
        #expect(entered > 0)
        #expect(report.companions.map(\.campaign) == ["fed", "fed-further"], "the started campaign, and the one it starts")
        #expect(report.companions.map(\.entered) == [entered, entered], "each entry of c starts fed, which starts fed-further")
        #expect(report.companions.map(\.outcomes) == [["neutral": entered], ["neutral": entered]])
        #expect(report.companions[0].steps.map(\.arrivals) == [entered, entered])
        let alone = try await PopulationSimulation(definition: FlowLowering.lower(try checked("c")), workspace: Self.project.workspace,
                                                   contacts: 60, days: 20, seed: 5).run()
        #expect(alone.companions.isEmpty && alone.campaign.entered == entered, "alone, c starts nothing anyone sees")
    }

    @Test func withMakesAFrequencyCapCountTheSendsOfBothCampaigns() async throws {
        // The fixtures' workspace allows one SMS a day; both campaigns text each contact on its first signup.
        let alone = try await simulate("texting")
        #expect(alone.companions.isEmpty)
        #expect(alone.campaign.suppressed["frequency-cap"] == nil, "\(alone.campaign.suppressed)")
        let together = try await simulate("texting", with: ["texting-too"])
        #expect(together.companions.map(\.campaign) == ["texting-too"])
        let capped = (together.campaign.suppressed["frequency-cap"] ?? 0) + (together.companions[0].suppressed["frequency-cap"] ?? 0)
        #expect(capped > 0, "\(together.campaign.suppressed) \(together.companions[0].suppressed)")
    }

    @Test func aCampaignGivenWithWithMustHaveAVersionToRun() throws {
        let c = try checked("c")
        #expect(throws: SimulationCompanionError.unknownCampaign("texing", suggestion: "texting")) {
            try PopulationSimulation.companions(of: c, with: ["texing"], among: Self.project.checked)
        }
        #expect(SimulationCompanionError.unknownCampaign("texing", suggestion: "texting").description
                == "unknown campaign 'texing'; did you mean 'texting'?")
        #expect(throws: SimulationCompanionError.noLiveVersion("retired")) {
            try PopulationSimulation.companions(of: c, with: ["retired"], among: Self.project.checked)
        }
        let named = try PopulationSimulation.companions(of: c, with: ["c", "texting", "fed"], among: Self.project.checked)
        #expect(named.map(\.id) == ["fed", "texting", "fed-further"], "its own id is left out and each campaign runs once")
    }
}
