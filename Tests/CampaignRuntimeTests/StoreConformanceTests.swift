import Foundation
import Testing
import CampaignFlows
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
                      action: .send(channel: .email, message: "m"), at: at)
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
        ended.phase = .ended(.campaign(.success))
        var second = EffectUnit()
        second.visits[ended.key] = ended
        try await store.commit(second)
        #expect(try await store.visits(of: "a").map(\.isActive) == [false, true], "a visit is replaced, not added")
    }

    @Test(arguments: StoreFactory.all)
    func sequenceNumbersKeepIncreasingAcrossTheBlocksAStoreReserves(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        var numbers: [UInt64] = []
        for _ in 0..<2_100 { numbers.append(try await store.nextSequence()) }
        #expect(zip(numbers, numbers.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test(arguments: StoreFactory.all)
    func severalContactsAndInputsReadAtOnceAreWhatEachReadsAlone(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        var unit = EffectUnit()
        for id in ["a", "b", "c"] { unit.contacts[id] = ContactProfile(id: id, fields: ["score": .int(id.count)]) }
        for visit in [Self.visit("a", 2), Self.visit("a", 1), Self.visit("c", 1)] { unit.visits[visit.key] = visit }
        unit.inputs = [ProcessedInput(id: "e1", digest: 7), ProcessedInput(id: "e2", digest: 9)]
        try await store.commit(unit)
        let ids = ["c", "a", "b", "nobody"]
        var profiles: [String: ContactProfile] = [:], visits: [String: [Visit]] = [:], digests: [String: UInt64] = [:]
        for id in ids {
            profiles[id] = try await store.contact(id)
            let read = try await store.visits(of: id)
            if !read.isEmpty { visits[id] = read }
        }
        for id in ["e2", "e3", "e1"] { digests[id] = try await store.processedInput(id) }
        #expect(try await store.contacts(ids) == profiles && profiles.count == 3)
        #expect(try await store.visits(ofContacts: ids) == visits && visits["a"]?.map(\.key.number) == [1, 2])
        #expect(try await store.processedInputs(["e2", "e3", "e1"]) == digests && digests == ["e1": 7, "e2": 9])
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
        fired.timersFired = [first[0]]
        try await store.commit(fired)
        #expect(try await store.nextTimerDue() == 10, "timer 2 is claimed, not gone")

        // A short lease: a claim whose worker died is handed out again once it ends.
        let store2 = try await factory.make()
        var unit2 = EffectUnit()
        unit2.timersAdded = [Self.timer(5, 1)]
        try await store2.commit(unit2)
        // Long enough that the second claim comes before the lease ends on a loaded machine (50 ms did not).
        let claimed = ContinuousClock.now
        #expect(try await store2.claimTimers(dueBy: 5, limit: 1, lease: 2).count == 1)
        #expect(try await store2.claimTimers(dueBy: 5, limit: 1, lease: 2).isEmpty)
        // The lease counts from when the store took the claim, which a loaded machine may delay: ask again and
        // again until it is handed out, which must not be before the lease could have ended.
        var again: [PendingTimer] = []
        while again.isEmpty, ContinuousClock.now < claimed + .seconds(30) {
            try await Task.sleep(for: .milliseconds(100))
            again = try await store2.claimTimers(dueBy: 5, limit: 1, lease: 60)
            if !again.isEmpty { #expect(ContinuousClock.now - claimed >= .seconds(2), "handed out again before the lease ended") }
        }
        #expect(again.map(\.sequence) == [1])
        let taken = try #require(again.first)
        var done = EffectUnit()
        done.timersFired = [taken]
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

        try await store.settle(due[0].request.key, .delivered, at: 10, keepsJournal: true)
        try await store.settle(due[1].request.key, .retry(at: 50), at: 10, keepsJournal: true)
        #expect(try await store.deliveries(of: Self.flow) == DeliveryCounts(pending: 1, failed: 1))
        #expect(try await store.claimActions(dueBy: 49, limit: 10, lease: 60).isEmpty)
        let retried = try await store.claimActions(dueBy: 50, limit: 10, lease: 60)
        #expect(retried.map(\.attempts) == [1])
        #expect(retried.first?.nextAttemptAt == 50)
        try await store.settle(retried[0].request.key, .dead, at: 50, keepsJournal: true)
        #expect(try await store.deliveries(of: Self.flow) == DeliveryCounts(pending: 1, dead: 1))
        #expect(try await store.claimActions(dueBy: 1_000, limit: 10, lease: 60).map(\.request.key.visit.contact) == ["c"],
                "dead actions are not attempted again")
    }

    @Test(arguments: StoreFactory.all)
    func anInputIdIsCommittedOnce(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        #expect(try await store.processedInput("e1") == nil)
        var unit = EffectUnit()
        unit.inputs = [ProcessedInput(id: "e1", digest: 7)]
        unit.contacts["a"] = ContactProfile(id: "a")
        try await store.commit(unit)
        #expect(try await store.processedInput("e1") == 7)
        var again = EffectUnit()
        again.inputs = [ProcessedInput(id: "e1", digest: 7)]
        again.contacts["b"] = ContactProfile(id: "b")
        await #expect(throws: StoreError.inputAlreadyProcessed("e1")) { try await store.commit(again) }
        #expect(try await store.contact("b") == nil, "the refused unit applied nothing")
    }
}

