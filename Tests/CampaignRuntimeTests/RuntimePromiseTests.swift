import Foundation
import Testing
import CampaignFlows
@testable import CampaignRuntime

/// What the runtime promises beyond moving contacts through steps (LANGUAGE.md v1.1): consent, exits
/// evaluated whenever they could have changed, dedupe's `keep`, optimized send times and definitions that
/// cannot change under a running version.
@Suite struct ConsentTests {
    static let emailThenWait = [
        FlowState(id: "send", line: 1, step: .send(channel: .email, message: "m", approval: false, optimized: false, next: 1)),
        FlowState(id: "wait", line: 2, step: .wait(seconds: 3600, next: 2)),
        FlowState(id: "check", line: 3, step: .condition(.call(.delivered, [.state(0)]), then: 3, else: 4)),
        FlowState(id: "won", line: 4, step: .end(.success)),
        FlowState(id: "lost", line: 5, step: .end(.failure)),
    ]

    func engine(_ states: [FlowState] = emailThenWait, messages: [String: FlowMessage]? = nil) async throws
        -> (CampaignEngine, RecordingChannels) {
        var flow = makeFlow(states).definition
        if let messages { flow.messages = messages }
        let channels = RecordingChannels()
        return (try await CampaignEngine(flows: [FlowInterpreter(flow)], channels: channels, clock: VirtualClock(now: 0)), channels)
    }

    func suppressions(_ engine: CampaignEngine) async -> [String] {
        await engine.trace.compactMap { if case .suppressed(_, let state, let reason, _) = $0 { "\(state): \(reason)" } else { nil } }
    }

    @Test(arguments: [
        ("unsubscribed", ["channel": Value.string("email")]),
        ("message_unsubscribed", [:]),
        ("spam_complaint", [:]),
        ("message_bounced", ["type": Value.string("hard")]),
    ])
    func anEventThatWithdrawsConsentSuppressesLaterEmails(event: String, payload: [String: Value]) async throws {
        let (engine, channels) = try await engine()
        try await engine.upsertContact(subscriber("a"))
        try await engine.handle(event: event, contact: "a", payload: payload)
        try await engine.handle(event: "signup", contact: "a")
        try await engine.runTimers(upTo: 86_400)
        #expect(channels.performed.isEmpty)
        let reason = event == "message_bounced" ? "hard-bounce" : "unsubscribed"
        #expect(await suppressions(engine) == ["send: \(reason)"])
        #expect(try await outcome(engine, "a") == .campaign(.failure), "post-send functions on a suppressed send stay false")
        #expect(try await engine.report(FlowKey(campaign: "c", version: 1)).suppressed == [reason: 1])
    }

    @Test func aSoftBounceOrAnotherChannelLeavesEmailAlone() async throws {
        let (engine, channels) = try await engine()
        try await engine.upsertContact(subscriber("a"))
        try await engine.handle(event: "message_bounced", contact: "a", payload: ["type": .string("soft")])
        try await engine.handle(event: "unsubscribed", contact: "a", payload: ["channel": .string("sms")])
        try await engine.handle(event: "signup", contact: "a")
        #expect(channels.performed.count == 1)
    }

    @Test func resubscribingRestoresEmailButANewAddressIsNeededAfterAHardBounce() async throws {
        let (engine, channels) = try await engine()
        try await engine.upsertContact(subscriber("a"))
        try await engine.handle(event: "unsubscribed", contact: "a", payload: ["channel": .string("email")])
        try await engine.handle(event: "subscribed", contact: "a", payload: ["channel": .string("email")])
        try await engine.handle(event: "signup", contact: "a")
        #expect(channels.performed.count == 1)

        try await engine.handle(event: "message_bounced", contact: "a", payload: ["type": .string("hard")])
        try await engine.handle(event: "signup", contact: "a")
        #expect(channels.performed.count == 1, "hard bounce")
        try await engine.updateContact("a", fields: ["email": .string("new@example.com")])
        try await engine.handle(event: "signup", contact: "a")
        #expect(channels.performed.count == 2, "a new address clears the bounce")
    }

