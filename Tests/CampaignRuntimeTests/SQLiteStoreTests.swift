import Foundation
import Testing
import CampaignFlows
@testable import CampaignRuntime
@testable import CampaignStoreSQLite
import GRDB

/// A database file under the temporary directory, removed (with its WAL) when `body` is done.
func withDatabaseFile(_ body: (String) async throws -> Void) async throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("campaignc-test-\(UUID().uuidString).sqlite").path
    defer {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
    try await body(path)
}

/// What only a database store must do: keep its state across a close, migrate itself, and carry an engine
/// through a restart.
@Suite struct SQLiteStoreTests {
    static let flow = StoreConformanceTests.flow

    @Test func aCommittedUnitIsReadBackAfterReopeningTheFile() async throws {
        try await withDatabaseFile { path in
            var contact = subscriber("a")
            contact.consent.hardBounced = ["sms"]
            var state = FlowRuntimeState()
            state.outcomes["success"] = 2
            var unit = EffectUnit()
            unit.contacts["a"] = contact
            unit.visits[StoreConformanceTests.visit("a", 1).key] = StoreConformanceTests.visit("a", 1)
            unit.flows[Self.flow] = state
            unit.timersAdded = [StoreConformanceTests.timer(10, 1)]
            unit.actions = [StoreConformanceTests.action("a", "s1", at: 3)]
            let first = try SQLiteStore(path: path)
            try await first.commit(unit)
            let sequence = try await first.nextSequence()
            try first.close()

            let second = try SQLiteStore(path: path)
            #expect(try await second.contact("a") == contact)
            #expect(try await second.visits(of: "a") == [StoreConformanceTests.visit("a", 1)])
            #expect(try await second.flowState(Self.flow) == state)
            #expect(try await second.nextTimerDue() == 10)
            #expect(try await second.deliveries(of: Self.flow) == DeliveryCounts(pending: 1))
            #expect(try await second.nextSequence() > sequence, "the sequence goes on from where it was")
            #expect(try await second.claimActions(dueBy: 3, limit: 10, lease: 60).map(\.request) == [StoreConformanceTests.action("a", "s1", at: 3)])
        }
    }

    @Test func aTimerClaimedByAStoreThatWentAwayComesBackAfterItsLease() async throws {
        try await withDatabaseFile { path in
            let first = try SQLiteStore(path: path)
            var unit = EffectUnit()
            unit.timersAdded = [StoreConformanceTests.timer(10, 1), StoreConformanceTests.timer(20, 2)]
            try await first.commit(unit)
            #expect(try await first.claimTimers(dueBy: 10, limit: 10, lease: 0.5).map(\.sequence) == [1])
            try first.close()  // the worker dies holding its claim

            let second = try SQLiteStore(path: path)
            #expect(try await second.claimTimers(dueBy: 10, limit: 10, lease: 60).isEmpty, "still leased")
            try await Task.sleep(for: .milliseconds(700))
            let again = try await second.claimTimers(dueBy: 20, limit: 10, lease: 60)
            #expect(again.map(\.sequence) == [1, 2])
            #expect(again.first == StoreConformanceTests.timer(10, 1))
        }
    }

    @Test func theSchemaIsMigratedOnceAndItsVersionRecorded() async throws {
        try await withDatabaseFile { path in
            let first = try SQLiteStore(path: path)
            var unit = EffectUnit()
            unit.contacts["a"] = subscriber("a")
            try await first.commit(unit)
            #expect(try await first.appliedMigrations() == ["v1", "v2", "v3", "v4", "v5"])
            let second = try SQLiteStore(path: path)  // opened twice at once: nothing to migrate the second time
            #expect(try await second.appliedMigrations() == ["v1", "v2", "v3", "v4", "v5"])
            #expect(try await second.contact("a") == subscriber("a"))
            try first.close()
            try second.close()

            let queue = try DatabaseQueue(path: path)
            let tables = try await queue.read { db in
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            }
            #expect(tables == ["contact", "dedupe", "definition", "deployment", "flow", "grdb_migrations", "inbox", "input", "journal", "outbox", "sequence", "setting", "timer", "visit"])
            #expect(try await queue.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
            // A file migrated by a newer program is refused, not guessed at.
            try await queue.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99')") }
            try queue.close()
            #expect(throws: SQLiteStoreError.self) { try SQLiteStore(path: path) }
        }
    }

