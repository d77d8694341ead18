import Foundation
import Testing
import CampaignFlows
@testable import CampaignRuntime

/// A flow built by hand: `states` with the event trigger `signup`.
func makeFlow(_ states: [FlowState], trigger: FlowTrigger = .event("signup", filter: nil), repeatPolicy: RepeatPolicy = .many,
              status: CampaignStatus = .published, audience: FlowExpression? = nil, leave: Bool = false,
              exits: [FlowExit] = [], campaign: String = "c", version: Int = 1, timezone: String = "UTC") -> FlowInterpreter {
    FlowInterpreter(FlowDefinition(
        campaign: campaign, version: version, status: status, name: nil, source: "c/v\(version).yaml", timezone: timezone,
        trigger: trigger, audience: audience, leaveWhenOutOfAudience: leave, repeatPolicy: repeatPolicy, exits: exits,
        start: 0, states: states, messages: ["m": FlowMessage(channel: .email, category: "news")]))
}

let sendThenWaitThenEnd = [
    FlowState(id: "send", line: 1, step: .send(channel: .email, message: "m", approval: false, optimized: false, next: 1)),
    FlowState(id: "wait", line: 2, step: .wait(seconds: 3600, next: 2)),
    FlowState(id: "done", line: 3, step: .end(.success)),
]

/// A contact with an email address, so that email sends go out.
func subscriber(_ id: String) -> ContactProfile {
    ContactProfile(id: id, fields: ["email": .string("\(id)@example.com")])
}

func outcome(_ engine: CampaignEngine, _ contact: String) async throws -> VisitOutcome? {
    try await engine.store.visits(of: contact).last?.outcome
}

@Suite struct WaitUntilTests {
    let paris = TimeZone(identifier: "Europe/Paris")!

    @Test func aLocalTimeStaysLocalAcrossTheSpringChange() async throws {
        // Saturday 28 March 2026 10:00 in Paris (UTC+1); the clocks go forward that night.
        let now = Value.parseInstant("2026-03-28T09:00:00Z", timeZone: .gmt)!
        let sunday8 = WaitUntil.next(after: now, days: [1], from: 8 * 60, to: nil, timeZone: paris)
        #expect(sunday8 == Value.parseInstant("2026-03-29T06:00:00Z", timeZone: .gmt), "08:00 CEST is 06:00 UTC")
        let saturday8 = WaitUntil.next(after: Value.parseInstant("2026-03-21T09:00:00Z", timeZone: .gmt)!, days: [1], from: 8 * 60, to: nil, timeZone: paris)
        #expect(saturday8 == Value.parseInstant("2026-03-22T07:00:00Z", timeZone: .gmt), "08:00 CET is 07:00 UTC")
    }

    @Test func aLocalTimeStaysLocalAcrossTheAutumnChange() async throws {
        let now = Value.parseInstant("2026-10-24T12:00:00Z", timeZone: .gmt)!
        #expect(WaitUntil.next(after: now, days: [1], from: 8 * 60, to: nil, timeZone: paris) == Value.parseInstant("2026-10-25T07:00:00Z", timeZone: .gmt))
    }

    @Test func aTimeSkippedBySpringForwardMovesForward() async throws {
        // 02:30 does not exist in Paris on 29 March 2026.
        let now = Value.parseInstant("2026-03-28T12:00:00Z", timeZone: .gmt)!
        let moment = WaitUntil.next(after: now, days: [1], from: 2 * 60 + 30, to: nil, timeZone: paris)
        #expect(moment == Value.parseInstant("2026-03-29T01:30:00Z", timeZone: .gmt), "03:30 CEST")
    }

    @Test func nowIsIncludedAndWindowsOpenAtTheirStart() async throws {
        // Monday 7 September 2026, 10:00 in Paris (08:00 UTC).
        let now = Value.parseInstant("2026-09-07T08:00:00Z", timeZone: .gmt)!
        let weekdays = [2, 3, 4, 5, 6]
        #expect(WaitUntil.next(after: now, days: weekdays, from: 9 * 60, to: 17 * 60, timeZone: paris) == now)
        #expect(WaitUntil.next(after: now, days: weekdays, from: 10 * 60, to: nil, timeZone: paris) == now)
        let evening = Value.parseInstant("2026-09-07T16:00:00Z", timeZone: .gmt)!  // 18:00, after the window
        #expect(WaitUntil.next(after: evening, days: weekdays, from: 9 * 60, to: 17 * 60, timeZone: paris)
                == Value.parseInstant("2026-09-08T07:00:00Z", timeZone: .gmt))
        let friday = Value.parseInstant("2026-09-11T16:00:00Z", timeZone: .gmt)!
        #expect(WaitUntil.next(after: friday, days: weekdays, from: 9 * 60, to: 17 * 60, timeZone: paris)
                == Value.parseInstant("2026-09-14T07:00:00Z", timeZone: .gmt), "over the weekend to Monday")
    }
}