    @Test func aMissingAddressSuppressesTransactionalMessagesTooButUnsubscriptionsDoNot() async throws {
        let messages = ["m": FlowMessage(channel: .email, category: nil, transactional: true)]
        let (engine, channels) = try await engine(messages: messages)
        try await engine.upsertContact(ContactProfile(id: "nomail"))
        try await engine.handle(event: "signup", contact: "nomail")
        #expect(await suppressions(engine) == ["send: missing-address"])

        try await engine.upsertContact(subscriber("a"))
        try await engine.handle(event: "spam_complaint", contact: "a")
        try await engine.handle(event: "signup", contact: "a")
        #expect(channels.performed.map(\.key.visit.contact) == ["a"], "transactional ignores the complaint")
    }

    @Test func theUnsubscribeStepStopsTheCampaignsOwnLaterSends() async throws {
        let states = [
            FlowState(id: "leave", line: 1, step: .unsubscribe([.email], next: 1)),
            FlowState(id: "send", line: 2, step: .send(channel: .email, message: "m", approval: false, optimized: false, next: 2)),
            FlowState(id: "done", line: 3, step: .end(.neutral)),
        ]
        let (engine, channels) = try await engine(states)
        try await engine.upsertContact(subscriber("a"))
        try await engine.handle(event: "signup", contact: "a")
        #expect(channels.performed.map(\.action) == [.unsubscribe([.email])])
        #expect(await suppressions(engine) == ["send: unsubscribed"])
    }

    @Test func archivingEndsTheContactsOtherVisitsAndEntersNothingMore() async throws {
        let archiving = makeFlow([
            FlowState(id: "archive", line: 1, step: .archive(next: 1)),
            FlowState(id: "done", line: 2, step: .end(.abandon)),
        ], trigger: .event("purchase", filter: nil), campaign: "archiver")
        let waiting = makeFlow(Self.emailThenWait, campaign: "waiter")
        let engine = try await CampaignEngine(flows: [archiving, waiting], clock: VirtualClock(now: 0))
        try await engine.upsertContact(subscriber("a"))
        try await engine.handle(event: "signup", contact: "a")
        try await engine.handle(event: "purchase", contact: "a")
        let outcomes = try await engine.store.visits(of: "a").map { "\($0.key.flow.campaign): \($0.outcome?.rawValue ?? "active")" }
        #expect(outcomes.sorted() == ["archiver: abandon", "waiter: exited"])
        try await engine.handle(event: "signup", contact: "a")
        #expect(try await engine.store.visits(of: "a").count == 2, "an archived contact enters nothing")
    }

    @Test func theVisitThatArchivesGoesOnToItsEndWithItsSendsSuppressed() async throws {
        let states = [
            FlowState(id: "archive", line: 1, step: .archive(next: 1)),
            FlowState(id: "send", line: 2, step: .send(channel: .email, message: "m", approval: false, optimized: false, next: 2)),
            FlowState(id: "tag", line: 3, step: .tags(add: ["gone"], remove: [], next: 3)),
            FlowState(id: "done", line: 4, step: .end(.abandon)),
        ]
        let (engine, _) = try await engine(states)
        try await engine.upsertContact(subscriber("a"))
        try await engine.handle(event: "signup", contact: "a")
        #expect(await suppressions(engine) == ["send: archived"])
        #expect(try await outcome(engine, "a") == .campaign(.abandon))
        #expect(try await engine.store.contact("a")?.fields["tags"] == .list([.string("gone")]))
    }

    @Test func subscribedAndArchivedReadConsentInExpressions() async throws {
        var contact = subscriber("a")
        var context = FlowContext(now: 0, contact: contact, campaign: "c", version: 1, timeZone: TimeZone(identifier: "UTC")!)
        #expect(context.subscribed(.email) && !context.archived())
        contact.consent.hardBounced.insert("email")
        contact.archived = true
        context.contact = contact
        #expect(!context.subscribed(.email) && context.subscribed(.sms) && context.archived())
    }
}

