import Foundation
import Testing
import CampaignFlows
@testable import CampaignRuntime

/// `wait_for` (v1.2) on every store: a visit waits until its condition holds or its event arrives, re-checked
/// on every event and profile change about the contact in the same unit, or goes to `timeout` when `within`
/// passes first; whichever happens first wins, once, and the waiting state survives a new engine.
extension StoreConformanceTests {
    static let scoreReached = FlowExpression.compare(.greaterOrEqual, .field("score"), .literal(.int(40)))
    static let bigPurchase = FlowExpression.compare(.greater, .eventField("total"), .literal(.int(100)))
    static let engagedToday = FlowExpression.call(.engagedWithin, [.value(.literal(.duration(86_400)))])

    /// `gate` waits for `awaited` for 1,000 seconds: on to `reached` (success), or to `timed_out` (neutral).
    static func waitingFlow(_ awaited: FlowAwaited, trigger: String = "signup") -> FlowInterpreter {
        makeFlow([
            FlowState(id: "gate", line: 1, step: .waitFor(awaited, within: 1_000, next: 1, timeout: 2)),
            FlowState(id: "reached", line: 2, step: .end(.success)),
            FlowState(id: "timed_out", line: 3, step: .end(.neutral)),
        ], trigger: .event(trigger, filter: nil))
    }

    /// An engine on a fresh store of `factory`, with contact `a` (score `score`) entered at 0.
    static func waiting(_ factory: StoreFactory, for awaited: FlowAwaited, score: Int = 10, trigger: String = "signup",
                        payload: [String: Value] = [:]) async throws -> (CampaignEngine, VirtualClock, any CampaignStore) {
        let store = try await factory.make()
        let clock = VirtualClock(now: 0)
        let engine = try await CampaignEngine(flows: [waitingFlow(awaited, trigger: trigger)], store: store, clock: clock)
        var contact = subscriber("a")
        contact.fields["score"] = .int(score)
        try await engine.upsertContact(contact)
        try await engine.handle(event: trigger, contact: "a", payload: payload)
        return (engine, clock, store)
    }

    /// The states contact `a`'s visits arrived at, in order.
    static func arrivals(_ engine: CampaignEngine) async -> [String] {
        await engine.trace.compactMap { event in
            if case .arrived(let key, let state, _) = event, key.contact == "a" { return state }
            return nil
        }
    }

    @Test(arguments: StoreFactory.all)
    func aWaitForWhoseConditionHoldsAlreadyGoesOnAtOnce(_ factory: StoreFactory) async throws {
        let (engine, _, store) = try await Self.waiting(factory, for: .condition(Self.scoreReached), score: 45)
        #expect(try await outcome(engine, "a") == .campaign(.success))
        #expect(try await store.nextTimerDue() == nil, "no timer for a step passed at once")
    }

    @Test(arguments: StoreFactory.all)
    func aWaitForGoesOnWhenAProfileChangeMakesItsConditionHold(_ factory: StoreFactory) async throws {
        let (engine, clock, store) = try await Self.waiting(factory, for: .condition(Self.scoreReached))
        let waiting = try #require(try await store.visits(of: "a").first)
        #expect(waiting.phase == .waitingFor(until: 1_000, next: 1, timeout: 2), "the waiting state is stored")
        clock.now = 100
        try await engine.updateContact("a", fields: ["score": .int(30)])
        #expect(try await outcome(engine, "a") == nil, "still below the threshold")
        clock.now = 200
        try await engine.updateContact("a", fields: ["score": .int(45)])
        #expect(try await outcome(engine, "a") == .campaign(.success))
        #expect(await engine.trace.contains(.ended(waiting.key, outcome: .campaign(.success), at: 200)), "at the change, not later")
        try await engine.advance(to: 5_000)
        #expect(await Self.arrivals(engine) == ["gate", "reached"], "the timer that fires after the visit moved on does nothing")
        #expect(try await store.visits(of: "a").count == 1)
    }

    @Test(arguments: StoreFactory.all)
    func aWaitForGoesOnWhenAReplacedProfileMakesItsConditionHold(_ factory: StoreFactory) async throws {
        let (engine, clock, _) = try await Self.waiting(factory, for: .condition(Self.scoreReached))
        clock.now = 100
        var contact = subscriber("a")
        contact.fields["score"] = .int(50)
        try await engine.upsertContact(contact)
        #expect(try await outcome(engine, "a") == .campaign(.success))
    }

    @Test(arguments: StoreFactory.all)
    func aWaitForGoesOnWhenAStepOfAnotherCampaignChangesTheProfile(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        let clock = VirtualClock(now: 0)
        let scoring = makeFlow([
            FlowState(id: "score", line: 1, step: .update([FieldAssignment(field: "score", value: .int(50))], next: 1)),
            FlowState(id: "scored", line: 2, step: .end(.success)),
        ], trigger: .event("purchase", filter: nil), campaign: "scoring")
        let engine = try await CampaignEngine(flows: [Self.waitingFlow(.condition(Self.scoreReached)), scoring], store: store, clock: clock)
        var contact = subscriber("a")
        contact.fields["score"] = .int(10)
        try await engine.upsertContact(contact)
        try await engine.handle(event: "signup", contact: "a")
        clock.now = 100
        try await engine.handle(event: "purchase", contact: "a")
        let outcomes = try await store.visits(of: "a").map { "\($0.key.flow.campaign) \($0.outcome?.rawValue ?? "active")" }
        #expect(outcomes == ["c success", "scoring success"], "woken in the unit of the other campaign's update")
    }