/// Fails the first `failures` attempts, then records; drops actions whose key it has seen.
final class FlakyChannels: ChannelAdapter, @unchecked Sendable {
    private let lock = NSLock()
    private var failures: Int
    private var recorded: [ActionRequest] = []
    private var seen = Set<String>()

    init(failures: Int) { self.failures = failures }

    var performed: [ActionRequest] { lock.withLock { recorded } }
    /// Every call, failed ones included.
    var attempts: Int { lock.withLock { calls } }
    private var calls = 0

    func perform(_ request: ActionRequest) throws {
        try lock.withLock {
            calls += 1
            if failures > 0 {
                failures -= 1
                throw CancellationError()
            }
            guard seen.insert(request.key.description).inserted else { return }
            recorded.append(request)
        }
    }
}

@Suite struct EngineTests {
    @Test func aFailedActionIsRetriedWithBackoffUnderTheSameKeyUntilDelivered() async throws {
        let store = InMemoryStore()
        let channels = FlakyChannels(failures: 2)
        let clock = VirtualClock(now: 0)
        let engine = try await CampaignEngine(flows: [makeFlow(sendThenWaitThenEnd)], store: store, channels: channels, clock: clock,
                                              retryPolicy: RetryPolicy(attempts: 5, firstRetry: 10, maxRetry: 60))
        try await engine.upsertContact(subscriber("a"))
        try await engine.handle(event: "signup", contact: "a")
        #expect(channels.performed.isEmpty)
        let key = FlowKey(campaign: "c", version: 1)
        #expect(try await engine.report(key).deliveries == DeliveryCounts(failed: 1), "the failed send waits in the outbox")
        #expect(try await engine.dispatcher.deliverDue() == 0, "not before its retry is due")
        clock.now = 10  // the first retry comes within [5, 10) seconds
        #expect(try await engine.dispatcher.deliverDue() == 1)
        #expect(channels.performed.isEmpty)
        clock.now = 30  // the second within [10, 20) after that
        try await engine.dispatcher.deliverDue()
        #expect(channels.performed.map(\.key.description) == ["a/c/v1/send/1"])
        #expect(try await engine.report(key).deliveries == DeliveryCounts())
    }

    @Test func anActionThatFailsEveryAttemptIsDeadAndCounted() async throws {
        let channels = FlakyChannels(failures: 100)
        let clock = VirtualClock(now: 0)
        let engine = try await CampaignEngine(flows: [makeFlow(sendThenWaitThenEnd)], channels: channels, clock: clock,
                                              retryPolicy: RetryPolicy(attempts: 3, firstRetry: 1, maxRetry: 1))
        try await engine.upsertContact(subscriber("a"))
        try await engine.handle(event: "signup", contact: "a")
        for second in 1...10 {
            clock.now = Double(second)
            try await engine.dispatcher.deliverDue()
        }
        #expect(channels.attempts == 3)
        #expect(try await engine.report(FlowKey(campaign: "c", version: 1)).deliveries == DeliveryCounts(dead: 1))
    }

    @Test func backoffDoublesUpToItsCapWithJitterInTheUpperHalf() {
        let policy = RetryPolicy(attempts: 10, firstRetry: 1, maxRetry: 60)
        #expect((1...8).map { policy.delay(afterFailures: $0, jitter: 1) } == [1, 2, 4, 8, 16, 32, 60, 60])
        #expect(policy.delay(afterFailures: 3, jitter: 0) == 2)
    }

    @Test func aVisitThatLoopsBackToASendGetsANewKeyEachTime() async throws {
        let states = [
            FlowState(id: "send", line: 1, step: .send(channel: .email, message: "m", approval: false, optimized: false, next: 1)),
            FlowState(id: "wait", line: 2, step: .wait(seconds: 86_400, next: 2)),
            FlowState(id: "again", line: 3, step: .condition(.compare(.greaterOrEqual, .call(.unopenedStreak, []), .literal(.int(3))), then: 3, else: 0)),
            FlowState(id: "done", line: 4, step: .end(.failure)),
        ]
        let channels = RecordingChannels()
        let engine = try await CampaignEngine(flows: [makeFlow(states)], channels: channels, clock: VirtualClock(now: 0))
        try await engine.upsertContact(subscriber("a"))
        try await engine.handle(event: "signup", contact: "a")
        try await engine.runTimers(upTo: 10 * 86_400)
        #expect(channels.performed.map(\.key.description) == ["a/c/v1/send/1", "a/c/v1/send#2/1", "a/c/v1/send#3/1"])
        #expect(try await outcome(engine, "a") == .campaign(.failure))
    }