    @Test func dedupeRegistersKeptInFlowStatesBeforeVersion5BecomeRows() async throws {
        try await withDatabaseFile { path in
            let queue = try DatabaseQueue(path: path)
            try SQLiteStore.migrator.migrate(queue, upTo: "v4")
            // A flow's state as version 4 wrote it: its dedupe registers inside, by state, then value.
            var counted = FlowRuntimeState()
            counted.arrivals[0] = 2
            let encoded = String(decoding: try JSONEncoder().encode(counted), as: UTF8.self)
            let state = String(encoded.dropLast()) + #","deduplicated":{"0":{"x@example.com":"a","y@example.com":"b"},"3":{"+331":"c"}}}"#
            try await queue.write { db in
                try db.execute(sql: "INSERT INTO flow (campaign, version, state) VALUES ('c', 1, ?)", arguments: [state])
            }
            try queue.close()
            let store = try SQLiteStore(path: path)
            let key = FlowKey(campaign: "c", version: 1)
            let entries = [DedupeKey(flow: key, state: 0, value: "x@example.com"), DedupeKey(flow: key, state: 0, value: "y@example.com"),
                           DedupeKey(flow: key, state: 3, value: "+331"), DedupeKey(flow: key, state: 3, value: "x@example.com")]
            #expect(try await store.keptContacts(entries) == [entries[0]: "a", entries[1]: "b", entries[2]: "c"])
            #expect(try await store.flowState(key).arrivals == [0: 2], "the rest of the state is kept")
            try store.close()
            let reopened = try DatabaseQueue(path: path)
            let stored = try await reopened.read { db in try String.fetchOne(db, sql: "SELECT state FROM flow") }
            #expect(stored?.contains("deduplicated") == false)
            try reopened.close()
        }
    }

