import Foundation
import Testing
import CampaignFlows
@testable import CampaignRuntime

/// Events of the inbox and timers due together run as one unit (``CampaignEngine/processInbox(limit:)``,
/// ``CampaignEngine/advance(to:timers:)``): what contacts go through must be what they go through when each
/// event and timer is its own unit.
@Suite struct BatchedUnitTests {
    /// Two waits whose wake-ups interleave across contacts entering 100 s apart (a 30-minute wait, then a
    /// 10-minute one and a 5-minute one for some): a batch of claimed timers meets timers it adds itself that
    /// are due before the rest of the batch. A `purchase` ends the visit.
    static let interleavedWaits = [
        FlowState(id: "first_wait", line: 1, step: .wait(seconds: 1_800, next: 1)),
        FlowState(id: "send", line: 2, step: .send(channel: .email, message: "m", approval: false, optimized: false, next: 2)),
        FlowState(id: "second_wait", line: 3, step: .wait(seconds: 600, next: 3)),
        FlowState(id: "scored", line: 4, step: .condition(.compare(.greater, .field("score"), .literal(.int(5))), then: 4, else: 5)),
        FlowState(id: "third_wait", line: 5, step: .wait(seconds: 300, next: 5)),
        FlowState(id: "done", line: 6, step: .end(.success)),
    ]
    static let contacts = 30

    /// A second campaign on the same trigger, whose one wait ends between the first campaign's second and
    /// third: a contact's lines interleave across the two, so running a claimed timer before one added
    /// earlier shows in their journey.
    static let oneLongWait = [
        FlowState(id: "long_wait", line: 1, step: .wait(seconds: 2_500, next: 1)),
        FlowState(id: "over", line: 2, step: .end(.success)),
    ]

    static func flows() -> [FlowInterpreter] {
        [makeFlow(interleavedWaits, exits: [.event("purchase", filter: nil)]), makeFlow(oneLongWait, campaign: "d")]
    }

    static func profile(_ index: Int) -> ContactProfile {
        ContactProfile(id: "c\(index)", fields: ["email": .string("c\(index)@example.com"), "score": .int(index % 10)])
    }

    /// Contacts sign up five at a time, 100 s apart; every seventh buys 20 minutes later; every event has an id.
    static func events() -> [(at: Double, event: InboxEvent)] {
        var events: [(at: Double, event: InboxEvent)] = []
        for index in 0..<contacts {
            let at = Double(100 * (index / 5))
            events.append((at, InboxEvent(id: "signup-\(index)", contact: "c\(index)", event: "signup", payload: [:], at: at)))
            if index % 7 == 0 {
                events.append((at + 1_200, InboxEvent(id: "purchase-\(index)", contact: "c\(index)", event: "purchase", payload: [:], at: at + 1_200)))
            }
        }
        return events.sorted { $0.at < $1.at }
    }

    /// What each contact went through: their journey and their visits.
    static func journeys(_ store: any CampaignStore) async throws -> [String: [String]] {
        var journeys: [String: [String]] = [:]
        for index in 0..<contacts {
            let id = "c\(index)"
            let lines = try await store.journal(of: id).map { "\($0.at) \($0.kind) \($0.step ?? "-") \($0.detail)" }
            let visits = try await store.visits(of: id).map { "\($0.key) \($0.state) \($0.outcome?.rawValue ?? "active")" }
            journeys[id] = lines + visits
        }
        return journeys
    }

    /// One unit per event and per timer, in memory: the reference.
    static func aloneJourneys() async throws -> (journeys: [String: [String]], actions: Set<String>) {
        let clock = VirtualClock(now: 0)
        let channels = RecordingChannels()
        let store = InMemoryStore()
        let engine = try await CampaignEngine(flows: flows(), store: store, channels: channels, clock: clock, keepsJournal: true)
        for index in 0..<contacts { try await engine.upsertContact(profile(index)) }
        for (at, event) in events() {
            while try await engine.advanceOnce(to: at) {}
            clock.now = at
            try await engine.handle(event: event.event, contact: event.contact, payload: event.payload, input: event.id)
        }
        while try await engine.advanceOnce(to: 86_400) {}
        return (try await journeys(store), Set(channels.performed.map(\.key.description)))
    }

    @Test(arguments: StoreFactory.all)
    func eventsAndTimersRunTogetherGoWhereTheyGoAlone(_ factory: StoreFactory) async throws {
        let reference = try await Self.aloneJourneys()
        let store = try await factory.make()
        let clock = VirtualClock(now: 0)
        let channels = RecordingChannels()
        let engine = try await CampaignEngine(flows: Self.flows(), store: store, channels: channels, clock: clock, keepsJournal: true)
        for index in 0..<Self.contacts { try await engine.upsertContact(Self.profile(index)) }
        // The events of each instant accepted together, then processed in batches of 4 at that instant.
        for instant in Dictionary(grouping: Self.events(), by: \.at).sorted(by: { $0.key < $1.key }) {
            try await engine.advance(to: instant.key)
            clock.now = instant.key
            var unit = EffectUnit()
            unit.inboxAdded = instant.value.map(\.event)
            try await store.commit(unit)
            while try await engine.processInbox(limit: 4) > 0 {}
        }
        // 90 timers (three waits for some): far fewer units when they run together.
        var units = 0
        while try await engine.advance(to: 86_400, timers: CampaignEngine.timersPerUnit) > 0 { units += 1 }
        #expect(units < 10)
        #expect(try await store.inboxDepth() == 0)
        let journeys = try await Self.journeys(store)
        for index in 0..<Self.contacts {
            #expect(journeys["c\(index)"] == reference.journeys["c\(index)"], "c\(index)")
        }
        #expect(Set(channels.performed.map(\.key.description)) == reference.actions)
        #expect(channels.performed.count == reference.actions.count, "each action once")
        #expect(reference.journeys.values.contains { $0.contains { $0.contains(" step third_wait ") } }, "some go through the third wait")
    }

    @Test func aBatchRefusedForAnEventProcessedElsewhereIsProcessedAgainEventByEvent() async throws {
        let base = InMemoryStore()
        // Another process records the second event of the batch as processed just before the batch commits.
        let store = FailingStore(base) { unit, base in
            guard unit.inputs.count > 1 else { return }
            var elsewhere = EffectUnit()
            elsewhere.inputs = [unit.inputs[1]]
            try base.commit(elsewhere)
        }
        let channels = RecordingChannels()
        let engine = try await CampaignEngine(flows: [makeFlow(ConsentTests.emailThenWait)], store: store, channels: channels,
                                              clock: VirtualClock(now: 0))
        for index in 0..<5 { try await engine.upsertContact(subscriber("c\(index)")) }
        var accepted = EffectUnit()
        accepted.inboxAdded = (0..<5).map { InboxEvent(id: "e\($0)", contact: "c\($0)", event: "signup", payload: [:], at: 0) }
        try base.commit(accepted)

        #expect(try await engine.processInbox(limit: 10) == 5)
        #expect(base.inboxDepth() == 0)
        #expect((0..<5).map { base.visits(of: "c\($0)").count } == [1, 0, 1, 1, 1], "each event once, the one processed elsewhere not here")
        #expect(channels.performed.map(\.key.visit.contact).sorted() == ["c0", "c2", "c3", "c4"])
        let entered = await engine.trace.compactMap { if case .entered(let key, _) = $0 { key.contact } else { nil } }
        #expect(entered == ["c0", "c2", "c3", "c4"], "the refused batch left nothing in the trace")
    }
}