/// The service's additions to every store: the inbox of accepted events, journeys, erasure, revival of dead
/// actions and the outbox and timer counts.
@Suite struct StoreServiceConformanceTests {
    static let flow = StoreConformanceTests.flow
    static let otherFlow = FlowKey(campaign: "d", version: 2)

    static func event(_ id: String, _ contact: String, total: Int = 1) -> InboxEvent {
        InboxEvent(id: id, contact: contact, event: "purchase", payload: ["total": .int(total)], at: 100)
    }

    static func line(_ contact: String, _ kind: JournalEntry.Kind, _ detail: String = "", at: Double = 0) -> JournalEntry {
        JournalEntry(contact: contact, flow: flow, visit: 1, at: at, kind: kind, step: "s", detail: detail)
    }

    static func wake(_ contact: String, due: Double, sequence: UInt64) -> PendingTimer {
        PendingTimer(due: due, sequence: sequence, kind: .wake(VisitKey(contact: contact, flow: flow, number: 1), state: 1))
    }

    static func commit(_ store: any CampaignStore, _ change: (inout EffectUnit) -> Void) async throws {
        var unit = EffectUnit()
        change(&unit)
        try await store.commit(unit)
    }

    /// A new store holding contacts `a` and `b`, whom inbox events may be about.
    static func storeWithContacts(_ factory: StoreFactory) async throws -> any CampaignStore {
        let store = try await factory.make()
        try await commit(store) {
            $0.contacts["a"] = ContactProfile(id: "a")
            $0.contacts["b"] = ContactProfile(id: "b")
        }
        return store
    }

    @Test(arguments: StoreFactory.all)
    func theInboxRefusesEventsAboutUnknownContacts(_ factory: StoreFactory) async throws {
        let store = try await Self.storeWithContacts(factory)
        var unit = EffectUnit()
        unit.inboxAdded = [Self.event("e1", "a"), Self.event("e2", "ghost"), Self.event("e3", "b"), Self.event("e4", "other"),
                           Self.event("e5", "ghost")]
        unit.journal = [Self.line("a", .entered)]
        await #expect(throws: StoreError.unknownContacts(["ghost", "other"]), "each unknown contact once, in order") {
            try await store.commit(unit)
        }
        #expect(try await store.inboxDepth() == 0, "nothing of the unit is accepted")
        #expect(try await store.journal(of: "a").isEmpty)

        try await Self.commit(store) {
            $0.inboxAdded = [Self.event("e6", "new"), Self.event("e7", "a")]
            $0.contacts["new"] = ContactProfile(id: "new")
        }
        #expect(try await store.inbox(limit: 10).map(\.id) == ["e6", "e7"], "a contact the same unit writes exists")