    /// A firing's unit wakes another campaign's visit that goes on to a dedupe step: that arrival is not the
    /// firing's to settle, so it goes through its step at once, as a contact arriving alone does.
    @Test(arguments: StoreFactory.all)
    func aDedupeReachedInAnotherCampaignDuringAFiringIsSettledAtOnce(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        let clock = VirtualClock(now: 0)
        let gated = makeFlow([
            FlowState(id: "gate", line: 1, step: .waitFor(.condition(Self.scoreReached), within: 1_000, next: 1, timeout: 3)),
            FlowState(id: "dedupe", line: 2, step: .dedupe(by: "email", keep: "oldest", next: 2)),
            FlowState(id: "reached", line: 3, step: .end(.success)),
            FlowState(id: "timed_out", line: 4, step: .end(.neutral)),
        ], trigger: .event("signup", filter: nil))
        let scoring = makeFlow([
            FlowState(id: "score", line: 1, step: .update([FieldAssignment(field: "score", value: .int(50))], next: 1)),
            FlowState(id: "scored", line: 2, step: .end(.success)),
        ], trigger: .manual, campaign: "scoring")
        let engine = try await CampaignEngine(flows: [gated, scoring], store: store, clock: clock)
        var contact = subscriber("a")
        contact.fields["score"] = .int(10)
        try await engine.upsertContact(contact)
        try await engine.handle(event: "signup", contact: "a")
        clock.now = 100
        try await engine.fire(FlowKey(campaign: "scoring", version: 1))
        let outcomes = try await store.visits(of: "a").map { "\($0.key.flow.campaign) \($0.outcome?.rawValue ?? "\($0.phase)")" }
        #expect(outcomes == ["c success", "scoring success"])
    }

    @Test(arguments: StoreFactory.all)
    func aVisitWhoseWaitForHoldsLeavesWhenAnExitHoldsToo(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        let clock = VirtualClock(now: 0)
        var flow = Self.waitingFlow(.condition(Self.scoreReached)).definition
        flow.exits = [.condition(.compare(.greaterOrEqual, .field("score"), .literal(.int(90))))]
        let engine = try await CampaignEngine(flows: [FlowInterpreter(flow)], store: store, clock: clock)
        var contact = subscriber("a")
        contact.fields["score"] = .int(10)
        try await engine.upsertContact(contact)
        try await engine.handle(event: "signup", contact: "a")
        clock.now = 100
        contact.fields["score"] = .int(95)
        try await engine.upsertContact(contact)
        #expect(try await outcome(engine, "a") == .exited)
        #expect(await Self.arrivals(engine) == ["gate"], "the exit is checked before the visit goes on")
    }

    @Test(arguments: StoreFactory.all)
    func aWaitForIsCheckedAgainOnEveryEventAboutTheContact(_ factory: StoreFactory) async throws {
        let (engine, clock, _) = try await Self.waiting(factory, for: .condition(Self.engagedToday))
        clock.now = 100
        try await engine.handle(event: "purchase", contact: "a", payload: ["total": .int(10)])
        #expect(try await outcome(engine, "a") == nil)
        clock.now = 300
        try await engine.handle(event: BuiltInEvent.pageVisited.rawValue, contact: "a", payload: ["url": .string("https://shop.example/")])
        #expect(try await outcome(engine, "a") == .campaign(.success), "the visit made engaged_within(1d) hold")
    }

    @Test(arguments: StoreFactory.all)
    func aWaitForAnEventGoesOnOnlyWhenItsWhereHolds(_ factory: StoreFactory) async throws {
        let (engine, clock, _) = try await Self.waiting(factory, for: .event("purchase", filter: Self.bigPurchase))
        clock.now = 100
        try await engine.handle(event: "signup", contact: "a")
        try await engine.handle(event: "purchase", contact: "a", payload: ["total": .int(50)])
        #expect(try await outcome(engine, "a") == nil, "another event, then a purchase whose where does not hold")
        clock.now = 200
        try await engine.handle(event: "purchase", contact: "a", payload: ["total": .int(150)])
        let visits = try await engine.store.visits(of: "a")
        #expect(visits.first?.outcome == .campaign(.success))
        try await engine.advance(to: 5_000)
        #expect(try await engine.store.visits(of: "a").first?.outcome == .campaign(.success), "the timer does nothing after")
    }