    @Test func aRedeliveredActionIsRecognisedByItsKey() async throws {
        let channels = RecordingChannels()
        let request = ActionRequest(key: IdempotencyKey(visit: VisitKey(contact: "a", flow: FlowKey(campaign: "c", version: 1), number: 1), step: "send"),
                                    action: .send(channel: .email, message: "m"), at: 0)
        channels.perform(request)
        channels.perform(request)
        #expect(channels.performed.count == 1)
    }

    @Test func timersFireInDueOrderAndMoveVisitsOn() async throws {
        let clock = VirtualClock(now: 0)
        let engine = try await CampaignEngine(flows: [makeFlow(sendThenWaitThenEnd)], clock: clock)
        for (index, id) in ["a", "b", "c"].enumerated() {
            try await engine.upsertContact(subscriber(id))
            clock.now = Double(100 - index * 10)
            try await engine.handle(event: "signup", contact: id)
        }
        try await engine.runTimers(upTo: 10_000)
        let ends = await engine.trace.compactMap { event -> String? in
            if case .ended(let visit, _, _) = event { return visit.contact }
            return nil
        }
        #expect(ends == ["c", "b", "a"])
        #expect(try await engine.report(FlowKey(campaign: "c", version: 1)).outcomes == ["success": 3])
    }

    @Test func repeatPolicies() async throws {
        for (policy, expected) in [(RepeatPolicy.many, 2), (.once, 1), (.afterExit, 1)] {
            let engine = try await CampaignEngine(flows: [makeFlow(sendThenWaitThenEnd, repeatPolicy: policy)], clock: VirtualClock(now: 0))
            try await engine.upsertContact(subscriber("a"))
            try await engine.handle(event: "signup", contact: "a")
            try await engine.handle(event: "signup", contact: "a")
            #expect(try await engine.store.visits(of: "a").count == expected, "\(policy)")
        }
        // after_exit lets the contact in again once the first visit is over; once never does.
        for (policy, expected) in [(RepeatPolicy.afterExit, 2), (.once, 1)] {
            let clock = VirtualClock(now: 0)
            let engine = try await CampaignEngine(flows: [makeFlow(sendThenWaitThenEnd, repeatPolicy: policy)], clock: clock)
            try await engine.upsertContact(subscriber("a"))
            try await engine.handle(event: "signup", contact: "a")
            try await engine.runTimers(upTo: 7200)
            clock.now = 7200
            try await engine.handle(event: "signup", contact: "a")
            #expect(try await engine.store.visits(of: "a").count == expected, "\(policy)")
        }
    }

    @Test func drainingFinishesItsContactsAndStoppedEndsThem() async throws {
        let clock = VirtualClock(now: 0)
        let draining = makeFlow(sendThenWaitThenEnd, version: 1)
        let stopped = makeFlow(sendThenWaitThenEnd, campaign: "d")
        let engine = try await CampaignEngine(flows: [draining, stopped], clock: clock)
        try await engine.upsertContact(subscriber("a"))
        try await engine.handle(event: "signup", contact: "a")
        try await engine.setStatus(FlowKey(campaign: "c", version: 1), .draining)
        try await engine.setStatus(FlowKey(campaign: "d", version: 1), .stopped)
        try await engine.handle(event: "signup", contact: "a")
        try await engine.runTimers(upTo: 10_000)
        let visits = try await engine.store.visits(of: "a")
        #expect(visits.filter { $0.key.flow.campaign == "c" }.map(\.outcome) == [.campaign(.success)], "in flight finishes, no one new")
        #expect(visits.filter { $0.key.flow.campaign == "d" }.map(\.outcome) == [.stopped])
    }

    @Test func exitsOnEventsAndLeavingTheAudience() async throws {
        let clock = VirtualClock(now: 0)
        let onPurchase = makeFlow(sendThenWaitThenEnd, exits: [.event("purchase", filter: nil)])
        let vipOnly = makeFlow(sendThenWaitThenEnd, audience: .call(.inGroup, [.name("vip")]), leave: true, campaign: "v")
        let engine = try await CampaignEngine(flows: [onPurchase, vipOnly], clock: clock)
        var contact = subscriber("a")
        contact.groups = ["vip"]
        try await engine.upsertContact(contact)
        try await engine.handle(event: "signup", contact: "a")
        try await engine.handle(event: "purchase", contact: "a")
        #expect(try await engine.store.visits(of: "a").first { $0.key.flow.campaign == "c" }?.outcome == .exited)
        #expect(try await engine.store.visits(of: "a").first { $0.key.flow.campaign == "v" }?.isActive == true)
        contact.groups = []
        try await engine.upsertContact(contact)
        try await engine.handle(event: "page_visited", contact: "a")
        #expect(try await engine.store.visits(of: "a").first { $0.key.flow.campaign == "v" }?.outcome == .exited)
    }

