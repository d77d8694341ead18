import Foundation
import Testing
import CampaignFlows
@testable import CampaignRuntime

/// What the engine does for the service: contacts' journeys (``JournalEntry``), the inbox of accepted events,
/// erasure and the retry of dead actions.
@Suite struct JourneyTests {
    static let journey = FlowKey(campaign: "j", version: 1)
    static let upgrade = FlowKey(campaign: "w", version: 1)

    /// Tags, sends, waits an hour, sends again once approved, ends; a purchase exits.
    static func journeyFlow() -> FlowInterpreter {
        makeFlow([
            FlowState(id: "tag", line: 1, step: .tags(add: ["vip"], remove: ["new"], next: 1)),
            FlowState(id: "send", line: 2, step: .send(channel: .email, message: "m", approval: false, optimized: false, next: 2)),
            FlowState(id: "wait", line: 3, step: .wait(seconds: 3600, next: 3)),
            FlowState(id: "approval", line: 4, step: .send(channel: .email, message: "m", approval: true, optimized: false, next: 4)),
            FlowState(id: "done", line: 5, step: .end(.success)),
        ], exits: [.event("purchase", filter: nil)], campaign: "j")
    }

    /// Entered once, by an `upgrade` event whose plan is `pro`.
    static func upgradeFlow() -> FlowInterpreter {
        makeFlow([FlowState(id: "welcome", line: 1, step: .end(.success))],
                 trigger: .event("upgrade", filter: .compare(.equal, .eventField("plan"), .literal(.string("pro")))),
                 repeatPolicy: .once, campaign: "w")
    }

    static func line(_ contact: String, _ flow: FlowKey = journey, visit: Int? = 1, at: Double, _ kind: JournalEntry.Kind,
                     _ step: String? = nil, _ detail: String = "") -> JournalEntry {
        JournalEntry(contact: contact, flow: flow, visit: visit, at: at, kind: kind, step: step, detail: detail)
    }

    /// Runs the same story with or without journeys: an approved contact, an unsubscribed one, one that exits,
    /// and one that upgrades (twice) after a refused trigger.
    static func tell(_ store: any CampaignStore, keepsJournal: Bool) async throws -> (CampaignEngine, RecordingChannels) {
        let clock = VirtualClock(now: 100)
        let channels = RecordingChannels()
        let engine = try await CampaignEngine(flows: [journeyFlow(), upgradeFlow()], store: store, channels: channels, clock: clock,
                                              deliversAfterEachUnit: false, keepsJournal: keepsJournal)
        var unsubscribed = subscriber("b")
        unsubscribed.consent.unsubscribed = ["email"]
        for contact in [subscriber("a"), unsubscribed, subscriber("c"), subscriber("d")] { try await engine.upsertContact(contact) }
        for id in ["a", "b", "c"] { try await engine.handle(event: "signup", contact: id) }
        try await engine.dispatcher.deliverDue(batch: 1)
        clock.now = 200
        try await engine.handle(event: "purchase", contact: "c")
        try await engine.handle(event: "upgrade", contact: "d", payload: ["plan": .string("free")])
        try await engine.handle(event: "upgrade", contact: "d", payload: ["plan": .string("pro")])
        try await engine.handle(event: "upgrade", contact: "d", payload: ["plan": .string("pro")])
        clock.now = 3700
        try await engine.runTimers(upTo: 3700)
        try await engine.approve(journey, step: "approval", contact: "a")
        try await engine.dispatcher.deliverDue(batch: 1)
        return (engine, channels)
    }