        var erasing = EffectUnit()
        erasing.erased = ["b"]
        erasing.inboxAdded = [Self.event("e8", "b")]
        await #expect(throws: StoreError.unknownContacts(["b"]), "a contact the same unit erases does not") {
            try await store.commit(erasing)
        }
        try await Self.commit(store) { $0.erased = ["a"] }
        try await Self.commit(store) { $0.inputs = [ProcessedInput(id: "p1", digest: Self.event("p1", "a").digest)] }
        var again = EffectUnit()
        again.inboxAdded = [Self.event("p1", "a")]
        await #expect(throws: StoreError.inputConflict("p1"), "a conflict is named before an unknown contact") {
            var conflicting = again
            conflicting.inboxAdded = [Self.event("e9", "a"), Self.event("p1", "a", total: 3)]
            try await store.commit(conflicting)
        }
        try await store.commit(again)
        #expect(try await store.inbox(limit: 10).map(\.id) == ["e6"], "a processed id is skipped, whoever it was about")
    }

    /// Units committed at the same time share transactions in the durable stores (group commit); each must
    /// still be accepted or refused alone, exactly as if it had been committed by itself.
    @Test(arguments: StoreFactory.all)
    func inboxUnitsCommittedAtOnceAreEachAcceptedOrRefusedAlone(_ factory: StoreFactory) async throws {
        let store = try await Self.storeWithContacts(factory)
        try await Self.commit(store) { $0.inboxAdded = [Self.event("seen", "a")] }
        /// What unit `n` adds, and how the store must answer it.
        func unit(_ n: Int) -> (events: [InboxEvent], refusal: StoreError?) {
            switch n % 10 {
            case 3: ([Self.event("u\(n)-1", "a"), Self.event("u\(n)-2", "ghost")], .unknownContacts(["ghost"]))
            case 7: ([Self.event("u\(n)-1", "b"), Self.event("seen", "a", total: 3)], .inputConflict("seen"))
            case 5: ([Self.event("seen", "a"), Self.event("u\(n)-1", "b")], nil)
            case 9: ([Self.event("twice", "a")], nil)
            default: ([Self.event("u\(n)-1", "a"), Self.event("u\(n)-2", "b")], nil)
            }
        }
        let count = 120
        let answers = await withTaskGroup(of: (Int, StoreError?).self) { group in
            for n in 0..<count {
                group.addTask {
                    var effect = EffectUnit()
                    effect.inboxAdded = unit(n).events
                    do {
                        try await store.commit(effect)
                        return (n, nil)
                    } catch let error as StoreError {
                        return (n, error)
                    } catch {
                        Issue.record("unit \(n) failed with \(error)")
                        return (n, nil)
                    }
                }
            }
            var answers: [Int: StoreError?] = [:]
            for await (n, answer) in group { answers[n] = answer }
            return answers
        }
        var expected = ["seen", "twice"]
        for n in 0..<count {
            #expect(answers[n] == unit(n).refusal, "unit \(n)")
            if unit(n).refusal == nil { expected += unit(n).events.map(\.id).filter { $0.hasPrefix("u") } }
        }
        let inbox = try await store.inbox(limit: 1_000).map(\.id)
        #expect(inbox.sorted() == expected.sorted(), "every accepted event once, nothing of a refused unit")
        for n in 0..<count where unit(n).refusal == nil && n % 10 != 5 && n % 10 != 9 {
            #expect(inbox.firstIndex(of: "u\(n)-1")! < inbox.firstIndex(of: "u\(n)-2")!, "a unit's events in its order")
        }
    }

    @Test(arguments: StoreFactory.all)
    func theInboxKeepsAcceptanceOrderAndAcceptsAnIdOnce(_ factory: StoreFactory) async throws {
        let store = try await Self.storeWithContacts(factory)
        #expect(try await store.inbox(limit: 10).isEmpty)
        try await Self.commit(store) { $0.inboxAdded = [Self.event("e2", "b"), Self.event("e1", "a"), Self.event("e2", "b")] }
        try await Self.commit(store) { $0.inboxAdded = [Self.event("e3", "a"), Self.event("e1", "a")] }
        #expect(try await store.inbox(limit: 10).map(\.id) == ["e2", "e1", "e3"], "acceptance order, each id once")
        #expect(try await store.inbox(limit: 10) == [Self.event("e2", "b"), Self.event("e1", "a"), Self.event("e3", "a")])
        #expect(try await store.inbox(limit: 2).map(\.id) == ["e2", "e1"])
        #expect(try await store.inboxDepth() == 3)
    }

    @Test(arguments: StoreFactory.all)
    func anotherContentUnderAnAcceptedIdFailsTheWholeUnit(_ factory: StoreFactory) async throws {
        let store = try await Self.storeWithContacts(factory)
        try await Self.commit(store) { $0.inboxAdded = [Self.event("e1", "a")] }
        var unit = EffectUnit()
        unit.inboxAdded = [Self.event("e2", "a"), Self.event("e1", "a", total: 2)]
        unit.contacts["x"] = ContactProfile(id: "x")
        unit.journal = [Self.line("x", .entered)]
        await #expect(throws: StoreError.inputConflict("e1")) { try await store.commit(unit) }
        #expect(try await store.inbox(limit: 10) == [Self.event("e1", "a")], "the other event of the unit is not accepted")
        #expect(try await store.contact("x") == nil)
        #expect(try await store.journal(of: "x").isEmpty)

        var twice = EffectUnit()
        twice.inboxAdded = [Self.event("e5", "a"), Self.event("e5", "a", total: 5)]
        await #expect(throws: StoreError.inputConflict("e5"), "two contents under one id in one unit") { try await store.commit(twice) }
        #expect(try await store.inboxDepth() == 1)
    }

    @Test(arguments: StoreFactory.all)
    func anIdAlreadyProcessedIsSkippedOrConflicts(_ factory: StoreFactory) async throws {
        let store = try await Self.storeWithContacts(factory)
        let processed = Self.event("p1", "a")
        try await Self.commit(store) { $0.inputs = [ProcessedInput(id: processed.id, digest: processed.digest)] }
        try await Self.commit(store) { $0.inboxAdded = [processed, Self.event("e1", "a")] }
        #expect(try await store.inbox(limit: 10).map(\.id) == ["e1"], "a processed id with the same content is not accepted again")

        var unit = EffectUnit()
        unit.inboxAdded = [Self.event("e2", "n"), Self.event("p1", "a", total: 9)]
        unit.contacts["n"] = ContactProfile(id: "n")
        await #expect(throws: StoreError.inputConflict("p1")) { try await store.commit(unit) }
        #expect(try await store.inbox(limit: 10).map(\.id) == ["e1"])
        #expect(try await store.contact("n") == nil)
    }

    @Test(arguments: StoreFactory.all)
    func processingAnAcceptedEventRemovesItFromTheInbox(_ factory: StoreFactory) async throws {
        let store = try await Self.storeWithContacts(factory)
        let events = [Self.event("e1", "a"), Self.event("e2", "b"), Self.event("e3", "a")]
        try await Self.commit(store) { $0.inboxAdded = events }
        try await Self.commit(store) {
            $0.inputs = [ProcessedInput(id: "e2", digest: events[1].digest)]
            $0.contacts["b"] = ContactProfile(id: "b")
        }
        #expect(try await store.inbox(limit: 10).map(\.id) == ["e1", "e3"])
        #expect(try await store.processedInput("e2") == events[1].digest)
        try await store.dropFromInbox("e3")
        try await store.dropFromInbox("unknown")
        #expect(try await store.inbox(limit: 10).map(\.id) == ["e1"])
        #expect(try await store.inboxDepth() == 1)
        try await Self.commit(store) { $0.inboxAdded = [Self.event("e2", "b")] }
        #expect(try await store.inboxDepth() == 1, "an id processed since is not accepted again")
    }

    @Test(arguments: StoreFactory.all)
    func journalLinesComeBackInOrderPerContact(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        let a = (0..<6).map { Self.line("a", .step, "a\($0)", at: Double(10 - $0)) }
        let b = (0..<3).map { Self.line("b", .held, "b\($0)") }
        try await Self.commit(store) { $0.journal = [a[0], b[0], a[1], a[2], b[1]] }
        try await Self.commit(store) { $0.journal = [a[3], b[2], a[4], a[5]] }
        #expect(try await store.journal(of: "a") == a, "in the order written, not by time")
        #expect(try await store.journal(of: "b") == b)
        #expect(try await store.journal(of: "c").isEmpty)
    }

    @Test(arguments: StoreFactory.all)
    func settlingForGoodWritesOneJournalLineWithTheAttempts(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        let delivered = StoreConformanceTests.action("a", "s1", at: 1), dead = StoreConformanceTests.action("a", "s2", at: 1)
        try await Self.commit(store) { $0.actions = [delivered, dead] }
        try await store.settle(delivered.key, .retry(at: 5), at: 1, keepsJournal: true)
        try await store.settle(dead.key, .dead, at: 2, keepsJournal: true)
        let deadLine = JournalEntry(contact: "a", flow: Self.flow, visit: 1, at: 2, kind: .dead, step: "s2",
                                    detail: "a/c/v1/s2/1 after 1 attempt")
        #expect(try await store.journal(of: "a") == [deadLine], "a retry writes no line")
        try await store.settle(delivered.key, .delivered, at: 6, keepsJournal: true)
        let deliveredLine = JournalEntry(contact: "a", flow: Self.flow, visit: 1, at: 6, kind: .delivered, step: "s1",
                                         detail: "a/c/v1/s1/1 after 2 attempts")
        #expect(try await store.journal(of: "a") == [deadLine, deliveredLine])
        try await store.settle(delivered.key, .delivered, at: 7, keepsJournal: true)
        #expect(try await store.journal(of: "a").count == 2, "settling an action no longer in the outbox writes nothing")

        let unjournaled = StoreConformanceTests.action("b", "s1#2", at: 1)
        try await Self.commit(store) { $0.actions = [unjournaled] }
        try await store.settle(unjournaled.key, .delivered, at: 3, keepsJournal: false)
        #expect(try await store.journal(of: "b").isEmpty, "no line when the engine keeps no journeys")
        #expect(try await store.outboxDepth() == DeliveryCounts(dead: 1), "but the action is settled")
    }

    @Test func aSettlingLineNamesTheStepWithoutItsPass() throws {
        let key = IdempotencyKey(visit: VisitKey(contact: "a/b", flow: Self.flow, number: 3), step: "send#2")
        let line = try #require(JournalEntry(settling: key, .dead, attempts: 8, at: 5))
        #expect(line == JournalEntry(contact: "a/b", flow: Self.flow, visit: 3, at: 5, kind: .dead, step: "send",
                                     detail: "a/b/c/v1/send#2/3 after 8 attempts"))
        #expect(JournalEntry(settling: key, .retry(at: 9), attempts: 1, at: 5) == nil)
        #expect(IdempotencyKey(parsing: key.description) == key, "a key with a slash in its contact reads back")
        #expect(IdempotencyKey(parsing: "a/c/v1/send") == nil)
        #expect(IdempotencyKey(parsing: "a/c/1/send/1") == nil)
        #expect(IdempotencyKey(parsing: "a/c/v1/send/0") == nil)
        #expect(IdempotencyKey(parsing: "/c/v1/send/1") == nil)
    }

    @Test(arguments: StoreFactory.all)
    func reviveMakesOnlyDeadActionsClaimableAgain(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        let first = StoreConformanceTests.action("a", "s1", at: 1), second = StoreConformanceTests.action("b", "s1", at: 2)
        try await Self.commit(store) { $0.actions = [first, second] }
        #expect(try await store.revive(first.key, at: 3) == false, "a pending action is not dead")
        let claimed = try await store.claimActions(dueBy: 10, limit: 10, lease: 60)
        #expect(claimed.map(\.request) == [first, second])
        try await store.settle(first.key, .retry(at: 4), at: 3, keepsJournal: true)
        try await store.settle(first.key, .dead, at: 4, keepsJournal: true)
        try await store.settle(second.key, .retry(at: 50), at: 3, keepsJournal: true)
        #expect(try await store.revive(second.key, at: 5) == false, "a failed action waiting for its retry is not dead")
        #expect(try await store.claimActions(dueBy: 40, limit: 10, lease: 60).isEmpty)
        #expect(try await store.deliveries(of: Self.flow) == DeliveryCounts(failed: 1, dead: 1))

        #expect(try await store.revive(first.key, at: 20) == true)
        #expect(try await store.revive(first.key, at: 20) == false, "revived once")
        #expect(try await store.deliveries(of: Self.flow) == DeliveryCounts(pending: 1, failed: 1))
        #expect(try await store.claimActions(dueBy: 19, limit: 10, lease: 60).isEmpty, "due at the instant it was revived")
        let again = try await store.claimActions(dueBy: 20, limit: 10, lease: 60)
        #expect(again == [OutboxEntry(request: first, attempts: 0, nextAttemptAt: 20)])
        #expect(try await store.claimActions(dueBy: 40, limit: 10, lease: 60).isEmpty, "claimed once")
        let unknown = IdempotencyKey(visit: VisitKey(contact: "z", flow: Self.flow, number: 1), step: "s1")
        #expect(try await store.revive(unknown, at: 20) == false)
    }

    @Test(arguments: StoreFactory.all)
    func outboxDepthAndTimerCountsCoverEverything(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        #expect(try await store.outboxDepth() == DeliveryCounts())
        #expect(try await store.timerCounts(overdueAt: 100) == (0, 0))
        let other = ActionRequest(key: IdempotencyKey(visit: VisitKey(contact: "a", flow: Self.otherFlow, number: 1), step: "s"),
                                  action: .archive, at: 1)
        let actions = [StoreConformanceTests.action("a", "s1", at: 1), StoreConformanceTests.action("b", "s1", at: 1),
                       StoreConformanceTests.action("c", "s1", at: 1), other]
        let test = PendingTimer(due: 30, sequence: 4, kind: .decideTest(Self.otherFlow, state: 2))
        try await Self.commit(store) {
            $0.actions = actions
            $0.timersAdded = [Self.wake("a", due: 10, sequence: 1), Self.wake("b", due: 20, sequence: 2),
                              Self.wake("c", due: 20, sequence: 3), test]
        }
        #expect(try await store.outboxDepth() == DeliveryCounts(pending: 4))
        _ = try await store.claimActions(dueBy: 1, limit: 10, lease: 60)
        try await store.settle(actions[0].key, .delivered, at: 2, keepsJournal: true)
        try await store.settle(actions[1].key, .retry(at: 9), at: 2, keepsJournal: true)
        try await store.settle(other.key, .dead, at: 2, keepsJournal: true)
        #expect(try await store.outboxDepth() == DeliveryCounts(pending: 1, failed: 1, dead: 1), "over every flow")
        #expect(try await store.deliveries(of: Self.flow) == DeliveryCounts(pending: 1, failed: 1))

        #expect(try await store.timerCounts(overdueAt: 20) == (4, 1), "due strictly before the instant")
        #expect(try await store.timerCounts(overdueAt: 21) == (4, 3))
        let claimed = try await store.claimTimers(dueBy: 20, limit: 2, lease: 60)
        #expect(try await store.timerCounts(overdueAt: 21) == (4, 3), "claimed timers are still pending")
        try await Self.commit(store) { $0.timersFired = [claimed[0]] }
        #expect(try await store.timerCounts(overdueAt: 31) == (3, 3), "a fired timer is gone")
    }

    @Test(arguments: StoreFactory.all)
    func erasureRemovesOneContactsDataOnly(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        func visit(_ contact: String) -> Visit { StoreConformanceTests.visit(contact, 1) }
        let test = PendingTimer(due: 30, sequence: 9, kind: .decideTest(Self.flow, state: 2))
        var state = FlowRuntimeState()
        state.arrivals[0] = 2
        try await Self.commit(store) {
            for contact in ["a", "b"] {
                $0.contacts[contact] = ContactProfile(id: contact)
                $0.visits[visit(contact).key] = visit(contact)
                $0.actions.append(StoreConformanceTests.action(contact, "s1", at: 1))
                $0.journal.append(Self.line(contact, .entered))
            }
            // Timers of the contact's visit, one at a state it left since.
            $0.timersAdded = [Self.wake("a", due: 10, sequence: 1), Self.wake("b", due: 10, sequence: 2),
                              PendingTimer(due: 5, sequence: 3, kind: .wake(VisitKey(contact: "a", flow: Self.flow, number: 1), state: 7)),
                              test]
            $0.inboxAdded = [Self.event("e1", "a"), Self.event("e2", "b"), Self.event("e3", "a")]
            $0.flows[Self.flow] = state
        }
        _ = try await store.claimTimers(dueBy: 5, limit: 1, lease: 60)  // the claimed one goes too
        try await Self.commit(store) { $0.erased = ["a"] }

        #expect(try await store.contact("a") == nil)
        #expect(try await store.visits(of: "a").isEmpty)
        #expect(try await store.journal(of: "a").isEmpty)
        #expect(try await store.inbox(limit: 10).map(\.contact) == ["b"])
        #expect(try await store.allContactIDs() == ["b"])
        #expect(try await store.timerCounts(overdueAt: 100) == (2, 2), "b's wake-up and the test's decision stay")
        #expect(try await store.claimTimers(dueBy: 100, limit: 10, lease: 60).map(\.sequence) == [2, 9])
        #expect(try await store.claimActions(dueBy: 100, limit: 10, lease: 60).map(\.request.key.visit.contact) == ["b"])
        #expect(try await store.outboxDepth() == DeliveryCounts(pending: 1))

        #expect(try await store.contact("b") == ContactProfile(id: "b"))
        #expect(try await store.visits(of: "b") == [visit("b")])
        #expect(try await store.journal(of: "b") == [Self.line("b", .entered)])
        #expect(try await store.flowState(Self.flow) == state, "counters keep their totals")
        #expect(try await store.processedInput("e1") == nil)
    }

    @Test(arguments: StoreFactory.all)
    func erasureReachesWhatHasNoProfileAndComesBeforeTheRestOfItsUnit(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        try await Self.commit(store) {
            $0.actions = [StoreConformanceTests.action("ghost", "s1", at: 1)]
            $0.timersAdded = [Self.wake("ghost", due: 10, sequence: 1)]
        }
        try await Self.commit(store) { $0.erased = ["ghost"] }
        #expect(try await store.outboxDepth() == DeliveryCounts(), "a contact without a profile, visits or journey is erased too")
        #expect(try await store.timerCounts(overdueAt: 100) == (0, 0))

        try await Self.commit(store) {
            $0.erased = ["a"]
            $0.contacts["a"] = ContactProfile(id: "a")
            $0.journal = [Self.line("a", .entered)]
            $0.inboxAdded = [Self.event("e2", "a")]
            $0.actions = [StoreConformanceTests.action("a", "s1", at: 1)]
        }
        #expect(try await store.contact("a") == ContactProfile(id: "a"), "what the erasing unit writes stays")
        #expect(try await store.journal(of: "a") == [Self.line("a", .entered)])
        #expect(try await store.inbox(limit: 10).map(\.id) == ["e2"])
        #expect(try await store.outboxDepth() == DeliveryCounts(pending: 1))
    }
}
