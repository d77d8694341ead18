import Foundation
import Testing
import CampaignFlows
@testable import CampaignRuntime

/// `start_campaign`, `exit_campaign` and `webhook` (v1.2) on every store: a start enters the contact into the
/// named campaign's published version in the same unit, without a trigger event, under that version's audience
/// and repeat policy; an exit ends the contact's visits in every version of the named campaign with outcome
/// `exited`; a webhook is an outbox action with its idempotency key; starts that nest without end are bounded.
extension StoreConformanceTests {
    /// Part 1: `tag` reads `event.total` (absent when started), adds a tag, then waits a day before `done`.
    static func partOne(version: Int = 1, status: CampaignStatus = .published, repeatPolicy: RepeatPolicy = .many,
                        audience: FlowExpression? = nil) -> FlowInterpreter {
        makeFlow([
            FlowState(id: "tag", line: 1, step: .condition(.compare(.equal, .eventField("total"), .literal(.null)), then: 1, else: 3)),
            FlowState(id: "engaged", line: 2, step: .tags(add: ["engaged"], remove: [], next: 2)),
            FlowState(id: "pause", line: 3, step: .wait(seconds: 86_400, next: 3)),
            FlowState(id: "done", line: 4, step: .end(.success)),
        ], trigger: .event("purchase", filter: nil), repeatPolicy: repeatPolicy, status: status, audience: audience,
           campaign: "part-1", version: version)
    }

    /// Part 2, entered on `signup`: runs `step`, then ends with success.
    static func partTwo(_ step: FlowStep, trigger: String = "signup") -> FlowInterpreter {
        makeFlow([
            FlowState(id: "feed", line: 1, step: step),
            FlowState(id: "done", line: 2, step: .end(.success)),
        ], trigger: .event(trigger, filter: nil), campaign: "part-2")
    }

    /// An engine over `flows` on a fresh store of `factory`, keeping a journal, with subscriber `a`.
    static func crossCampaign(_ factory: StoreFactory, _ flows: [any CampaignFlow],
                              channels: RecordingChannels = RecordingChannels()) async throws -> CampaignEngine {
        let engine = try await CampaignEngine(flows: flows, store: try await factory.make(), channels: channels,
                                              clock: VirtualClock(now: 0), keepsJournal: true)
        try await engine.upsertContact(subscriber("a"))
        return engine
    }