    @Test(arguments: StoreFactory.all)
    func theEventThatEntersTheContactIsNotTheOneAWaitForAwaits(_ factory: StoreFactory) async throws {
        let (engine, clock, _) = try await Self.waiting(factory, for: .event("purchase", filter: nil), trigger: "purchase",
                                                        payload: ["total": .int(150)])
        #expect(try await outcome(engine, "a") == nil, "only events after the visit reached the step count")
        clock.now = 10
        try await engine.handle(event: "purchase", contact: "a", payload: ["total": .int(5)])
        #expect(try await engine.store.visits(of: "a").map(\.outcome) == [.campaign(.success), nil],
                "the next purchase moves the first visit on, and enters a second (repeat: many)")
    }

    @Test(arguments: StoreFactory.all)
    func aWaitForTimesOutWhenWithinPassesAndLaterEventsDoNothing(_ factory: StoreFactory) async throws {
        let (engine, clock, store) = try await Self.waiting(factory, for: .condition(Self.scoreReached))
        try await engine.advance(to: 999)
        #expect(try await outcome(engine, "a") == nil)
        try await engine.advance(to: 1_000)
        clock.now = 1_000
        #expect(try await outcome(engine, "a") == .campaign(.neutral))
        clock.now = 1_500
        try await engine.updateContact("a", fields: ["score": .int(90)])
        try await engine.handle(event: "purchase", contact: "a", payload: ["total": .int(150)])
        #expect(await Self.arrivals(engine) == ["gate", "timed_out"])
        #expect(try await store.visits(of: "a").map(\.outcome) == [.campaign(.neutral)])
    }

    @Test(arguments: StoreFactory.all)
    func anAwaitedEventAfterTheTimeoutDoesNothing(_ factory: StoreFactory) async throws {
        let (engine, clock, _) = try await Self.waiting(factory, for: .event("purchase", filter: Self.bigPurchase))
        try await engine.advance(to: 1_000)
        clock.now = 1_200
        try await engine.handle(event: "purchase", contact: "a", payload: ["total": .int(500)])
        #expect(await Self.arrivals(engine) == ["gate", "timed_out"])
        #expect(try await outcome(engine, "a") == .campaign(.neutral))
    }

    @Test(arguments: StoreFactory.all)
    func aWaitingVisitIsWokenByAnEngineStartedAgainOnTheStore(_ factory: StoreFactory) async throws {
        let (_, _, store) = try await Self.waiting(factory, for: .condition(Self.scoreReached))
        let clock = VirtualClock(now: 100)
        let restarted = try await CampaignEngine(flows: [Self.waitingFlow(.condition(Self.scoreReached))], store: store, clock: clock)
        try await restarted.updateContact("a", fields: ["score": .int(60)])
        #expect(try await outcome(restarted, "a") == .campaign(.success))
    }

    @Test func aWaitingForVisitIsStoredAsJSONBesideTheFormsStoredBefore() throws {
        var visit = Self.visit("a", 1)
        visit.phase = .waitingFor(until: 1_000, next: 1, timeout: 2)
        let text = try StoredJSONTests.encoderText(visit)
        #expect(text.contains(#""phase":{"waitingFor":{"next":1,"timeout":2,"until":1000}}"#), "\(text)")
        #expect(try JSONDecoder().decode(Visit.self, from: Data(text.utf8)) == visit)
        // A visit in a `wait`, as every store wrote it before v1.2.
        let before = #"{"actionCounts":{},"enteredAt":0,"key":{"contact":"a","flow":{"campaign":"c","version":1},"number":1},"#
            + #""phase":{"waiting":{"next":1,"until":10}},"sends":{"entries":[]},"state":0,"triggerPayload":{"total":{"decimal":{"_0":12.5}}},"#
            + #""variants":{}}"#
        #expect(try JSONDecoder().decode(Visit.self, from: Data(before.utf8)) == Self.visit("a", 1), "a wait stored before v1.2")
        #expect(try StoredJSONTests.encoderText(Self.visit("a", 1)) == before, "and written as before")
    }

    /// Two leads wait at a `wait_for` in a first process; after a restart on the same database (`open` gives a
    /// new store on it, `close` closes one) one reaches the score and moves on, the other times out, once each.
    static func waitAcrossARestart<Store: CampaignStore>(open: () async throws -> Store,
                                                         close: (Store) async throws -> Void) async throws {
        let flow = waitingFlow(.condition(scoreReached))
        let clock = VirtualClock(now: 0)
        let firstStore = try await open()
        let first = try await CampaignEngine(flows: [flow], store: firstStore, clock: clock)
        for id in ["a", "b"] {
            var contact = subscriber(id)
            contact.fields["score"] = .int(10)
            try await first.upsertContact(contact)
            try await first.handle(event: "signup", contact: id)
        }
        try await close(firstStore)

        let store = try await open()
        let second = try await CampaignEngine(flows: [flow], store: store, clock: clock)
        clock.now = 500
        try await second.updateContact("a", fields: ["score": .int(41)])
        try await second.advance(to: 5_000)
        #expect(try await store.visits(of: "a").map(\.outcome) == [.campaign(.success)])
        #expect(try await store.visits(of: "b").map(\.outcome) == [.campaign(.neutral)])
        #expect(await second.trace.filter { if case .arrived = $0 { true } else { false } }.count == 2,
                "after the restart: a reached, b timed out, nothing else")
        #expect(try await store.nextTimerDue() == nil)
        try await close(store)
    }
}
