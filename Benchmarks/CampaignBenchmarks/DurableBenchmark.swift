import CampaignExamples
import CampaignFlows
import CampaignRuntime
import CampaignStorePostgres
import CampaignStoreSQLite
import Foundation
import GRDB
import Logging
import PostgresNIO

/// The durable stores' figures: contact-steps per second through the engine over SQLite, and over PostgreSQL
/// when `CAMPAIGNC_POSTGRES_URL` names a server, each beside plain inserts of as many rows into the same
/// database in the same run (the physical limit of that disk and library); then the latency from an event's
/// submission to the commit of the unit that processed it, at a fixed rate.
func durableBenchmark(repetitions: Int) async throws {
    let contacts = 10_000
    print("durable stores: \(contacts) contacts through abandoned-cart v2 (cart_abandoned, wait 2 h, send, wait 2 d, end),")
    print("events accepted first, then processed from the inbox and timers run; outbox actions written, not delivered")

    var engineRate = 0.0, baselineRate = 0.0, steps = 0, rowBytes = 0
    for _ in 0..<repetitions {
        let store = try SQLiteStore.temporary()
        let run = try await durableRun(store, contacts: contacts)
        let pool = try DatabasePool(path: store.path)
        rowBytes = try await pool.read { try Int.fetchOne($0, sql: "SELECT CAST(avg(length(visit)) AS INTEGER) FROM visit") } ?? 0
        let baseline = try await sqliteInserts(pool, rows: run.steps, bytes: rowBytes)
        try pool.close()
        steps = run.steps
        engineRate = max(engineRate, Double(run.steps) / run.seconds)
        baselineRate = max(baselineRate, Double(run.steps) / baseline)
    }
    print(String(format: "SQLite, engine               %12.0f contact-steps/s  (%d contact-steps; goal >= 50,000)", engineRate, steps))
    print(String(format: "SQLite, plain inserts        %12.0f rows/s  (%d rows of %d bytes, %d per transaction)",
                 baselineRate, steps, rowBytes, baselineRowsPerTransaction))
    print(String(format: "SQLite, engine / inserts     %12.2fx  (goal >= 0.33x)", engineRate / baselineRate))
    let latency = try await inboxLatency(try SQLiteStore.temporary(), rate: 2_000, seconds: 5)
    print(String(format: "SQLite, submission to commit  p50 %.1f ms, p99 %.1f ms  (2,000 events/s for 5 s)", latency.p50 * 1000, latency.p99 * 1000))

    guard let url = ProcessInfo.processInfo.environment["CAMPAIGNC_POSTGRES_URL"], !url.isEmpty else {
        print("PostgreSQL: skipped (set CAMPAIGNC_POSTGRES_URL, e.g. from scripts/postgres-test-server)")
        return
    }
    engineRate = 0
    baselineRate = 0
    for _ in 0..<repetitions {
        let store = try await PostgresStore.temporary(url: url)
        let run = try await durableRun(store, contacts: contacts)
        let baseline = try await postgresInserts(url: url, schema: store.schema, rows: run.steps, bytes: rowBytes)
        steps = run.steps
        engineRate = max(engineRate, Double(run.steps) / run.seconds)
        baselineRate = max(baselineRate, Double(run.steps) / baseline)
        await store.close()
    }
    print(String(format: "PostgreSQL, engine, 1 worker %12.0f contact-steps/s  (%d contact-steps; goal >= 10,000)", engineRate, steps))
    print(String(format: "PostgreSQL, plain inserts    %12.0f rows/s  (%d rows of %d bytes, %d per statement)",
                 baselineRate, steps, rowBytes, baselineRowsPerTransaction))
    print(String(format: "PostgreSQL, engine / inserts %12.2fx", engineRate / baselineRate))
    let pgLatency = try await inboxLatency(try await PostgresStore.temporary(url: url), rate: 500, seconds: 5)
    print(String(format: "PostgreSQL, submission to commit  p50 %.1f ms, p99 %.1f ms  (500 events/s for 5 s)", pgLatency.p50 * 1000, pgLatency.p99 * 1000))
}

/// Rows per transaction of the plain inserts: as many as the engine's timer batches commit at once.
let baselineRowsPerTransaction = CampaignEngine.timersPerUnit

/// An engine over `store` with `contacts` contacts, each with one `cart_abandoned` event accepted into the inbox.
private func engineWithInbox(_ store: any CampaignStore, contacts: Int, acceptEvents: Bool = true) async throws -> CampaignEngine {
    let engine = try await CampaignEngine(flows: [AbandonedCartV2()], store: store, clock: VirtualClock(now: 0), recordsTrace: false,
                                          deliversAfterEachUnit: false)
    var people = EffectUnit()
    for index in 0..<contacts {
        people.contacts["c\(index)"] = ContactProfile(id: "c\(index)", fields: ["gender": .string(index % 2 == 0 ? "female" : "male"),
                                                                             "email": .string("c\(index)@example.com")])
    }
    try await store.commit(people)
    if acceptEvents {
        var accepted = EffectUnit()
        accepted.inboxAdded = (0..<contacts).map(event)
        try await store.commit(accepted)
    }
    return engine
}