    @Test(arguments: StoreFactory.all)
    func startCampaignEntersThePublishedVersionInTheSameUnitWithoutATriggerEvent(_ factory: StoreFactory) async throws {
        let engine = try await Self.crossCampaign(factory, [Self.partOne(version: 1, status: .draining), Self.partOne(version: 2),
                                                            Self.partTwo(.startCampaign("part-1", next: 1))])
        try await engine.handle(event: "signup", contact: "a")
        let visits = try await engine.store.visits(of: "a")
        let started = try #require(visits.first { $0.key.flow.campaign == "part-1" })
        #expect(started.key.flow.version == 2, "the published version, not the draining one")
        #expect(started.isActive && started.enteredAt == 0, "entered in the unit of the signup, waiting at its pause")
        #expect(try await engine.store.contact("a")?.fields["tags"] == .list([.string("engaged")]),
                "event.total reads as absent for a contact entered by start_campaign")
        #expect(visits.first { $0.key.flow.campaign == "part-2" }?.outcome == .campaign(.success), "the starting visit goes on")
        let journal = try await engine.store.journal(of: "a")
        #expect(journal.contains { $0.kind == .entered && $0.flow == started.key.flow && $0.detail == "start_campaign at part-2 v1 step feed" },
                "\(journal)")
    }

    @Test(arguments: StoreFactory.all)
    func startCampaignAppliesTheAudienceAndRepeatPolicyAndSaysWhyNot(_ factory: StoreFactory) async throws {
        let vip = FlowExpression.call(.inGroup, [.name("vip")])
        let engine = try await Self.crossCampaign(factory, [Self.partOne(repeatPolicy: .afterExit, audience: vip),
                                                            Self.partTwo(.startCampaign("part-1", next: 1))])
        try await engine.handle(event: "signup", contact: "a")
        #expect(try await engine.store.visits(of: "a").filter { $0.key.flow.campaign == "part-1" }.isEmpty)
        var journal = try await engine.store.journal(of: "a")
        #expect(journal.contains { $0.kind == .notEntered && $0.detail == "the contact is not in the audience" }, "\(journal)")

        var member = subscriber("a")
        member.groups = ["vip"]
        try await engine.upsertContact(member)
        try await engine.handle(event: "signup", contact: "a")
        try await engine.handle(event: "signup", contact: "a")
        #expect(try await engine.store.visits(of: "a").filter { $0.key.flow.campaign == "part-1" }.count == 1,
                "repeat: after_exit keeps the second start out while the first visit waits")
        journal = try await engine.store.journal(of: "a")
        #expect(journal.contains { $0.kind == .notEntered && $0.detail.hasPrefix("repeat: after_exit") }, "\(journal)")
    }

    @Test(arguments: StoreFactory.all)
    func startCampaignWithNoPublishedVersionDoesNothingAndTheJournalSaysWhy(_ factory: StoreFactory) async throws {
        let engine = try await Self.crossCampaign(factory, [Self.partOne(status: .draft), Self.partTwo(.startCampaign("part-1", next: 1))])
        try await engine.handle(event: "signup", contact: "a")
        let visits = try await engine.store.visits(of: "a")
        #expect(visits.map(\.key.flow.campaign) == ["part-2"] && visits[0].outcome == .campaign(.success))
        let journal = try await engine.store.journal(of: "a")
        #expect(journal.contains {
            $0.kind == .notEntered && $0.step == "feed" && $0.detail == "start_campaign: part-1 has no published version"
        }, "\(journal)")
    }

    @Test(arguments: StoreFactory.all)
    func exitCampaignEndsTheVisitsOfEveryVersionWithOutcomeExited(_ factory: StoreFactory) async throws {
        let engine = try await Self.crossCampaign(factory, [Self.partOne(version: 1, status: .draining), Self.partOne(version: 2),
                                                            Self.partTwo(.exitCampaign("part-1", next: 1), trigger: "leave")])
        // Enter version 1 while it is published, then version 2 after the switch.
        try await engine.setStatus(FlowKey(campaign: "part-1", version: 1), .published)
        try await engine.setStatus(FlowKey(campaign: "part-1", version: 2), .draft)
        try await engine.handle(event: "purchase", contact: "a")
        try await engine.setStatus(FlowKey(campaign: "part-1", version: 1), .draining)
        try await engine.setStatus(FlowKey(campaign: "part-1", version: 2), .published)
        try await engine.handle(event: "purchase", contact: "a")
        #expect(try await engine.store.visits(of: "a").filter(\.isActive).count == 2)

        try await engine.handle(event: "leave", contact: "a")
        let visits = try await engine.store.visits(of: "a")
        #expect(visits.filter { $0.key.flow.campaign == "part-1" }.map(\.outcome) == [.exited, .exited])
        #expect(visits.first { $0.key.flow.campaign == "part-2" }?.outcome == .campaign(.success))
        let journal = try await engine.store.journal(of: "a")
        #expect(journal.filter { $0.kind == .exited && $0.detail == "exit_campaign at part-2 v1 step feed" }.count == 2, "\(journal)")
        try await engine.advance(to: 3 * 86_400)
        #expect(try await engine.store.visits(of: "a").filter { $0.key.flow.campaign == "part-1" }.map(\.outcome) == [.exited, .exited],
                "their timers do nothing")
    }

    @Test(arguments: StoreFactory.all)
    func startsThatNestWithoutEndAreBoundedAndEndTheVisit(_ factory: StoreFactory) async throws {
        // A stored definition that starts itself: the checker's campaign-cycle, slipped past it.
        let loop = makeFlow([
            FlowState(id: "again", line: 1, step: .startCampaign("c", next: 1)),
            FlowState(id: "done", line: 2, step: .end(.success)),
        ])
        let engine = try await Self.crossCampaign(factory, [loop])
        try await engine.handle(event: "signup", contact: "a")
        let visits = try await engine.store.visits(of: "a")
        let depth = CampaignEngine.maximumCampaignStartDepth(campaigns: 1)
        #expect(visits.count == depth + 1, "the first visit and one per start within the bound")
        #expect(visits.filter { $0.outcome == .stopped }.count == 1, "the visit whose start would go too deep is stopped")
        #expect(visits.filter { $0.outcome == .campaign(.success) }.count == depth, "the others go on once it returns")
        let journal = try await engine.store.journal(of: "a")
        #expect(journal.contains { $0.kind == .held && $0.step == "again" && $0.detail == "start_campaign nested more than \(depth) deep" },
                "\(journal.filter { $0.kind == .held })")
    }

    @Test(arguments: StoreFactory.all)
    func aWebhookIsAnOutboxActionWithItsKey(_ factory: StoreFactory) async throws {
        let channels = RecordingChannels()
        let engine = try await Self.crossCampaign(factory, [Self.partTwo(.webhook(destination: "crm-hook", fields: ["email"], next: 1))],
                                                  channels: channels)
        try await engine.handle(event: "signup", contact: "a")
        let delivered = try #require(channels.performed.first)
        #expect(delivered.action == .webhook(destination: "crm-hook", fields: ["email"]))
        #expect(delivered.key.description == "a/part-2/v1/feed/1")
        #expect(try await outcome(engine, "a") == .campaign(.success))
    }
}