    @Test(arguments: StoreFactory.all)
    func aJourneyShowsEachStepActionHoldAndDelivery(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        _ = try await Self.tell(store, keepsJournal: true)
        #expect(try await store.journal(of: "a") == [
            Self.line("a", at: 100, .entered),
            Self.line("a", at: 100, .step, "tag"),
            Self.line("a", at: 100, .action, "tag", "tags +vip -new, key a/j/v1/tag/1"),
            Self.line("a", at: 100, .step, "send"),
            Self.line("a", at: 100, .action, "send", "send email m, key a/j/v1/send/1"),
            Self.line("a", at: 100, .step, "wait"),
            Self.line("a", at: 100, .delivered, "tag", "a/j/v1/tag/1 after 1 attempt"),
            Self.line("a", at: 100, .delivered, "send", "a/j/v1/send/1 after 1 attempt"),
            Self.line("a", at: 3700, .step, "approval"),
            Self.line("a", at: 3700, .held, "approval", "approval"),
            Self.line("a", at: 3700, .action, "approval", "send email m, key a/j/v1/approval/1"),
            Self.line("a", at: 3700, .step, "done"),
            Self.line("a", at: 3700, .ended, nil, "success"),
            Self.line("a", at: 3700, .delivered, "approval", "a/j/v1/approval/1 after 1 attempt"),
        ])
        let b = try await store.journal(of: "b")
        #expect(b.filter { $0.kind == .suppressed } == [Self.line("b", at: 100, .suppressed, "send", "unsubscribed")])
        #expect(!b.contains { $0.kind == .action && $0.step == "send" }, "a suppressed send creates no action")
        #expect(try await store.journal(of: "c").suffix(2) == [
            Self.line("c", at: 100, .delivered, "send", "c/j/v1/send/1 after 1 attempt"),
            Self.line("c", at: 200, .exited, nil, "exit_when[0]: event purchase"),
        ])
        #expect(try await store.journal(of: "d") == [
            Self.line("d", Self.upgrade, visit: nil, at: 200, .notEntered, nil, "the trigger's where did not hold"),
            Self.line("d", Self.upgrade, at: 200, .entered),
            Self.line("d", Self.upgrade, at: 200, .step, "welcome"),
            Self.line("d", Self.upgrade, at: 200, .ended, nil, "success"),
            Self.line("d", Self.upgrade, visit: nil, at: 200, .notEntered, nil, "repeat: once, and the contact entered before"),
        ])
    }

    @Test func withoutJourneysNothingIsJournaled() async throws {
        let store: any CampaignStore = InMemoryStore()
        let (engine, channels) = try await Self.tell(store, keepsJournal: false)
        #expect(channels.performed.count == 6, "the story happened: tags for a, b and c, sends for a and c, and a's approved send")
        #expect(try await engine.report(Self.journey).outcomes == ["success": 1, "exited": 1])
        for contact in ["a", "b", "c", "d"] { #expect(try await store.journal(of: contact).isEmpty) }
    }

    @Test func theTagsSummaryNamesWhatItAddsAndRemoves() {
        #expect(FlowAction.tags(add: ["vip", "gold"], remove: []).summary == "tags +vip +gold")
        #expect(FlowAction.tags(add: [], remove: ["new"]).summary == "tags -new")
        #expect(FlowAction.tags(add: ["vip"], remove: ["new", "trial"]).summary == "tags +vip -new -trial")
    }

    // MARK: The inbox

    /// Every signup enters again (repeat: many) and ends at once.
    static func countingFlow() -> FlowInterpreter {
        makeFlow([FlowState(id: "done", line: 1, step: .end(.success))])
    }

    static func signup(_ id: String, _ contact: String) -> InboxEvent {
        InboxEvent(id: id, contact: contact, event: "signup", payload: [:], at: 0)
    }

    @Test(arguments: StoreFactory.all)
    func theInboxIsProcessedInOrderOnceEach(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        let engine = try await CampaignEngine(flows: [Self.countingFlow()], store: store, clock: VirtualClock(now: 0))
        for id in ["a", "b", "c"] { try await engine.upsertContact(subscriber(id)) }
        var accepted = EffectUnit()
        accepted.inboxAdded = [Self.signup("e1", "a"), Self.signup("e2", "b"), Self.signup("e3", "c"), Self.signup("e5", "a")]
        try await store.commit(accepted)
        // e2 is processed at once (as a submission handled synchronously would be): it leaves the inbox.
        #expect(try await engine.handle(event: "signup", contact: "b", input: "e2"))
        #expect(try await store.inbox(limit: 10).map(\.id) == ["e1", "e3", "e5"])

        #expect(try await engine.processInbox(limit: 2) == 2)
        #expect(try await store.inbox(limit: 10).map(\.id) == ["e5"])
        #expect(try await engine.processInbox() == 1)
        #expect(try await store.inboxDepth() == 0)
        #expect(try await engine.processInbox() == 0)

        let entered = await engine.trace.compactMap { event -> String? in
            if case .entered(let key, _) = event { return "\(key.contact)#\(key.number)" }
            return nil
        }
        #expect(entered == ["b#1", "a#1", "c#1", "a#2"], "in acceptance order, each once")
        #expect(try await engine.report(FlowKey(campaign: "c", version: 1)).outcomes == ["success": 4])
        for event in accepted.inboxAdded { #expect(try await store.processedInput(event.id) == event.digest) }

        // Accepted again after processing: the same content is not accepted, another one conflicts.
        var again = EffectUnit()
        again.inboxAdded = [Self.signup("e1", "a")]
        try await store.commit(again)
        #expect(try await store.inboxDepth() == 0)
        again.inboxAdded = [Self.signup("e1", "b")]
        await #expect(throws: StoreError.inputConflict("e1")) { try await store.commit(again) }
    }

    // MARK: Erasure

    @Test(arguments: StoreFactory.all)
    func erasureRemovesTheContactAndItsAddressButNotTheCounts(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        let flow = makeFlow([
            FlowState(id: "dedupe", line: 1, step: .dedupe(by: "email", keep: "oldest", next: 1)),
            FlowState(id: "send", line: 2, step: .send(channel: .email, message: "m", approval: false, optimized: false, next: 2)),
            FlowState(id: "wait", line: 3, step: .wait(seconds: 3600, next: 3)),
            FlowState(id: "done", line: 4, step: .end(.success)),
        ])
        let key = FlowKey(campaign: "c", version: 1)
        let engine = try await CampaignEngine(flows: [flow], store: store, clock: VirtualClock(now: 0), deliversAfterEachUnit: false,
                                              keepsJournal: true)
        try await engine.upsertContact(ContactProfile(id: "a", fields: ["email": .string("x@example.com"), "created_at": .instant(1)]))
        try await engine.upsertContact(ContactProfile(id: "b", fields: ["email": .string("y@example.com")]))
        try await engine.handle(event: "signup", contact: "a")
        try await engine.handle(event: "signup", contact: "b")
        var later = EffectUnit()
        later.inboxAdded = [Self.signup("e1", "a"), Self.signup("e2", "b")]
        try await store.commit(later)
        let before = try await store.flowState(key)
        let addresses = [DedupeKey(flow: key, state: 0, value: "x@example.com"), DedupeKey(flow: key, state: 0, value: "y@example.com")]
        #expect(try await store.keptContacts(addresses) == [addresses[0]: "a", addresses[1]: "b"])

        try await engine.erase(contact: "a")
        #expect(try await store.contact("a") == nil)
        #expect(try await store.visits(of: "a").isEmpty)
        #expect(try await store.journal(of: "a").isEmpty)
        #expect(try await store.inbox(limit: 10).map(\.id) == ["e2"])
        #expect(try await store.outboxDepth() == DeliveryCounts(pending: 1), "b's send only")
        #expect(try await store.timerCounts(overdueAt: 0).pending == 1, "b's wait only")
        #expect(try await store.keptContacts(addresses) == [addresses[1]: "b"], "a's address is forgotten")
        #expect(try await store.flowState(key) == before, "counters keep their totals")
        #expect(try await store.visits(of: "b").count == 1)
        #expect(try await store.journal(of: "b").isEmpty == false)

        // Someone new with the erased address is no duplicate of the erased contact.
        try await engine.upsertContact(ContactProfile(id: "a2", fields: ["email": .string("x@example.com"), "created_at": .instant(5)]))
        try await engine.handle(event: "signup", contact: "a2")
        #expect(try await store.visits(of: "a2").first?.isActive == true)
        #expect(try await store.keptContacts([addresses[0]]) == [addresses[0]: "a2"])
    }

    // MARK: Retry

    @Test(arguments: StoreFactory.all)
    func aDeadActionIsDeliveredAgainWhenRetried(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        let channels = FlakyChannels(failures: 2)
        let clock = VirtualClock(now: 0)
        let engine = try await CampaignEngine(flows: [makeFlow(sendThenWaitThenEnd)], store: store, channels: channels, clock: clock,
                                              retryPolicy: RetryPolicy(attempts: 2, firstRetry: 1, maxRetry: 1), keepsJournal: true)
        try await engine.upsertContact(subscriber("a"))
        try await engine.handle(event: "signup", contact: "a")
        clock.now = 5
        try await engine.dispatcher.deliverDue()
        let flow = FlowKey(campaign: "c", version: 1)
        #expect(try await engine.report(flow).deliveries == DeliveryCounts(dead: 1))
        let key = IdempotencyKey(visit: VisitKey(contact: "a", flow: flow, number: 1), step: "send")
        #expect(try await engine.retry(IdempotencyKey(visit: key.visit, step: "other")) == false)

        clock.now = 60
        #expect(try await engine.retry(key))
        #expect(try await engine.retry(key) == false, "no longer dead")
        #expect(try await engine.report(flow).deliveries == DeliveryCounts(pending: 1))
        #expect(try await engine.dispatcher.deliverDue() == 1)
        #expect(channels.performed.map(\.key) == [key])
        #expect(try await engine.report(flow).deliveries == DeliveryCounts())
        #expect(try await store.journal(of: "a").filter { $0.kind == .dead || $0.kind == .delivered } == [
            Self.line("a", flow, at: 5, .dead, "send", "a/c/v1/send/1 after 2 attempts"),
            Self.line("a", flow, at: 60, .delivered, "send", "a/c/v1/send/1 after 1 attempt"),
        ], "attempts count again from the retry")
    }
}
