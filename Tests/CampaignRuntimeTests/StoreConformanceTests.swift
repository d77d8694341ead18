import Foundation
import Testing
@testable import CampaignRuntime
import CampaignStoreSQLite
import CampaignStorePostgres

/// A store under test, made fresh for each test.
struct StoreFactory: CustomStringConvertible, Sendable {
    var description: String
    var make: @Sendable () async throws -> any CampaignStore

    /// Every store the conformance suite runs against.
    static var all: [StoreFactory] {
        [
            StoreFactory(description: "in memory") { InMemoryStore() },
            // A new file under the temporary directory per test, removed when the test lets the store go.
            StoreFactory(description: "SQLite") { try SQLiteStore.temporary() },
        ] + postgres
    }

    /// PostgreSQL, when a server's URL is in `CAMPAIGNC_POSTGRES_URL`: each test gets a new schema, dropped when
    /// its store goes away.
    static var postgres: [StoreFactory] {
        guard let url = ProcessInfo.processInfo.environment["CAMPAIGNC_POSTGRES_URL"], !url.isEmpty else { return [] }
        return [StoreFactory(description: "PostgreSQL") { try await PostgresStore.temporary(url: url) }]
    }
}

/// What every ``CampaignStore`` must do, run against each store in ``StoreFactory/all``.
@Suite struct StoreConformanceTests {
    static let flow = FlowKey(campaign: "c", version: 1)

    static func visit(_ contact: String, _ number: Int, state: Int = 0) -> Visit {
        Visit(key: VisitKey(contact: contact, flow: flow, number: number), state: state, phase: .waiting(until: 10, next: 1),
              enteredAt: 0, triggerPayload: ["total": .decimal(12.5)])
    }

    static func timer(_ due: Double, _ sequence: UInt64) -> PendingTimer {
        PendingTimer(due: due, sequence: sequence, kind: .wake(VisitKey(contact: "a", flow: flow, number: Int(sequence)), state: 0))
    }

    static func action(_ contact: String, _ step: String, at: Double = 0) -> ActionRequest {
        ActionRequest(key: IdempotencyKey(visit: VisitKey(contact: contact, flow: flow, number: 1), step: step),
                      action: .send(channel: "email", message: "m"), at: at)
    }

    @Test(arguments: StoreFactory.all)
    func aCommitIsReadBackWhole(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        var contact = ContactProfile(id: "a", fields: ["email": .string("a@example.com"), "score": .int(3)], groups: ["vip"])
        contact.consent.unsubscribed = ["sms"]
        contact.history.recordOpen(at: 5)
        var state = FlowRuntimeState()
        state.arrivals[2] = 7
        state.outcomes["success"] = 1
        state.fingerprint = 42
        var unit = EffectUnit()
        unit.contacts["a"] = contact
        unit.visits[Self.visit("a", 2).key] = Self.visit("a", 2)
        unit.visits[Self.visit("a", 1).key] = Self.visit("a", 1)
        unit.flows[Self.flow] = state
        try await store.commit(unit)
        #expect(try await store.contact("a") == contact)
        #expect(try await store.contact("b") == nil)
        #expect(try await store.visits(of: "a").map(\.key.number) == [1, 2], "in key order")
        #expect(try await store.visits(of: "a").first == Self.visit("a", 1))
        #expect(try await store.flowState(Self.flow) == state)
        #expect(try await store.flowState(FlowKey(campaign: "other", version: 1)) == FlowRuntimeState())

        var ended = Self.visit("a", 1)
        ended.phase = .ended("success")
        var second = EffectUnit()
        second.visits[ended.key] = ended
        try await store.commit(second)
        #expect(try await store.visits(of: "a").map(\.isActive) == [false, true], "a visit is replaced, not added")
    }

    @Test(arguments: StoreFactory.all)
    func contactsPageInIdOrderAndVisitsListByFlow(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        var unit = EffectUnit()
        for id in ["c", "a", "e", "b", "d"] {
            unit.contacts[id] = ContactProfile(id: id)
            unit.visits[Self.visit(id, 1).key] = Self.visit(id, 1)
        }
        let other = Visit(key: VisitKey(contact: "a", flow: FlowKey(campaign: "z", version: 2), number: 1), state: 0,
                          phase: .awaitingApproval, enteredAt: 0, triggerPayload: [:])
        unit.visits[other.key] = other
        try await store.commit(unit)
        #expect(try await store.contactIDs(after: nil, limit: 2) == ["a", "b"])
        #expect(try await store.contactIDs(after: "b", limit: 2) == ["c", "d"])
        #expect(try await store.contactIDs(after: "d", limit: 2) == ["e"])
        #expect(try await store.allContactIDs() == ["a", "b", "c", "d", "e"])
        #expect(try await store.visits(in: Self.flow).map(\.key.contact) == ["a", "b", "c", "d", "e"])
        #expect(try await store.visits(in: other.key.flow) == [other])
    }