@Suite struct ExitTimingTests {
    /// Sends an email every day until the unopened streak reaches 5: the exit must stop the sixth.
    @Test func aConditionExitStopsTheSixthUnopenedEmailWithoutAnyEvent() async throws {
        let states = [
            FlowState(id: "send", line: 1, step: .send(channel: .email, message: "m", approval: false, optimized: false, next: 1)),
            FlowState(id: "wait", line: 2, step: .wait(seconds: 86_400, next: 0)),
        ]
        let exit = FlowExit.condition(.compare(.greaterOrEqual, .call(.unopenedStreak, []), .literal(.int(5))))
        let channels = RecordingChannels()
        let engine = try await CampaignEngine(flows: [makeFlow(states, exits: [exit])], channels: channels, clock: VirtualClock(now: 0))
        try await engine.upsertContact(subscriber("a"))
        try await engine.handle(event: "signup", contact: "a")
        try await engine.runTimers(upTo: 30 * 86_400)
        #expect(channels.performed.count == 5)
        #expect(try await outcome(engine, "a") == .exited)
        #expect(try await engine.store.nextTimerDue() == nil, "nothing is left pending")
    }

    @Test func anApprovedSendIsFollowedByTheExitCheck() async throws {
        let states = [
            FlowState(id: "send", line: 1, step: .send(channel: .email, message: "m", approval: true, optimized: false, next: 1)),
            FlowState(id: "more", line: 2, step: .send(channel: .email, message: "m", approval: false, optimized: false, next: 2)),
            FlowState(id: "done", line: 3, step: .end(.success)),
        ]
        let exit = FlowExit.condition(.compare(.greaterOrEqual, .call(.unopenedStreak, []), .literal(.int(1))))
        let channels = RecordingChannels()
        let engine = try await CampaignEngine(flows: [makeFlow(states, exits: [exit])], channels: channels, clock: VirtualClock(now: 0))
        try await engine.upsertContact(subscriber("a"))
        try await engine.handle(event: "signup", contact: "a")
        try await engine.approve(FlowKey(campaign: "c", version: 1), step: "send", contact: "a")
        #expect(channels.performed.count == 1, "the exit holds after the approved send, before the next")
        #expect(try await outcome(engine, "a") == .exited)
    }

    @Test func aTimerWakingAVisitChecksTheAudienceFirst() async throws {
        let audience = FlowExpression.compare(.equal, .field("plan"), .literal(.string("pro")))
        let channels = RecordingChannels()
        let engine = try await CampaignEngine(flows: [makeFlow(ConsentTests.emailThenWait, audience: audience, leave: true)],
                                        channels: channels, clock: VirtualClock(now: 0))
        var contact = subscriber("a")
        contact.fields["plan"] = .string("pro")
        try await engine.upsertContact(contact)
        try await engine.handle(event: "signup", contact: "a")
        contact.fields["plan"] = .string("free")
        try await engine.upsertContact(contact)  // changed without an event: only the wake can see it
        try await engine.runTimers(upTo: 86_400)
        #expect(try await outcome(engine, "a") == .exited)
    }
}

@Suite struct DedupeTests {
    func vipFlow(keep: String) -> FlowInterpreter {
        makeFlow([
            FlowState(id: "dedupe", line: 1, step: .dedupe(by: "email", keep: keep, next: 1)),
            FlowState(id: "send", line: 2, step: .send(channel: .email, message: "m", approval: false, optimized: false, next: 2)),
            FlowState(id: "done", line: 3, step: .end(.success)),
        ], trigger: .manual)
    }

    func contact(_ id: String, email: String, created: Double?) -> ContactProfile {
        var contact = ContactProfile(id: id, fields: ["email": .string(email)])
        if let created { contact.fields["created_at"] = .instant(created) }
        return contact
    }

    @Test(arguments: [("newest", "late"), ("oldest", "early")])
    func aFiringKeepsTheContactItsRuleNames(keep: String, kept: String) async throws {
        let channels = RecordingChannels()
        let engine = try await CampaignEngine(flows: [vipFlow(keep: keep)], channels: channels, clock: VirtualClock(now: 0))
        // Entered in id order: "a-middle", "b-late", "c-early"; the rule, not the order, decides.
        try await engine.upsertContact(contact("a-middle", email: "x@example.com", created: 200))
        try await engine.upsertContact(contact("b-late", email: "x@example.com", created: 300))
        try await engine.upsertContact(contact("c-early", email: "x@example.com", created: 100))
        try await engine.upsertContact(contact("d-alone", email: "y@example.com", created: 100))
        try await engine.fire(FlowKey(campaign: "c", version: 1))
        let sentTo = Set(channels.performed.map(\.key.visit.contact))
        #expect(sentTo == [keep == "newest" ? "b-late" : "c-early", "d-alone"])
        #expect(try await engine.report(FlowKey(campaign: "c", version: 1)).outcomes == ["success": 2, "neutral": 2])
    }