    @Test func theIndexesServeTheQueriesThatNeedThem() async throws {
        try await withDatabaseFile { path in
            _ = try SQLiteStore(path: path)
            let queue = try DatabaseQueue(path: path)
            func plan(_ sql: String) throws -> String {
                try queue.read { db in
                    try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String }.joined(separator: "; ")
                }
            }
            let byFlow = try plan("SELECT visit FROM visit WHERE campaign = 'c' AND version = 1 ORDER BY contact, number")
            #expect(byFlow.contains("visit_by_flow") && !byFlow.contains("TEMP B-TREE"), "\(byFlow)")
            let timers = try plan("""
                SELECT sequence FROM timer WHERE due <= 5 AND (claimed_until IS NULL OR claimed_until <= 1)
                ORDER BY due, sequence LIMIT 10
                """)
            #expect(timers.contains("timer_by_due") && !timers.contains("TEMP B-TREE"), "\(timers)")
            let outbox = try plan("""
                SELECT rowid FROM outbox WHERE dead = 0 AND next_attempt_at <= 5 AND (claimed_until IS NULL OR claimed_until <= 1)
                ORDER BY next_attempt_at, rowid LIMIT 10
                """)
            #expect(outbox.contains("outbox_due") && !outbox.contains("TEMP B-TREE"), "\(outbox)")
            try queue.close()
        }
    }

    @Test func commitsThatQueueUpAreEachAppliedWhole() async throws {
        let store = try SQLiteStore.temporary()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    let id = String(format: "c%03d", index)
                    var unit = EffectUnit()
                    unit.contacts[id] = subscriber(id)
                    unit.visits[StoreConformanceTests.visit(id, 1).key] = StoreConformanceTests.visit(id, 1)
                    unit.actions = [StoreConformanceTests.action(id, "s1")]
                    try await store.commit(unit)
                    #expect(try await store.contact(id) == subscriber(id), "a commit is visible once it returns")
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.allContactIDs().count == 200)
        #expect(try await store.visits(in: Self.flow).count == 200)
        #expect(try await store.deliveries(of: Self.flow) == DeliveryCounts(pending: 200))
    }

    @Test func commitsQueuedBehindABusyWriterShareATransaction() async throws {
        let store = try SQLiteStore.temporary()
        let busy = Task { try await store.writer.write { _ in Thread.sleep(forTimeInterval: 0.3) } }
        try await Task.sleep(for: .milliseconds(50))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<50 {
                group.addTask {
                    var unit = EffectUnit()
                    unit.contacts["c\(index)"] = subscriber("c\(index)")
                    try await store.commit(unit)
                }
            }
            try await group.waitForAll()
        }
        try await busy.value
        #expect(try await store.allContactIDs().count == 50)
        #expect(store.commitTransactions < 10, "\(store.commitTransactions) transactions for 50 queued units")
    }

    // MARK: An engine over the file

    /// Two contacts through send, a one-hour wait and an end.
    static func script(_ engine: CampaignEngine, _ clock: VirtualClock) async throws {
        try await engine.upsertContact(subscriber("a"))
        try await engine.upsertContact(subscriber("b"))
        try await engine.handle(event: "signup", contact: "a")
        clock.now = 100
        try await engine.handle(event: "signup", contact: "b")
    }

    @Test func anEngineRunsAFlowOverTheFileAsOverMemory() async throws {
        func run(_ store: any CampaignStore) async throws -> (trace: [TraceEvent], sent: [ActionRequest], visits: [Visit], report: FlowReport) {
            let clock = VirtualClock(now: 0)
            let channels = RecordingChannels()
            let engine = try await CampaignEngine(flows: [makeFlow(sendThenWaitThenEnd)], store: store, channels: channels, clock: clock)
            try await Self.script(engine, clock)
            try await engine.handle(event: "signup", contact: "a")  // repeat policy `many`: a second visit
            try await engine.advance(to: 10_000)
            clock.now = 10_000
            return (await engine.trace, channels.performed,
                    try await store.visits(of: "a") + store.visits(of: "b"), try await engine.report(Self.flow))
        }
        let memory = try await run(InMemoryStore())
        let sqlite = try await run(try SQLiteStore.temporary())
        #expect(sqlite.trace == memory.trace)
        #expect(sqlite.sent == memory.sent)
        #expect(sqlite.visits == memory.visits)
        #expect(sqlite.report == memory.report)
        #expect(memory.visits.map(\.outcome) == [.campaign(.success), .campaign(.success), .campaign(.success)])
    }

    @Test func afterARestartPendingTimersFireAndNothingIsSentTwice() async throws {
        // The reference: one engine, no restart.
        let memoryClock = VirtualClock(now: 0)
        let memoryChannels = RecordingChannels()
        let memory = try await CampaignEngine(flows: [makeFlow(sendThenWaitThenEnd)], channels: memoryChannels, clock: memoryClock)
        try await Self.script(memory, memoryClock)
        try await memory.advance(to: 10_000)
        let memoryTrace = await memory.trace

        try await withDatabaseFile { path in
            // The first process: a's send is delivered, b's is still in the outbox, and a's timer was claimed
            // by a worker that died before firing it.
            let clock = VirtualClock(now: 0)
            let firstChannels = RecordingChannels()
            let firstStore = try SQLiteStore(path: path)
            let first = try await CampaignEngine(flows: [makeFlow(sendThenWaitThenEnd)], store: firstStore, channels: firstChannels,
                                                 clock: clock, deliversAfterEachUnit: false)
            try await first.upsertContact(subscriber("a"))
            try await first.upsertContact(subscriber("b"))
            try await first.handle(event: "signup", contact: "a")
            try await first.dispatcher.deliverDue(asOf: 0)
            clock.now = 100
            try await first.handle(event: "signup", contact: "b")
            #expect(try await firstStore.claimTimers(dueBy: 3_600, limit: 1, lease: 0.2).count == 1)
            let firstTrace = await first.trace
            try firstStore.close()

            // The restart: a new store and engine on the same file.
            try await Task.sleep(for: .milliseconds(300))
            let secondChannels = RecordingChannels()
            let secondStore = try SQLiteStore(path: path)
            let second = try await CampaignEngine(flows: [makeFlow(sendThenWaitThenEnd)], store: secondStore, channels: secondChannels,
                                                  clock: clock)
            try await second.dispatcher.deliverDue()  // what the outbox still holds goes out on restart
            try await second.advance(to: 10_000)
            let secondTrace = await second.trace

            #expect(firstTrace + secondTrace == memoryTrace)
            let sent = firstChannels.performed + secondChannels.performed
            #expect(sent == memoryChannels.performed)
            #expect(Set(sent.map(\.key)).count == sent.count, "no key sent twice")
            #expect(try await secondStore.visits(of: "a").map(\.outcome) == [.campaign(.success)])
            #expect(try await secondStore.visits(of: "b").map(\.outcome) == [.campaign(.success)])
            #expect(try await secondStore.nextTimerDue() == nil)
            #expect(try await secondStore.deliveries(of: Self.flow) == DeliveryCounts())
            try secondStore.close()
        }
    }

    @Test func aVisitWaitingForAConditionWaitsOnAcrossARestart() async throws {
        try await withDatabaseFile { path in
            try await StoreConformanceTests.waitAcrossARestart(open: { try SQLiteStore(path: path) },
                                                               close: { try $0.close() })
        }
    }
}
