import Foundation
import Testing
import CampaignFlows
@testable import CampaignRuntime

/// `holdout` and `goal` (v1.2) on every store: held-out contacts are the hashed share, the same in every
/// version, recorded and sent nothing; a visit converts once when its goal's event (and `where`) arrives or its
/// condition comes to hold on a profile change, within `within` after entry, held-out visits too; `exit: true`
/// ends a converted visit with `success`; reports count entries and conversions, treated and held out.
extension StoreConformanceTests {
    static let purchase = FlowGoal(awaited: .event("purchase", filter: nil), within: 1_000, exit: false)

    /// Sends `m` at entry, waits an hour, then ends `neutral`; with `holdout` and `goal`.
    static func goalFlow(holdout: Double? = nil, goal: FlowGoal?, version: Int = 1) -> FlowInterpreter {
        var definition = makeFlow([
            FlowState(id: "send", line: 1, step: .send(channel: .email, message: "m", approval: false, optimized: false, next: 1)),
            FlowState(id: "wait", line: 2, step: .wait(seconds: 3_600, next: 2)),
            FlowState(id: "done", line: 3, step: .end(.neutral)),
        ], version: version).definition
        definition.holdout = holdout
        definition.goal = goal
        return FlowInterpreter(definition)
    }

    /// An engine on a fresh store of `factory` running `flow`, with subscribers `ids` entered at 0.
    static func entered(_ factory: StoreFactory, _ flow: FlowInterpreter, ids: [String] = ["a"],
                        heldOut: Bool? = nil) async throws -> (CampaignEngine, VirtualClock, RecordingChannels) {
        let clock = VirtualClock(now: 0)
        let channels = RecordingChannels()
        let engine = try await CampaignEngine(flows: [flow], store: try await factory.make(), channels: channels, clock: clock)
        for id in ids {
            var contact = subscriber(id)
            contact.fields["score"] = .int(10)
            try await engine.upsertContact(contact)
            if let heldOut { await engine.forceHoldout(contact: id, heldOut) }
            try await engine.handle(event: "signup", contact: id)
        }
        return (engine, clock, channels)
    }

    static func conversions(_ engine: CampaignEngine, version: Int = 1) async throws -> ConversionCounts {
        try await engine.report(FlowKey(campaign: "c", version: version)).conversions
    }

    static func convertedAt(_ engine: CampaignEngine, _ contact: String) async throws -> Double? {
        try await engine.store.visits(of: contact).last?.convertedAt
    }

    @Test(arguments: StoreFactory.all)
    func theHoldoutIsTheHashedShareInEveryVersionAndIsSentNothing(_ factory: StoreFactory) async throws {
        let ids = (0..<200).map { "contact-\($0)" }
        // The contract's formula, written out: the campaign, "holdout" and the contact, without version or step.
        let hashed = Set(ids.filter { Double(StableHash.of("c", "holdout", $0) % 10_000) / 100 < 20 })
        #expect((20...60).contains(hashed.count), "about a fifth of 200: \(hashed.count)")
        for version in [1, 2] {
            let (engine, _, channels) = try await Self.entered(factory, Self.goalFlow(holdout: 20, goal: nil, version: version), ids: ids)
            var heldOut: Set<String> = []
            for id in ids where try await outcome(engine, id) == .holdout { heldOut.insert(id) }
            #expect(heldOut == hashed, "version \(version) holds out exactly the hashed contacts")
            #expect(Set(channels.performed.map(\.key.visit.contact)) == Set(ids).subtracting(hashed), "only the treated are sent")
            let counts = try await Self.conversions(engine, version: version)
            #expect(counts.heldOut == hashed.count && counts.treated == ids.count - hashed.count)
            #expect(try await engine.report(FlowKey(campaign: "c", version: version)).outcomes["holdout"] == hashed.count)
        }
    }

    @Test(arguments: StoreFactory.all)
    func aGoalEventConvertsTheVisitOnce(_ factory: StoreFactory) async throws {
        let (engine, clock, _) = try await Self.entered(factory, Self.goalFlow(goal: Self.purchase), heldOut: false)
        clock.now = 100
        try await engine.handle(event: "purchase", contact: "a", payload: ["total": .int(20)])
        clock.now = 200
        try await engine.handle(event: "purchase", contact: "a", payload: ["total": .int(30)])
        #expect(try await Self.convertedAt(engine, "a") == 100, "at the first purchase")
        #expect(try await outcome(engine, "a") == nil, "without exit: true the visit goes on")
        let counts = try await Self.conversions(engine)
        #expect(counts.treated == 1 && counts.treatedConverted == 1, "counted once: \(counts)")
        try await engine.advance(to: 5_000)
        #expect(try await outcome(engine, "a") == .campaign(.neutral))
    }

    @Test(arguments: StoreFactory.all)
    func aGoalEventConvertsOnlyWhenItsWhereHolds(_ factory: StoreFactory) async throws {
        let goal = FlowGoal(awaited: .event("purchase", filter: Self.bigPurchase), within: 1_000, exit: false)
        let (engine, clock, _) = try await Self.entered(factory, Self.goalFlow(goal: goal))
        clock.now = 100
        try await engine.handle(event: "purchase", contact: "a", payload: ["total": .int(50)])
        #expect(try await Self.convertedAt(engine, "a") == nil, "a small purchase is not the goal")
        clock.now = 300
        try await engine.handle(event: "purchase", contact: "a", payload: ["total": .int(150)])
        #expect(try await Self.convertedAt(engine, "a") == 300)
    }