    @Test func approvalHoldsUntilReleased() async throws {
        let states = [
            FlowState(id: "send", line: 1, step: .send(channel: .email, message: "m", approval: true, optimized: false, next: 1)),
            FlowState(id: "done", line: 2, step: .end(.success)),
        ]
        let channels = RecordingChannels()
        let engine = try await CampaignEngine(flows: [makeFlow(states)], channels: channels, clock: VirtualClock(now: 0))
        try await engine.upsertContact(subscriber("a"))
        try await engine.handle(event: "signup", contact: "a")
        #expect(channels.performed.isEmpty)
        #expect(try await engine.report(FlowKey(campaign: "c", version: 1)).contactsPerStep == ["send": 1])
        try await engine.approve(FlowKey(campaign: "c", version: 1), step: "send")
        #expect(channels.performed.count == 1)
        #expect(try await outcome(engine, "a") == .campaign(.success))
    }

    @Test func distributionCountersAndDedupe() async throws {
        let states = [
            FlowState(id: "dedupe", line: 1, step: .dedupe(by: "email", keep: "oldest", next: 1)),
            FlowState(id: "waves", line: 2, step: .distribute([FlowOption(amount: 1, next: 2)], otherwise: 3)),
            FlowState(id: "first", line: 3, step: .end(.success)),
            FlowState(id: "rest", line: 4, step: .end(.neutral)),
        ]
        let engine = try await CampaignEngine(flows: [makeFlow(states)], clock: VirtualClock(now: 0))
        for (id, email) in [("a", "x@example.com"), ("b", "x@example.com"), ("c", "y@example.com")] {
            try await engine.upsertContact(ContactProfile(id: id, fields: ["email": .string(email)]))
            try await engine.handle(event: "signup", contact: id)
        }
        #expect(try await outcome(engine, "a") == .campaign(.success))
        #expect(try await outcome(engine, "b") == .campaign(.neutral), "a duplicate of a")
        #expect(try await outcome(engine, "c") == .campaign(.neutral), "the distribution's one place is taken")
        #expect(try await engine.report(FlowKey(campaign: "c", version: 1)).arrivalsPerStep["waves"] == 2)
    }

    @Test func anABTestSendsTheRestToTheWinnerByClicks() async throws {
        let states = [
            FlowState(id: "test", line: 1, step: .test(variants: [FlowOption(amount: 10, next: 1), FlowOption(amount: 10, next: 2)],
                                                        winnerBy: "clicks", decideAfter: 86_400)),
            FlowState(id: "a", line: 2, step: .send(channel: .email, message: "m", approval: false, optimized: false, next: 3)),
            FlowState(id: "b", line: 3, step: .send(channel: .email, message: "m", approval: false, optimized: false, next: 3)),
            FlowState(id: "wait", line: 4, step: .wait(seconds: 3 * 86_400, next: 4)),
            FlowState(id: "done", line: 5, step: .end(.neutral)),
        ]
        let clock = VirtualClock(now: 0)
        let engine = try await CampaignEngine(flows: [makeFlow(states)], clock: clock)
        let ids = (0..<200).map { "k\($0)" }
        for id in ids {
            try await engine.upsertContact(subscriber(id))
            try await engine.handle(event: "signup", contact: id)
        }
        var inB: [String] = [], waiting: [String] = []
        for id in ids {
            let visit = try await engine.store.visits(of: id).first
            if visit?.variants[0] == 1 { inB.append(id) }
            if visit?.phase == .awaitingWinner { waiting.append(id) }
        }
        #expect(!inB.isEmpty && waiting.count > 100, "about 80% wait for the winner")
        clock.now = 3600
        try await engine.handle(event: "link_clicked", contact: inB[0], payload: ["step": .string("b"), "link": .string("x")])
        try await engine.runTimers(upTo: 86_400)
        let sentB = await engine.trace.filter { if case .action(let visit, "b", _, _) = $0 { waiting.contains(visit.contact) } else { false } }
        #expect(sentB.count == waiting.count, "everyone waiting gets variant b")
        let decided = try await engine.store.flowState(FlowKey(campaign: "c", version: 1)).tests[0]
        #expect(decided?.winner == 1)
        #expect(decided?.scores == [0, 1], "each variant's clicks when the test was decided")
    }