    @Test func aLaterArrivalCompetesWithTheContactAlreadyKept() async throws {
        let channels = RecordingChannels()
        let engine = try await CampaignEngine(flows: [vipFlow(keep: "newest")], channels: channels, clock: VirtualClock(now: 0))
        let key = FlowKey(campaign: "c", version: 1)
        try await engine.upsertContact(contact("first", email: "x@example.com", created: 200))
        try await engine.fire(key, contact: "first")
        try await engine.upsertContact(contact("older", email: "x@example.com", created: 100))
        try await engine.fire(key, contact: "older")
        try await engine.upsertContact(contact("newer", email: "x@example.com", created: 300))
        try await engine.fire(key, contact: "newer")
        #expect(channels.performed.map(\.key.visit.contact) == ["first", "newer"])
    }
}

@Suite struct SendTimeTests {
    @Test func anOptimizedSendWaitsForTheHourTheContactOpensMostAndGoesAtOnceWithoutOpens() async throws {
        let states = [
            FlowState(id: "send", line: 1, step: .send(channel: .email, message: "m", approval: false, optimized: true, next: 1)),
            FlowState(id: "done", line: 2, step: .end(.success)),
        ]
        let clock = VirtualClock(now: 0)
        let channels = RecordingChannels()
        let engine = try await CampaignEngine(flows: [makeFlow(states, timezone: "Europe/Paris")], channels: channels, clock: clock)
        let monday = Value.parseInstant("2026-03-02T00:00:00Z", timeZone: .gmt)!
        try await engine.upsertContact(subscriber("fresh"))
        try await engine.upsertContact(subscriber("reader"))
        // Opens at 19:xx Paris (18:xx UTC) twice and at 07:xx once.
        for (day, hour) in [(0, 18), (1, 18), (2, 6)] {
            clock.now = monday + Double(day) * 86_400 + Double(hour) * 3600 + 600
            try await engine.handle(event: "email_opened", contact: "reader")
        }
        clock.now = monday + 3 * 86_400 + 9 * 3600  // Thursday 10:00 Paris
        try await engine.handle(event: "signup", contact: "fresh")
        try await engine.handle(event: "signup", contact: "reader")
        #expect(channels.performed.map(\.key.visit.contact) == ["fresh"])
        try await engine.runTimers(upTo: clock.now + 86_400)
        #expect(channels.performed.map(\.at) == [clock.now, monday + 3 * 86_400 + 18 * 3600], "19:00 Paris the same day")
        #expect(try await outcome(engine, "reader") == .campaign(.success))
    }
}

@Suite struct DefinitionTests {
    @Test func aChangedDefinitionUnderARunningVersionIsRefused() async throws {
        let store = InMemoryStore()
        _ = try await CampaignEngine(flows: [makeFlow(ConsentTests.emailThenWait)], store: store)
        var restatused = makeFlow(ConsentTests.emailThenWait).definition
        restatused.status = .draining
        _ = try await CampaignEngine(flows: [FlowInterpreter(restatused)], store: store)  // a status change is not a new definition
        var changed = makeFlow(ConsentTests.emailThenWait).definition
        changed.states.swapAt(3, 4)
        await #expect(throws: EngineError.definitionChanged(FlowKey(campaign: "c", version: 1))) {
            try await CampaignEngine(flows: [FlowInterpreter(changed)], store: store)
        }
    }

    @Test func anUnknownTimeZoneIsRefusedRatherThanRunAsUTC() async throws {
        await #expect(throws: TimeZoneProblem.self) {
            try await CampaignEngine(flows: [makeFlow(ConsentTests.emailThenWait, timezone: "Mars/Olympus")])
        }
    }
}

/// A store that fails every commit after the first `commits`, the way a process killed mid-work stops, and
/// runs `beforeCommit` before each commit reaches its base, the way another process sharing it acts between a
/// unit's reads and its commit.
final class FailingStore: CampaignStore, @unchecked Sendable {
    struct Crash: Error {}
    let base: InMemoryStore
    private let lock = NSLock()
    private var commitsLeft: Int
    private let beforeCommit: @Sendable (EffectUnit, InMemoryStore) throws -> Void