private func event(_ index: Int) -> InboxEvent {
    InboxEvent(id: "e\(index)", contact: "c\(index)", event: "cart_abandoned", payload: ["total": .decimal(50)], at: 0)
}

/// Timed: the inbox processed to its end, then every timer up to ten days later.
private func durableRun(_ store: any CampaignStore, contacts: Int) async throws -> (steps: Int, seconds: Double) {
    let engine = try await engineWithInbox(store, contacts: contacts)
    let start = DispatchTime.now().uptimeNanoseconds
    while try await engine.processInbox(limit: 256) > 0 {}
    try await engine.runTimers(upTo: 10 * 86_400)
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let steps = try await engine.report(FlowKey(campaign: "abandoned-cart", version: 2)).arrivalsPerStep.values.reduce(0, +)
    precondition(steps == 6 * contacts, "every contact goes through six steps")
    return (steps, seconds)
}

/// Seconds to insert `rows` rows of `bytes` bytes into a new table of the file, through GRDB's prepared
/// statements, ``baselineRowsPerTransaction`` per transaction.
private func sqliteInserts(_ pool: DatabasePool, rows: Int, bytes: Int) async throws -> Double {
    try await pool.write { try $0.execute(sql: "CREATE TABLE baseline (id INTEGER PRIMARY KEY, body TEXT NOT NULL)") }
    let body = String(repeating: "x", count: bytes)
    let start = DispatchTime.now().uptimeNanoseconds
    for first in stride(from: 0, to: rows, by: baselineRowsPerTransaction) {
        try await pool.write { db in
            let insert = try db.cachedStatement(sql: "INSERT INTO baseline (id, body) VALUES (?, ?)")
            for id in first..<min(first + baselineRowsPerTransaction, rows) { try insert.execute(arguments: [id, body]) }
        }
    }
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Seconds to insert `rows` rows of `bytes` bytes into a new table of `schema` through postgres-nio, one
/// `unnest` statement (its own transaction) per ``baselineRowsPerTransaction`` rows.
private func postgresInserts(url: String, schema: String, rows: Int, bytes: Int) async throws -> Double {
    let client = PostgresClient(configuration: try ServerAddress(url: url).clientConfiguration)
    let runner = Task { await client.run() }
    defer { runner.cancel() }
    let logger = Logger(label: "campaignc-bench")
    let table = "\(schema).baseline"
    _ = try await client.query("CREATE TABLE \(unescaped: table) (id bigint PRIMARY KEY, body text NOT NULL)", logger: logger).collect()
    let body = String(repeating: "x", count: bytes)
    let start = DispatchTime.now().uptimeNanoseconds
    for first in stride(from: 0, to: rows, by: baselineRowsPerTransaction) {
        let ids = (first..<min(first + baselineRowsPerTransaction, rows)).map(Int64.init)
        let bodies = Array(repeating: body, count: ids.count)
        _ = try await client.query("""
            INSERT INTO \(unescaped: table) (id, body) SELECT * FROM unnest(\(ids)::bigint[], \(bodies)::text[])
            """, logger: logger).collect()
    }
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Submits `rate` events a second for `seconds` seconds, each accepted into the inbox as the service does,
/// while one engine processes the inbox (polling it every millisecond when empty); returns the median and
/// 99th percentile of the time from an event's submission to the commit of the unit that processed it.
private func inboxLatency(_ store: any CampaignStore, rate: Int, seconds: Int) async throws -> (p50: Double, p99: Double) {
    let total = rate * seconds
    let engine = try await engineWithInbox(store, contacts: total, acceptEvents: false)
    let submitted = SubmissionTimes()
    let producer = Task {
        let start = DispatchTime.now().uptimeNanoseconds
        for index in 0..<total {
            let due = start + UInt64(index) * 1_000_000_000 / UInt64(rate)
            let now = DispatchTime.now().uptimeNanoseconds
            if due > now { try await Task.sleep(nanoseconds: due - now) }
            submitted.record("e\(index)")
            var unit = EffectUnit()
            unit.inboxAdded = [event(index)]
            try await store.commit(unit)
        }
    }
    var latencies: [Double] = []
    while latencies.count < total {
        let ids = try await store.inbox(limit: 256).map(\.id)
        if ids.isEmpty {
            try await Task.sleep(nanoseconds: 1_000_000)
            continue
        }
        // The same events: the inbox is taken in acceptance order, and only this engine takes from it.
        try await engine.processInbox(limit: ids.count)
        let committed = DispatchTime.now().uptimeNanoseconds
        for id in ids { latencies.append(Double(committed - submitted.time(id)) / 1e9) }
    }
    try await producer.value
    latencies.sort()
    return (latencies[latencies.count / 2], latencies[latencies.count * 99 / 100])
}

/// When each event was submitted, shared by the producer and the consumer.
private final class SubmissionTimes: @unchecked Sendable {
    private let lock = NSLock()
    private var times: [String: UInt64] = [:]

    func record(_ id: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        lock.withLock { times[id] = now }
    }

    func time(_ id: String) -> UInt64 {
        lock.withLock { times[id] ?? 0 }
    }
}