    @Test func splitsAreDeterministicAndFollowTheWeights() async throws {
        let states = [
            FlowState(id: "split", line: 1, step: .split([FlowOption(amount: 30, next: 1), FlowOption(amount: 70, next: 2)])),
            FlowState(id: "a", line: 2, step: .end(.success)),
            FlowState(id: "b", line: 3, step: .end(.failure)),
        ]
        let engine = try await CampaignEngine(flows: [makeFlow(states)], clock: VirtualClock(now: 0))
        for index in 0..<2000 {
            try await engine.upsertContact(subscriber("s\(index)"))
            try await engine.handle(event: "signup", contact: "s\(index)")
        }
        let outcomes = try await engine.report(FlowKey(campaign: "c", version: 1)).outcomes
        #expect((540...660).contains(outcomes["success"] ?? 0), "\(outcomes)")
        #expect(StableHash.of("campaign", "1", "split", "contact") == 10_523_310_662_093_919_185, "the hash never changes (checked against a Python FNV-1a + fmix64)")
    }
}

@Suite struct ScheduleTests {
    let paris = TimeZone(identifier: "Europe/Paris")!

    @Test func cronFiresAtItsNextLocalTime() async throws {
        let monday8 = try #require(CronSchedule("0 8 * * MON"))
        // Sunday 6 September 2026 12:00 UTC -> Monday 08:00 Paris (06:00 UTC).
        #expect(monday8.next(after: Value.parseInstant("2026-09-06T12:00:00Z", timeZone: .gmt)!, timeZone: paris) == Value.parseInstant("2026-09-07T06:00:00Z", timeZone: .gmt))
        let quarter = try #require(CronSchedule("*/15 9-10 * * *"))
        #expect(quarter.next(after: Value.parseInstant("2026-09-07T10:50:00Z", timeZone: .gmt)!, timeZone: TimeZone(identifier: "UTC")!)
                == Value.parseInstant("2026-09-08T09:00:00Z", timeZone: .gmt))
        // Day of month and day of week both restricted: either fires (the 1st, or any Friday).
        let either = try #require(CronSchedule("0 0 1 * FRI"))
        #expect(either.next(after: Value.parseInstant("2026-09-01T00:00:00Z", timeZone: .gmt)!, timeZone: TimeZone(identifier: "UTC")!)
                == Value.parseInstant("2026-09-04T00:00:00Z", timeZone: .gmt))
        #expect(CronSchedule("0 25 * * *") == nil)
        #expect(CronSchedule("0 8 * *") == nil)
    }

    @Test func aDailyScheduleKeepsItsLocalTimeAcrossDaylightSaving() async throws {
        let daily = try #require(CronSchedule("0 6 * * *"))
        #expect(daily.next(after: Value.parseInstant("2026-03-28T06:00:00Z", timeZone: .gmt)!, timeZone: paris) == Value.parseInstant("2026-03-29T04:00:00Z", timeZone: .gmt))
        #expect(daily.next(after: Value.parseInstant("2026-03-27T06:00:00Z", timeZone: .gmt)!, timeZone: paris) == Value.parseInstant("2026-03-28T05:00:00Z", timeZone: .gmt))
    }

    @Test func advanceFiresSchedulesAndDatesInTimeOrderWithTimers() async throws {
        let start = Value.parseInstant("2026-09-07T00:00:00Z", timeZone: .gmt)!  // a Monday
        let clock = VirtualClock(now: start)
        let weekly = makeFlow(sendThenWaitThenEnd, trigger: .schedule("0 8 * * MON"), repeatPolicy: .afterExit, campaign: "weekly")
        let dated = makeFlow(sendThenWaitThenEnd, trigger: .dates([start + 3600, start + 86_400]), campaign: "dated")
        let engine = try await CampaignEngine(flows: [weekly, dated], clock: clock)
        try await engine.upsertContact(subscriber("a"))
        try await engine.advance(to: start + 15 * 86_400)
        let entries = await engine.trace.compactMap { event -> String? in
            if case .entered(let visit, let at) = event { return "\(visit.flow.campaign)@\(Int(at - start) / 3600)h" }
            return nil
        }
        #expect(entries == ["dated@1h", "weekly@8h", "dated@24h", "weekly@176h", "weekly@344h"])
        #expect(try await engine.store.visits(of: "a").allSatisfy { $0.outcome == .campaign(.success) || $0.isActive })
    }
}