    init(_ base: InMemoryStore, commits: Int = .max,
         beforeCommit: @escaping @Sendable (EffectUnit, InMemoryStore) throws -> Void = { _, _ in }) {
        self.base = base
        commitsLeft = commits
        self.beforeCommit = beforeCommit
    }

    func commit(_ unit: EffectUnit) async throws {
        let allowed = lock.withLock {
            commitsLeft -= 1
            return commitsLeft >= 0
        }
        guard allowed else { throw Crash() }
        try beforeCommit(unit, base)
        try base.commit(unit)
    }

    func contact(_ id: String) async throws -> ContactProfile? { base.contact(id) }
    func contactIDs(after: String?, limit: Int) async throws -> [String] { base.contactIDs(after: after, limit: limit) }
    func visits(of contact: String) async throws -> [Visit] { base.visits(of: contact) }
    func visits(in flow: FlowKey) async throws -> [Visit] { base.visits(in: flow) }
    func flowState(_ flow: FlowKey) async throws -> FlowRuntimeState { base.flowState(flow) }
    func keptContacts(_ keys: [DedupeKey]) async throws -> [DedupeKey: String] { base.keptContacts(keys) }
    func nextTimerDue() async throws -> Double? { base.nextTimerDue() }
    func claimTimers(dueBy time: Double, limit: Int, lease: Double) async throws -> [PendingTimer] {
        base.claimTimers(dueBy: time, limit: limit, lease: lease)
    }
    func nextSequence() async throws -> UInt64 { base.nextSequence() }
    func processedInput(_ id: String) async throws -> UInt64? { base.processedInput(id) }
    func claimActions(dueBy time: Double, limit: Int, lease: Double) async throws -> [OutboxEntry] {
        base.claimActions(dueBy: time, limit: limit, lease: lease)
    }
    func settle(_ key: IdempotencyKey, _ result: DeliveryResult, at time: Double, keepsJournal: Bool) async throws {
        base.settle(key, result, at: time, keepsJournal: keepsJournal)
    }
    func deliveries(of flow: FlowKey) async throws -> DeliveryCounts { base.deliveries(of: flow) }
    func revive(_ key: IdempotencyKey, at time: Double) async throws -> Bool { base.revive(key, at: time) }
    func outboxDepth() async throws -> DeliveryCounts { base.outboxDepth() }
    func timerCounts(overdueAt time: Double) async throws -> (pending: Int, overdue: Int) { base.timerCounts(overdueAt: time) }
    func inbox(limit: Int) async throws -> [InboxEvent] { base.inbox(limit: limit) }
    func inboxDepth() async throws -> Int { base.inboxDepth() }
    func dropFromInbox(_ id: String) async throws { base.dropFromInbox(id) }
    func journal(of contact: String) async throws -> [JournalEntry] { base.journal(of: contact) }
    func deployments() async throws -> Deployment? { base.deployments() }
    func setting(_ name: String) async throws -> String? { base.setting(name) }
}

@Suite struct FanOutTests {
    static let manualSend = [
        FlowState(id: "dedupe", line: 1, step: .dedupe(by: "email", keep: "oldest", next: 1)),
        FlowState(id: "send", line: 2, step: .send(channel: .email, message: "m", approval: false, optimized: false, next: 2)),
        FlowState(id: "done", line: 3, step: .end(.success)),
    ]

    /// 1,200 contacts, the last two sharing an email with the first (pages of 500 apart).
    func population(into store: InMemoryStore) throws {
        var unit = EffectUnit()
        for index in 0..<1_200 {
            let id = String(format: "c%04d", index)
            let email = index >= 1_198 ? "c0000@example.com" : "\(id)@example.com"
            unit.contacts[id] = ContactProfile(id: id, fields: ["email": .string(email), "created_at": .instant(Double(index))])
        }
        try store.commit(unit)
    }

    @Test func aFiringGoesPageByPageAndDedupesAcrossPages() async throws {
        let store = InMemoryStore()
        try population(into: store)
        let channels = RecordingChannels()
        let engine = try await CampaignEngine(flows: [makeFlow(Self.manualSend, trigger: .manual)], store: store, channels: channels,
                                              clock: VirtualClock(now: 0))
        try await engine.fire(FlowKey(campaign: "c", version: 1))
        let sentTo = channels.performed.map(\.key.visit.contact)
        #expect(sentTo.count == 1_198 && Set(sentTo).count == 1_198)
        #expect(!sentTo.contains("c1198") && !sentTo.contains("c1199"), "the oldest of the three sharing an email is kept")
        #expect(try await engine.report(FlowKey(campaign: "c", version: 1)).outcomes == ["success": 1_198, "neutral": 2])
        #expect(store.flowState(FlowKey(campaign: "c", version: 1)).fanOuts.isEmpty)
    }