    @Test(arguments: StoreFactory.all)
    func timersAreClaimedInDueOrderOnceUntilTheirLeaseEnds(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        var unit = EffectUnit()
        unit.timersAdded = [Self.timer(30, 3), Self.timer(10, 2), Self.timer(10, 1), Self.timer(50, 4)]
        try await store.commit(unit)
        #expect(try await store.nextTimerDue() == 10)
        let first = try await store.claimTimers(dueBy: 30, limit: 2, lease: 60)
        #expect(first.map(\.sequence) == [1, 2], "due order, then creation order")
        #expect(try await store.claimTimers(dueBy: 30, limit: 10, lease: 60).map(\.sequence) == [3], "claimed ones are not given twice")
        #expect(try await store.claimTimers(dueBy: 30, limit: 10, lease: 60).isEmpty, "nothing else is due")

        var fired = EffectUnit()
        fired.timerFired = first[0]
        try await store.commit(fired)
        #expect(try await store.nextTimerDue() == 10, "timer 2 is claimed, not gone")

        // A short lease: a claim whose worker died is handed out again once it ends.
        let store2 = try await factory.make()
        var unit2 = EffectUnit()
        unit2.timersAdded = [Self.timer(5, 1)]
        try await store2.commit(unit2)
        #expect(try await store2.claimTimers(dueBy: 5, limit: 1, lease: 0.05).count == 1)
        #expect(try await store2.claimTimers(dueBy: 5, limit: 1, lease: 0.05).isEmpty)
        try await Task.sleep(for: .milliseconds(120))
        let again = try await store2.claimTimers(dueBy: 5, limit: 1, lease: 60)
        #expect(again.map(\.sequence) == [1])
        var done = EffectUnit()
        done.timerFired = again[0]
        try await store2.commit(done)
        #expect(try await store2.nextTimerDue() == nil)
        try await Task.sleep(for: .milliseconds(120))
        #expect(try await store2.claimTimers(dueBy: 5, limit: 1, lease: 60).isEmpty, "a fired timer never comes back")
    }

    @Test(arguments: StoreFactory.all)
    func sequencesOnlyGrow(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        var last: UInt64 = 0
        for _ in 0..<20 {
            let next = try await store.nextSequence()
            #expect(next > last)
            last = next
        }
    }

    @Test(arguments: StoreFactory.all)
    func theOutboxKeepsEachActionOnceUntilDeliveredOrDead(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        var unit = EffectUnit()
        unit.actions = [Self.action("a", "s1", at: 1), Self.action("b", "s1", at: 2), Self.action("c", "s1", at: 100)]
        try await store.commit(unit)
        try await store.commit(unit)  // a unit retried after a lost answer writes its actions again
        #expect(try await store.deliveries(of: Self.flow) == DeliveryCounts(pending: 3))
        let due = try await store.claimActions(dueBy: 10, limit: 10, lease: 60)
        #expect(due.map(\.request) == [Self.action("a", "s1", at: 1), Self.action("b", "s1", at: 2)])
        #expect(try await store.claimActions(dueBy: 10, limit: 10, lease: 60).isEmpty, "claimed ones are not given twice")

        try await store.settle(due[0].request.key, .delivered, at: 10)
        try await store.settle(due[1].request.key, .retry(at: 50), at: 10)
        #expect(try await store.deliveries(of: Self.flow) == DeliveryCounts(pending: 1, failed: 1))
        #expect(try await store.claimActions(dueBy: 49, limit: 10, lease: 60).isEmpty)
        let retried = try await store.claimActions(dueBy: 50, limit: 10, lease: 60)
        #expect(retried.map(\.attempts) == [1])
        #expect(retried.first?.nextAttemptAt == 50)
        try await store.settle(retried[0].request.key, .dead, at: 50)
        #expect(try await store.deliveries(of: Self.flow) == DeliveryCounts(pending: 1, dead: 1))
        #expect(try await store.claimActions(dueBy: 1_000, limit: 10, lease: 60).map(\.request.key.visit.contact) == ["c"],
                "dead actions are not attempted again")
    }

    @Test(arguments: StoreFactory.all)
    func anInputIdIsCommittedOnce(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        #expect(try await store.processedInput("e1") == nil)
        var unit = EffectUnit()
        unit.input = ProcessedInput(id: "e1", digest: 7)
        unit.contacts["a"] = ContactProfile(id: "a")
        try await store.commit(unit)
        #expect(try await store.processedInput("e1") == 7)
        var again = EffectUnit()
        again.input = ProcessedInput(id: "e1", digest: 7)
        again.contacts["b"] = ContactProfile(id: "b")
        await #expect(throws: StoreError.inputAlreadyProcessed("e1")) { try await store.commit(again) }
        #expect(try await store.contact("b") == nil, "the refused unit applied nothing")
    }
}