    @Test(arguments: StoreFactory.all)
    func aGoalConditionConvertsOnAProfileChange(_ factory: StoreFactory) async throws {
        let goal = FlowGoal(awaited: .condition(Self.scoreReached), within: 1_000, exit: false)
        let (engine, clock, _) = try await Self.entered(factory, Self.goalFlow(goal: goal))
        clock.now = 100
        try await engine.updateContact("a", fields: ["score": .int(30)])
        #expect(try await Self.convertedAt(engine, "a") == nil)
        clock.now = 400
        try await engine.updateContact("a", fields: ["score": .int(45)])
        #expect(try await Self.convertedAt(engine, "a") == 400)
        #expect(try await Self.conversions(engine).treatedConverted == 1)
    }

    @Test(arguments: StoreFactory.all)
    func aGoalReachedAfterWithinDoesNotConvert(_ factory: StoreFactory) async throws {
        let (engine, clock, _) = try await Self.entered(factory, Self.goalFlow(goal: Self.purchase), ids: ["a", "b"], heldOut: false)
        clock.now = 1_000
        try await engine.handle(event: "purchase", contact: "a")
        clock.now = 1_001
        try await engine.handle(event: "purchase", contact: "b")
        #expect(try await Self.convertedAt(engine, "a") == 1_000, "within includes its bound")
        #expect(try await Self.convertedAt(engine, "b") == nil, "one second late")
        #expect(try await Self.conversions(engine).treatedConverted == 1)
    }

    @Test(arguments: StoreFactory.all)
    func aGoalWithExitEndsTheVisitWithSuccess(_ factory: StoreFactory) async throws {
        let goal = FlowGoal(awaited: .event("purchase", filter: nil), within: 1_000, exit: true)
        let (engine, clock, _) = try await Self.entered(factory, Self.goalFlow(goal: goal), heldOut: false)
        clock.now = 100
        try await engine.handle(event: "purchase", contact: "a")
        #expect(try await outcome(engine, "a") == .campaign(.success))
        let visit = try #require(try await engine.store.visits(of: "a").first)
        #expect(await engine.trace.contains(.ended(visit.key, outcome: .campaign(.success), at: 100)))
        try await engine.advance(to: 5_000)
        #expect(try await outcome(engine, "a") == .campaign(.success), "the wait's timer does nothing afterwards")
    }

    /// A treated visit that reached its end before the window closed still converts in it, as a held-out one
    /// does: both groups are watched for the same window, so the lift compares like with like.
    @Test(arguments: StoreFactory.all)
    func aTreatedVisitThatEndedConvertsWithinTheWindowAsAHeldOutOneDoes(_ factory: StoreFactory) async throws {
        let goal = FlowGoal(awaited: .event("purchase", filter: nil), within: 10_000, exit: true)
        let (engine, clock, _) = try await Self.entered(factory, Self.goalFlow(goal: goal), ids: ["a"], heldOut: false)
        clock.now = 3_600
        try await engine.advance(to: 3_600)
        #expect(try await outcome(engine, "a") == .campaign(.neutral), "ended at its end step")
        clock.now = 5_000
        try await engine.handle(event: "purchase", contact: "a")
        #expect(try await Self.convertedAt(engine, "a") == 5_000)
        #expect(try await outcome(engine, "a") == .campaign(.neutral), "exit: true ends active visits only")
        let counts = try await Self.conversions(engine)
        #expect(counts.treated == 1 && counts.treatedConverted == 1, "\(counts)")
    }

    @Test(arguments: StoreFactory.all)
    func aHeldOutVisitConvertsWithoutAnySend(_ factory: StoreFactory) async throws {
        let goal = FlowGoal(awaited: .event("purchase", filter: nil), within: 1_000, exit: true)
        let (engine, clock, channels) = try await Self.entered(factory, Self.goalFlow(holdout: 10, goal: goal), ids: ["a", "b"],
                                                               heldOut: true)
        #expect(try await outcome(engine, "a") == .holdout)
        clock.now = 100
        try await engine.handle(event: "purchase", contact: "a")
        clock.now = 2_000
        try await engine.handle(event: "purchase", contact: "b")
        #expect(channels.performed.isEmpty, "nothing is sent to the holdout")
        #expect(try await Self.convertedAt(engine, "a") == 100)
        #expect(try await outcome(engine, "a") == .holdout, "a held-out visit keeps its outcome")
        #expect(try await Self.convertedAt(engine, "b") == nil, "after within")
        let counts = try await Self.conversions(engine)
        #expect(counts.heldOut == 2 && counts.heldOutConverted == 1 && counts.treated == 0, "\(counts)")
    }

    @Test func visitsAndFlowStatesStoredBeforeV12StillRead() throws {
        var visit = Visit(key: VisitKey(contact: "a", flow: FlowKey(campaign: "c", version: 1), number: 1), state: 0,
                          phase: .ended(.campaign(.neutral)), enteredAt: 0, triggerPayload: [:])
        let unconverted = String(decoding: try JSONEncoder().encode(visit), as: UTF8.self)
        #expect(!unconverted.contains("convertedAt"), "an unconverted visit is stored as before v1.2")
        visit.convertedAt = 5
        let converted = try JSONDecoder().decode(Visit.self, from: try JSONEncoder().encode(visit))
        #expect(converted.convertedAt == 5)
        #expect(try JSONDecoder().decode(Visit.self, from: Data(unconverted.utf8)).convertedAt == nil)
        let state = String(decoding: try JSONEncoder().encode(FlowRuntimeState()), as: UTF8.self)
        #expect(!state.contains("conversions"))
        #expect(try JSONDecoder().decode(FlowRuntimeState.self, from: Data(state.utf8)).conversions == nil)
        let definition = String(decoding: try JSONEncoder().encode(Self.goalFlow(goal: nil).definition), as: UTF8.self)
        #expect(!definition.contains("holdout") && !definition.contains("goal"), "so its fingerprint is the one stored before v1.2")
    }
}