    @Test func aFiringInterruptedBetweenPagesResumesWithoutEnteringAnyoneTwice() async throws {
        let base = InMemoryStore()
        try population(into: base)
        let flow = makeFlow(Self.manualSend, trigger: .manual)
        let key = FlowKey(campaign: "c", version: 1)
        // Registration, the firing's start and its first page commit; the second page's commit fails.
        let crashing = FailingStore(base, commits: 3)
        let first = try await CampaignEngine(flows: [flow], store: crashing, clock: VirtualClock(now: 0), deliversAfterEachUnit: false)
        await #expect(throws: FailingStore.Crash.self) { try await first.fire(key) }
        #expect(base.visits(in: key).count == 500, "one page was committed")
        #expect(base.flowState(key).fanOuts.first?.cursor == "c0499")

        let channels = RecordingChannels()
        let restarted = try await CampaignEngine(flows: [flow], store: base, channels: channels, clock: VirtualClock(now: 0))
        try await restarted.resume()
        try await restarted.dispatcher.deliverDue()
        let visits = base.visits(in: key)
        #expect(visits.count == 1_200 && Set(visits.map(\.key.contact)).count == 1_200, "each contact entered once")
        #expect(channels.performed.count == 1_198)
        #expect(base.flowState(key).fanOuts.isEmpty)
    }

    /// `keep: newest` across pages: the register's choice is replaced page after page, and the best of all
    /// pages goes on, on every store.
    @Test(arguments: StoreFactory.all)
    func aFiringKeepsTheNewestAcrossPagesOnEveryStore(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        var unit = EffectUnit()
        for index in 0..<1_200 {
            let id = String(format: "c%04d", index)
            // c0000, c0600 and c1199 share an address, on pages 1, 2 and 3.
            let email = [0, 600, 1_199].contains(index) ? "shared@example.com" : "\(id)@example.com"
            unit.contacts[id] = ContactProfile(id: id, fields: ["email": .string(email), "created_at": .instant(Double(index))])
        }
        try await store.commit(unit)
        var states = Self.manualSend
        states[0] = FlowState(id: "dedupe", line: 1, step: .dedupe(by: "email", keep: "newest", next: 1))
        let channels = RecordingChannels()
        let key = FlowKey(campaign: "c", version: 1)
        let engine = try await CampaignEngine(flows: [makeFlow(states, trigger: .manual)], store: store, channels: channels,
                                              clock: VirtualClock(now: 0))
        try await engine.fire(key)
        let sentTo = Set(channels.performed.map(\.key.visit.contact))
        #expect(sentTo.count == 1_198 && sentTo.contains("c1199") && !sentTo.contains("c0000") && !sentTo.contains("c0600"))
        #expect(try await engine.report(key).outcomes == ["success": 1_198, "neutral": 2])
        #expect(try await store.keptContacts([DedupeKey(flow: key, state: 0, value: "shared@example.com")]).values.first == "c1199")
        #expect(try await store.flowState(key).fanOuts.isEmpty)
    }

    /// The contact a register keeps is erased between the firing and its settling: the best of those still
    /// waiting with that address goes on, the other ends.
    @Test func aKeptContactErasedBeforeTheSettlingLeavesTheBestOfTheOthers() async throws {
        let base = InMemoryStore()
        try population(into: base)
        let flow = makeFlow(Self.manualSend, trigger: .manual)
        let key = FlowKey(campaign: "c", version: 1)
        // Registration, the firing's start and its three pages commit; the settling's first page fails.
        let crashing = FailingStore(base, commits: 5)
        let first = try await CampaignEngine(flows: [flow], store: crashing, clock: VirtualClock(now: 0), deliversAfterEachUnit: false)
        await #expect(throws: FailingStore.Crash.self) { try await first.fire(key) }
        #expect(base.flowState(key).fanOuts.first?.work == .settleDuplicates(at: 0))

        let channels = RecordingChannels()
        let restarted = try await CampaignEngine(flows: [flow], store: base, channels: channels, clock: VirtualClock(now: 0))
        try await restarted.erase(contact: "c0000")
        try await restarted.resume()
        try await restarted.dispatcher.deliverDue()
        let sentTo = Set(channels.performed.map(\.key.visit.contact))
        #expect(sentTo.count == 1_198 && sentTo.contains("c1198") && !sentTo.contains("c1199"), "c1198 is now the oldest")
        #expect(base.flowState(key).fanOuts.isEmpty)
    }

