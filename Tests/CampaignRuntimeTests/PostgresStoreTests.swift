@testable import CampaignStorePostgres
import Foundation
import Testing
import CampaignFlows
@testable import CampaignRuntime

/// The test server's URL, from the environment.
enum PostgresTestServer {
    static var url: String? {
        ProcessInfo.processInfo.environment["CAMPAIGNC_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// The PostgreSQL store across processes: each `PostgresStore` below has its own connection pool, as a
/// separate process would. Run only with a server's URL in `CAMPAIGNC_POSTGRES_URL`
/// (`scripts/postgres-test-server` starts one).
@Suite(.enabled(if: PostgresTestServer.url != nil, "set CAMPAIGNC_POSTGRES_URL to run the PostgreSQL store's tests"))
struct PostgresStoreTests {
    static var url: String? { PostgresTestServer.url }

    /// A schema name no other test uses.
    static func freshSchema() -> String {
        "campaignc_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    static let flow = FlowKey(campaign: "c", version: 1)

    static func timer(_ due: Double, _ sequence: UInt64) -> PendingTimer {
        PendingTimer(due: due, sequence: sequence, kind: .wake(VisitKey(contact: "a", flow: flow, number: Int(sequence)), state: 0))
    }

    /// Two "processes" claiming concurrently: no timer is given to both, and together they take every due one.
    @Test func concurrentClaimsNeverShareATimerAndTakeThemAll() async throws {
        let url = try #require(Self.url), schema = Self.freshSchema()
        let first = try await PostgresStore(url: url, schema: schema)
        let second = try await PostgresStore(url: url, schema: schema)
        var unit = EffectUnit()
        unit.timersAdded = (1...500).map { Self.timer(Double($0 % 37), UInt64($0)) }
        unit.timersAdded.append(Self.timer(1_000, 501))  // not due
        try await first.commit(unit)

        @Sendable func drain(_ store: PostgresStore) async throws -> [UInt64] {
            var taken: [UInt64] = []
            while true {
                let claimed = try await store.claimTimers(dueBy: 100, limit: 7, lease: 60)
                if claimed.isEmpty { return taken }
                #expect(claimed == claimed.sorted(), "each claim is in due order")
                taken += claimed.map(\.sequence)
            }
        }
        async let a = drain(first), b = drain(second), c = drain(first), d = drain(second)
        let claims = try await [a, b, c, d]
        let all = claims.flatMap { $0 }
        #expect(all.count == 500)
        #expect(Set(all) == Set(1...500), "every due timer once, and only due ones")
        #expect(claims.allSatisfy { !$0.isEmpty }, "the claimers ran side by side")

        try await second.dropSchema()
        await first.close()
        await second.close()
    }

    /// A process's claims hold while it lives, whatever their lease; once it is gone (killed, or its store
    /// closed: its session ends), another process takes them over at once rather than when the lease ends.
    @Test func anotherProcessTakesOverTheClaimsOfAProcessThatIsGone() async throws {
        let url = try #require(Self.url), schema = Self.freshSchema()
        let dying = try await PostgresStore(url: url, schema: schema)
        var unit = EffectUnit()
        unit.timersAdded = [Self.timer(1, 1), Self.timer(2, 2)]
        unit.actions = [ActionRequest(key: IdempotencyKey(visit: VisitKey(contact: "a", flow: Self.flow, number: 1), step: "s"),
                                      action: .archive, at: 1)]
        try await dying.commit(unit)
        #expect(try await dying.claimTimers(dueBy: 5, limit: 10, lease: 600).map(\.sequence) == [1, 2])
        #expect(try await dying.claimActions(dueBy: 5, limit: 10, lease: 600).count == 1)

        let survivor = try await PostgresStore(url: url, schema: schema)
        #expect(try await survivor.claimTimers(dueBy: 5, limit: 10, lease: 60).isEmpty, "a live process's claims hold")
        #expect(try await survivor.claimActions(dueBy: 5, limit: 10, lease: 60).isEmpty)
        await dying.close()
        // The server ends the session as the connection closes; give it a moment on a loaded machine.
        var timers: [UInt64] = []
        for _ in 0..<50 where timers.isEmpty {
            timers = try await survivor.claimTimers(dueBy: 5, limit: 10, lease: 60).map(\.sequence)
            if timers.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(timers == [1, 2], "taken over long before the 600 s lease ends")
        #expect(try await survivor.claimActions(dueBy: 5, limit: 10, lease: 60).count == 1)
        try await survivor.dropSchema()
        await survivor.close()
    }

    @Test func aVisitWaitingForAConditionWaitsOnAcrossARestart() async throws {
        let url = try #require(Self.url), schema = Self.freshSchema()
        try await StoreConformanceTests.waitAcrossARestart(open: { try await PostgresStore(url: url, schema: schema) },
                                                           close: { await $0.close() })
        let store = try await PostgresStore(url: url, schema: schema)
        try await store.dropSchema()
        await store.close()
    }

    /// Everything committed is there after the store is closed and opened again; sequences keep growing.
    @Test func stateSurvivesReopening() async throws {
        let url = try #require(Self.url), schema = Self.freshSchema()
        let store = try await PostgresStore(url: url, schema: schema)
        var contact = ContactProfile(id: "a/b", fields: ["email": .string("a@example.com"), "nul": .string("x\u{0}y")], groups: ["vip"])
        contact.history.recordOpen(at: 5)
        let visit = Visit(key: VisitKey(contact: "a/b", flow: Self.flow, number: 1), state: 3, phase: .waiting(until: 10, next: 4),
                          enteredAt: 1, triggerPayload: ["total": .decimal(-0.5)])
        var state = FlowRuntimeState()
        state.arrivals[3] = 1
        state.fingerprint = .max
        let action = ActionRequest(key: IdempotencyKey(visit: visit.key, step: "s"), action: .send(channel: .email, message: "m"), at: 2)
        let sequence = try await store.nextSequence()
        var unit = EffectUnit()
        unit.contacts["a/b"] = contact
        unit.visits[visit.key] = visit
        unit.flows[Self.flow] = state
        unit.timersAdded = [Self.timer(10, sequence)]
        unit.actions = [action]
        try await store.commit(unit)
        await store.close()

        let reopened = try await PostgresStore(url: url, schema: schema)
        #expect(try await reopened.appliedMigrations() == [1, 2, 3, 4, 5, 6])
        #expect(try await reopened.contact("a/b") == contact)
        #expect(try await reopened.visits(of: "a/b") == [visit])
        #expect(try await reopened.flowState(Self.flow) == state)
        #expect(try await reopened.nextTimerDue() == 10)
        #expect(try await reopened.claimTimers(dueBy: 10, limit: 5, lease: 60) == [Self.timer(10, sequence)])
        #expect(try await reopened.claimActions(dueBy: 10, limit: 5, lease: 60).map(\.request) == [action])
        #expect(try await reopened.nextSequence() > sequence)
        try await reopened.dropSchema()
        await reopened.close()
    }

    /// Several processes opening a new database at once: one migrates it, the others wait and find it done.
    @Test func migrationBySeveralProcessesAtOnceIsSafe() async throws {
        let url = try #require(Self.url), schema = Self.freshSchema()
        let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
            for _ in 0..<6 { group.addTask { try await PostgresStore(url: url, schema: schema, maximumConnections: 2) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(stores.count == 6)
        for store in stores { #expect(try await store.appliedMigrations() == [1, 2, 3, 4, 5, 6]) }
        var unit = EffectUnit()
        unit.contacts["a"] = ContactProfile(id: "a")
        try await stores[0].commit(unit)
        #expect(try await stores[5].contact("a") == ContactProfile(id: "a"))
        try await stores[0].dropSchema()
        for store in stores { await store.close() }
    }

    /// Two processes committing units of the same input id at once: one is applied, the other refused whole.
    @Test func anInputCommittedByTwoProcessesAtOnceIsAppliedOnce() async throws {
        let url = try #require(Self.url), schema = Self.freshSchema()
        let first = try await PostgresStore(url: url, schema: schema)
        let second = try await PostgresStore(url: url, schema: schema)
        @Sendable func submit(_ store: PostgresStore, _ contact: String) async -> Bool {
            var unit = EffectUnit()
            unit.inputs = [ProcessedInput(id: "e1", digest: 7)]
            unit.contacts[contact] = ContactProfile(id: contact)
            do {
                try await store.commit(unit)
                return true
            } catch {
                #expect(error as? StoreError == .inputAlreadyProcessed("e1"))
                return false
            }
        }
        async let a = submit(first, "a"), b = submit(second, "b")
        let applied = await [a, b]
        #expect(applied.filter { $0 }.count == 1)
        #expect(try await first.allContactIDs() == (applied[0] ? ["a"] : ["b"]), "the refused unit wrote nothing")
        #expect(try await second.processedInput("e1") == 7)
        try await first.dropSchema()
        await first.close()
        await second.close()
    }

    /// Two processes accepting events at once, each committing its units in groups: for every k, both send a
    /// unit of a new event and an event `s-k`, each with its own content for `s-k`. Exactly one of the two
    /// units is accepted, whole, and the other is refused with nothing written, however the groups' reads and
    /// inserts interleave across the processes.
    @Test func inboxGroupsOfTwoProcessesRacingForOneIdAcceptOneUnitWhole() async throws {
        let url = try #require(Self.url), schema = Self.freshSchema()
        let first = try await PostgresStore(url: url, schema: schema), second = try await PostgresStore(url: url, schema: schema)
        var contacts = EffectUnit()
        contacts.contacts = ["a": ContactProfile(id: "a"), "b": ContactProfile(id: "b")]
        try await first.commit(contacts)
        let count = 150
        @Sendable func submitAll(_ store: PostgresStore, _ side: String, total: Int) async -> [Int: Bool] {
            await withTaskGroup(of: (Int, Bool).self) { group in
                for k in 0..<count {
                    group.addTask {
                        var unit = EffectUnit()
                        unit.inboxAdded = [InboxEvent(id: "\(side)-\(k)", contact: "a", event: "purchase", payload: [:], at: 1),
                                           InboxEvent(id: "s-\(k)", contact: "b", event: "purchase", payload: ["total": .int(total)], at: 1)]
                        do {
                            try await store.commit(unit)
                            return (k, true)
                        } catch {
                            #expect(error as? StoreError == .inputConflict("s-\(k)"))
                            return (k, false)
                        }
                    }
                }
                var accepted: [Int: Bool] = [:]
                for await (k, ok) in group { accepted[k] = ok }
                return accepted
            }
        }
        async let a = submitAll(first, "a", total: 1), b = submitAll(second, "b", total: 2)
        let (fromA, fromB) = await (a, b)
        let inbox = Set(try await first.inbox(limit: 10 * count).map(\.id))
        for k in 0..<count {
            #expect(fromA[k] != fromB[k], "one unit of \(k) accepted, the other refused")
            #expect(inbox.contains("a-\(k)") == fromA[k] && inbox.contains("b-\(k)") == fromB[k], "a refused unit wrote nothing")
            #expect(inbox.contains("s-\(k)"))
        }
        #expect(inbox.count == 2 * count)
        try await first.dropSchema()
        await first.close()
        await second.close()
    }

    /// Two processes running units for the same contacts at once: with units serialized across processes,
    /// neither overwrites the other's visits or counters, and the result is a single engine's.
    @Test func twoEnginesOverOneDatabaseGetASingleEnginesCounts() async throws {
        let url = try #require(Self.url), schema = Self.freshSchema()
        let flow = makeFlow([
            FlowState(id: "tag", line: 1, step: .tags(add: ["seen"], remove: [], next: 1)),
            FlowState(id: "done", line: 2, step: .end(.success)),
        ])
        let contacts = (0..<5).map { "c\($0)" }
        let events = (0..<200).map { (id: "e\($0)", contact: contacts[$0 % contacts.count]) }
        @Sendable func engine(_ store: any CampaignStore) async throws -> CampaignEngine {
            try await CampaignEngine(flows: [flow], store: store, clock: VirtualClock(now: 0), recordsTrace: false, keepsJournal: true)
        }

        let single = try await engine(InMemoryStore())
        for contact in contacts { try await single.upsertContact(subscriber(contact)) }
        for event in events { try await single.handle(event: "signup", contact: event.contact, input: event.id) }

        let first = try await PostgresStore(url: url, schema: schema), second = try await PostgresStore(url: url, schema: schema)
        let one = try await engine(first), other = try await engine(second)
        for contact in contacts { try await one.upsertContact(subscriber(contact)) }
        // Each event is submitted to both processes at once: one processes it, the other skips it or finds it done.
        @Sendable func submit(_ engine: CampaignEngine, _ order: [(id: String, contact: String)]) async throws {
            for event in order {
                do {
                    try await engine.handle(event: "signup", contact: event.contact, input: event.id)
                } catch StoreError.inputAlreadyProcessed(let id) {
                    Issue.record("input \(id) was committed twice: units overlapped")
                }
            }
        }
        async let a: Void = submit(one, events)
        async let b: Void = submit(other, events.reversed())
        _ = try await (a, b)

        let key = FlowKey(campaign: "c", version: 1)
        let expected = try await single.report(key)
        #expect(expected.arrivalsPerStep == ["tag": 200, "done": 200])
        #expect(try await one.report(key) == expected)
        for contact in contacts {
            let visits = try await first.visits(of: contact)
            #expect(visits.map(\.key.number) == Array(1...40), "every event a visit of its own, numbered once")
            #expect(try await first.journal(of: contact).count == (try await single.store.journal(of: contact)).count)
        }
        try await first.dropSchema()
        await first.close()
        await second.close()
    }

    /// An event accepted again while its first acceptance was being processed can be in the inbox with its id
    /// processed (the acceptance found no processed id, then waited for the processing unit to delete the inbox
    /// row): the engine drops it instead of processing it twice.
    @Test func anAcceptedEventProcessedMeanwhileIsDropped() async throws {
        let url = try #require(Self.url), schema = Self.freshSchema()
        let store = try await PostgresStore(url: url, schema: schema)
        let engine = try await CampaignEngine(flows: [JourneyTests.countingFlow()], store: store, clock: VirtualClock(now: 0))
        try await engine.upsertContact(subscriber("a"))
        var accepted = EffectUnit()
        accepted.inboxAdded = [JourneyTests.signup("e1", "a"), JourneyTests.signup("e2", "a")]
        try await store.commit(accepted)
        let digest = Int64(bitPattern: JourneyTests.signup("e1", "a").digest)
        try await store.execute(sql: "INSERT INTO input (id, digest) VALUES ('e1', \(digest))")

        #expect(try await engine.processInbox() == 2)
        #expect(try await store.inboxDepth() == 0)
        #expect(try await store.visits(of: "a").count == 1, "e2 only")
        try await store.dropSchema()
        await store.close()
    }

    /// The unit lock is held by one caller at a time, in one process or across two, and a process that closes
    /// (or dies) lets go of it with its connection.
    @Test func theUnitLockIsHeldOnceAndGoesWithItsConnection() async throws {
        let url = try #require(Self.url), schema = Self.freshSchema()
        let first = try await PostgresStore(url: url, schema: schema), second = try await PostgresStore(url: url, schema: schema)
        try await first.lockUnits()

        let sameProcess = Task {
            try await first.lockUnits()
            return ContinuousClock.now
        }
        try await Task.sleep(for: .milliseconds(300))
        let released = ContinuousClock.now
        await first.unlockUnits()
        #expect(try await sameProcess.value > released, "a second caller of the same store waits for the first")

        let otherProcess = Task {
            try await second.lockUnits()
            return ContinuousClock.now
        }
        try await Task.sleep(for: .milliseconds(300))
        let closing = ContinuousClock.now
        await first.close()  // holding the lock
        #expect(try await otherProcess.value > closing, "another process waits until the holder's connection ends")
        await second.unlockUnits()
        await #expect(throws: PostgresStoreError.self, "a closed store takes no lock") { try await first.lockUnits() }

        try await second.lockUnits()
        await second.unlockUnits()
        try await second.dropSchema()
        await second.close()
    }

    /// Migration 5 moves the dedupe registers that flow states held into rows of their own.
    @Test func dedupeRegistersKeptInFlowStatesBeforeVersion5BecomeRows() async throws {
        let url = try #require(Self.url), schema = Self.freshSchema()
        let store = try await PostgresStore(url: url, schema: schema)
        // Back to version 4, with a flow's state as version 4 wrote it: its registers inside.
        try await store.execute(sql: "DROP TABLE dedupe")
        try await store.execute(sql: "DELETE FROM schema_migrations WHERE version = 5")
        var counted = FlowRuntimeState()
        counted.arrivals[0] = 2
        let encoded = String(decoding: try JSONEncoder().encode(counted), as: UTF8.self)
        let state = String(encoded.dropLast()) + #","deduplicated":{"0":{"x@example.com":"a","y@example.com":"b"},"3":{"+331":"c"}}}"#
        try await store.execute(sql: "INSERT INTO flow (campaign, version, state) VALUES ('c', 1, convert_to('\(state)', 'UTF8'))")
        await store.close()
        let migrated = try await PostgresStore(url: url, schema: schema)
        let key = FlowKey(campaign: "c", version: 1)
        let entries = [DedupeKey(flow: key, state: 0, value: "x@example.com"), DedupeKey(flow: key, state: 0, value: "y@example.com"),
                       DedupeKey(flow: key, state: 3, value: "+331"), DedupeKey(flow: key, state: 3, value: "x@example.com")]
        #expect(try await migrated.keptContacts(entries) == [entries[0]: "a", entries[1]: "b", entries[2]: "c"])
        #expect(try await migrated.flowState(key).arrivals == [0: 2], "the rest of the state is kept")
        #expect(try await migrated.appliedMigrations() == [1, 2, 3, 4, 5, 6])
        try await migrated.dropSchema()
        await migrated.close()
    }

    /// A schema migrated by a newer program is not opened.
    @Test func aNewerSchemaIsRefused() async throws {
        let url = try #require(Self.url), schema = Self.freshSchema()
        let store = try await PostgresStore(url: url, schema: schema)
        var unit = EffectUnit()
        unit.contacts["a"] = ContactProfile(id: "a")
        try await store.commit(unit)
        try await store.execute(sql: "INSERT INTO schema_migrations (version) VALUES (99)")
        await #expect(throws: PostgresStoreError.self) { try await PostgresStore(url: url, schema: schema) }
        try await store.dropSchema()
        await store.close()
    }
}