    /// Two processes share a store; one dies in the middle of a firing. The other, started long before, takes
    /// the firing over as its time advances: it does not wait for a process to start.
    @Test func aFiringLeftByADeadProcessIsFinishedByOneAlreadyRunning() async throws {
        let base = InMemoryStore()
        try population(into: base)
        let flow = makeFlow(Self.manualSend, trigger: .manual)
        let key = FlowKey(campaign: "c", version: 1)
        let channels = RecordingChannels()
        let survivor = try await CampaignEngine(flows: [flow], store: base, channels: channels, clock: VirtualClock(now: 0))
        await survivor.resumeWork(every: 0)
        try await survivor.advance(to: 0)  // started: nothing to resume yet
        // The other process registers, starts the firing and commits its first page; the second page fails.
        let dying = try await CampaignEngine(flows: [flow], store: FailingStore(base, commits: 2), clock: VirtualClock(now: 0),
                                             deliversAfterEachUnit: false)
        await #expect(throws: FailingStore.Crash.self) { try await dying.fire(key) }
        #expect(base.visits(in: key).count == 500)

        try await survivor.advance(to: 10)
        try await survivor.dispatcher.deliverDue()
        #expect(base.visits(in: key).count == 1_200 && base.flowState(key).fanOuts.isEmpty)
        #expect(channels.performed.count == 1_198)
    }

    @Test func stoppingAVersionEndsItsVisitsPageByPage() async throws {
        let store = InMemoryStore()
        try population(into: store)
        let waiting = [FlowState(id: "wait", line: 1, step: .wait(seconds: 86_400, next: 1)), FlowState(id: "done", line: 2, step: .end(.success))]
        let engine = try await CampaignEngine(flows: [makeFlow(waiting, trigger: .manual)], store: store, clock: VirtualClock(now: 0))
        let key = FlowKey(campaign: "c", version: 1)
        try await engine.fire(key)
        try await engine.setStatus(key, .stopped)
        #expect(try await engine.report(key).outcomes == ["stopped": 1_200])
        try await engine.runTimers(upTo: 2 * 86_400)
        #expect(try await engine.report(key).outcomes == ["stopped": 1_200], "their timers no longer move them")
    }
}

@Suite struct InputTests {
    @Test func anEventSubmittedTwiceUnderOneIdIsProcessedOnceAndADifferentOneIsRefused() async throws {
        let channels = RecordingChannels()
        let engine = try await CampaignEngine(flows: [makeFlow(ConsentTests.emailThenWait)], channels: channels, clock: VirtualClock(now: 0))
        try await engine.upsertContact(subscriber("a"))
        #expect(try await engine.handle(event: "signup", contact: "a", input: "evt-1"))
        #expect(try await !engine.handle(event: "signup", contact: "a", input: "evt-1"), "a resubmission is skipped")
        #expect(channels.performed.count == 1)
        await #expect(throws: EngineError.inputConflict("evt-1")) {
            try await engine.handle(event: "signup", contact: "a", payload: ["source": .string("ads")], input: "evt-1")
        }
    }

    @Test func unitsSubmittedAtOnceRunOneAtATimeAndLoseNothing() async throws {
        let engine = try await CampaignEngine(flows: [makeFlow(ConsentTests.emailThenWait)], clock: VirtualClock(now: 0))
        for index in 0..<50 { try await engine.upsertContact(subscriber("c\(index)")) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<50 {
                group.addTask { try await engine.handle(event: "signup", contact: "c\(index)", input: "e\(index)") }
            }
            try await group.waitForAll()
        }
        let report = try await engine.report(FlowKey(campaign: "c", version: 1))
        #expect(report.arrivalsPerStep["send"] == 50, "no unit overwrote another's counters")
        #expect(report.contactsPerStep["wait"] == 50)
    }
}
