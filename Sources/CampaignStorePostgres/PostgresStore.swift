import CampaignFlows
import CampaignRuntime
import Foundation
import PostgresNIO

/// A ``CampaignStore`` in a PostgreSQL database, through postgres-nio: for several processes (and machines)
/// sharing one database.
///
/// The store owns a `PostgresClient` (a connection pool) whose `run()` it keeps in a task until ``close()``.
/// Its tables live in one schema (`public` unless told otherwise), created and migrated by the store when it
/// opens (``migrations``, recorded in `schema_migrations`, under an advisory lock so that processes opening
/// the database together migrate it once). docs/storage.md describes the tables. Values are stored as the JSON
/// encoding of the runtime's `Codable` types in `bytea` columns, beside the columns that queries filter and
/// order on.
///
/// Every ``commit(_:)`` is one transaction. Timers and outbox actions are claimed with
/// `SELECT ... FOR UPDATE SKIP LOCKED` in due order, in the statement that sets their lease
/// (`claimed_until`, in the server's real time): two processes never claim the same row while a lease holds,
/// and a dead process's claims are offered again when their lease ends.
///
/// Units are serialized across processes: ``lockUnits()`` takes a session-level advisory lock on a connection
/// of its own, outside the pool, so a process that dies lets go of it with its connection. Only one unit runs at a
/// time over the whole schema, whichever process runs it; accepting events, claiming, delivering and reading
/// are not serialized.
public final class PostgresStore: CampaignStore {
    /// The schema holding the store's tables.
    public let schema: String
    private let client: PostgresClient
    /// Runs the client's `run()`: cancelling it closes the pool.
    private let runner: Task<Void, Never>
    private let logger: Logger
    /// Whether the schema is dropped when the store goes away (``temporary(url:)``).
    private let dropsSchemaAtDeinit: Bool
    /// The session holding the unit lock while this process runs a unit.
    private let unitLock: UnitLock
    /// Units that only add inbox events, committed together when they queue up (``commitInboxUnits(_:_:_:)``).
    private let inboxCommits: GroupCommit<UnitRows>

    /// The migrations this program knows, in order: a version and its statements. The versions applied to a
    /// schema are recorded in its `schema_migrations` table. A change to the schema is a new migration, never
    /// an edit of an applied one.
    public static let migrations: [(version: Int, statements: [String])] = [
        (1, [
            """
            CREATE TABLE contact (
                id text COLLATE "C" PRIMARY KEY,
                profile bytea NOT NULL
            )
            """,
            """
            CREATE TABLE visit (
                contact text COLLATE "C" NOT NULL,
                campaign text COLLATE "C" NOT NULL,
                version bigint NOT NULL,
                number bigint NOT NULL,
                active boolean NOT NULL,
                visit bytea NOT NULL,
                PRIMARY KEY (contact, campaign, version, number)
            )
            """,
            "CREATE INDEX visit_by_flow ON visit (campaign, version, contact, number)",
            """
            CREATE TABLE flow (
                campaign text COLLATE "C" NOT NULL,
                version bigint NOT NULL,
                state bytea NOT NULL,
                PRIMARY KEY (campaign, version)
            )
            """,
            """
            CREATE TABLE timer (
                sequence bigint PRIMARY KEY,
                due double precision NOT NULL,
                kind bytea NOT NULL,
                claimed_until double precision
            )
            """,
            "CREATE INDEX timer_by_due ON timer (due, sequence)",
            """
            CREATE TABLE outbox (
                key text COLLATE "C" PRIMARY KEY,
                written bigint GENERATED ALWAYS AS IDENTITY,
                campaign text COLLATE "C" NOT NULL,
                version bigint NOT NULL,
                request bytea NOT NULL,
                attempts integer NOT NULL DEFAULT 0,
                next_attempt_at double precision NOT NULL,
                dead boolean NOT NULL DEFAULT false,
                claimed_until double precision
            )
            """,
            "CREATE INDEX outbox_due ON outbox (next_attempt_at, written) WHERE NOT dead",
            "CREATE INDEX outbox_by_flow ON outbox (campaign, version)",
            "CREATE SEQUENCE sequence_number AS bigint",
        ]),
        // Inputs submitted with an id, so that each is processed once.
        (2, ["CREATE TABLE input (id text COLLATE \"C\" PRIMARY KEY, digest bigint NOT NULL)"]),
        // The service's inbox of accepted events, the contacts' journeys, and the contact each timer and outbox
        // action is about (for erasure).
        (3, [
            """
            CREATE TABLE inbox (
                sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id text COLLATE "C" NOT NULL UNIQUE,
                digest bigint NOT NULL,
                contact text COLLATE "C" NOT NULL,
                event bytea NOT NULL
            )
            """,
            "CREATE INDEX inbox_by_contact ON inbox (contact)",
            """
            CREATE TABLE journal (
                sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                contact text COLLATE "C" NOT NULL,
                entry bytea NOT NULL
            )
            """,
            "CREATE INDEX journal_by_contact ON journal (contact, sequence)",
            "ALTER TABLE outbox ADD COLUMN contact text COLLATE \"C\"",
            "UPDATE outbox SET contact = key::jsonb ->> 0",
            "CREATE INDEX outbox_by_contact ON outbox (contact)",
            "ALTER TABLE timer ADD COLUMN contact text COLLATE \"C\"",
            "UPDATE timer SET contact = convert_from(kind, 'UTF8')::jsonb #>> '{wake,_0,contact}'",
            "CREATE INDEX timer_by_contact ON timer (contact)",
        ]),
        // Campaign versions deployed through the service, and the schema of each deployment.
        (4, [
            """
            CREATE TABLE definition (
                campaign text COLLATE "C" NOT NULL,
                version bigint NOT NULL,
                definition bytea NOT NULL,
                PRIMARY KEY (campaign, version)
            )
            """,
            "CREATE TABLE deployment (sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, schema bytea NOT NULL)",
            "CREATE TABLE setting (name text COLLATE \"C\" PRIMARY KEY, value text NOT NULL)",
        ]),
        // Dedupe registers as rows of their own, out of the flows' state, which kept them until now.
        (5, [
            """
            CREATE TABLE dedupe (
                campaign text COLLATE "C" NOT NULL,
                version bigint NOT NULL,
                state bigint NOT NULL,
                value text COLLATE "C" NOT NULL,
                contact text COLLATE "C" NOT NULL,
                PRIMARY KEY (campaign, version, state, value)
            )
            """,
            "CREATE INDEX dedupe_by_contact ON dedupe (contact)",
            """
            INSERT INTO dedupe (campaign, version, state, value, contact)
            SELECT flow.campaign, flow.version, register.key::bigint, entry.key, entry.value
            FROM flow, jsonb_each(convert_from(flow.state, 'UTF8')::jsonb -> 'deduplicated') AS register,
                 jsonb_each_text(register.value) AS entry
            """,
            """
            UPDATE flow SET state = convert_to((convert_from(state, 'UTF8')::jsonb - 'deduplicated')::text, 'UTF8')
            WHERE convert_from(state, 'UTF8')::jsonb ? 'deduplicated'
            """,
        ]),
        // The session that claimed a timer or an action: a claim whose session is gone is free at once.
        (6, [
            "ALTER TABLE timer ADD COLUMN claimed_by integer",
            "ALTER TABLE outbox ADD COLUMN claimed_by integer",
        ]),
    ]

    /// The first key of the advisory lock taken around migrations (the second is the schema's name hashed):
    /// "campaign" in ASCII, to keep clear of other programs' locks.
    static let migrationLockKey: Int32 = 0x6361_6D70
    /// The first key of the advisory lock that serializes units (the second is the schema's name hashed): "unit"
    /// in ASCII.
    static let unitLockKey: Int32 = 0x756E_6974

    /// Opens the store on `url` (`postgres://user:password@host:port/database`, with an optional
    /// `?sslmode=disable|prefer|require`; TLS is off by default for a loopback host and preferred otherwise),
    /// creating `schema` if needed and migrating it. Throws when the schema was migrated by a newer program.
    public convenience init(url: String, schema: String = "public", maximumConnections: Int = 10) async throws {
        try await self.init(url: url, schema: schema, maximumConnections: maximumConnections, dropsSchemaAtDeinit: false)
    }

    private init(url: String, schema: String, maximumConnections: Int, dropsSchemaAtDeinit: Bool) async throws {
        guard Self.isPlainIdentifier(schema) else { throw PostgresStoreError.invalidSchemaName(schema) }
        let address = try ServerAddress(url: url)
        var configuration = address.clientConfiguration
        configuration.options.maximumConnections = max(1, maximumConnections)
        // Unqualified names resolve in the store's schema, on every connection of the pool.
        configuration.options.additionalStartupParameters = [("search_path", schema)]
        var logger = Logger(label: "CampaignStorePostgres")
        logger.logLevel = .warning
        // The pool's own log, errors only: the first lease (the migration's) may come before the task below has
        // started run(), which postgres-nio reports as a warning although the lease just waits for it.
        var poolLogger = logger
        poolLogger.logLevel = .error
        let client = PostgresClient(configuration: configuration, backgroundLogger: poolLogger)
        self.schema = schema
        self.client = client
        self.logger = logger
        self.dropsSchemaAtDeinit = dropsSchemaAtDeinit
        unitLock = UnitLock(address: address, schema: schema, logger: logger)
        inboxCommits = GroupCommit(maximumBatch: 256) { [logger] units in try await Self.commitInboxUnits(units, client, logger) }
        runner = Task { await client.run() }
        do {
            try await migrate()
        } catch {
            runner.cancel()
            throw error
        }
    }

    /// A store in a new schema with a unique name (`campaignc_test_...`), dropped with its tables when the
    /// store goes away: for tests.
    public static func temporary(url: String) async throws -> PostgresStore {
        let schema = "campaignc_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        return try await PostgresStore(url: url, schema: schema, maximumConnections: 4, dropsSchemaAtDeinit: true)
    }

    deinit {
        let runner = runner
        guard dropsSchemaAtDeinit else {
            runner.cancel()
            return
        }
        // Best effort: a process that exits first leaves the schema behind.
        let client = client, logger = logger, drop = Self.dropStatement(schema)
        Task {
            _ = try? await client.query(drop, logger: logger).collect()
            runner.cancel()
        }
    }

    /// Closes the connection pool and the unit lock's session (which releases the lock): later calls fail.
    public func close() async {
        await unitLock.close()
        runner.cancel()
        await runner.value
    }

    /// Drops the store's schema and everything in it. The store is unusable afterwards.
    public func dropSchema() async throws {
        try await rows(Self.dropStatement(schema))
    }

    /// The migration versions applied to the schema, in order (`[1, 2, 3]` today).
    public func appliedMigrations() async throws -> [Int] {
        try await rows("SELECT version FROM schema_migrations ORDER BY version").map { try $0.decode(Int.self) }
    }

    // MARK: Migrations

    private func migrate() async throws {
        do {
            try await applyMigrations()
        } catch let error as PostgresTransactionError {
            // Our own errors come out as they were thrown, not wrapped in the transaction's.
            if let ours = error.closureError as? PostgresStoreError { throw ours }
            throw error
        }
    }

    private func applyMigrations() async throws {
        let schema = schema, logger = logger
        try await client.withTransaction(logger: logger) { connection in
            // Held until the transaction ends: processes opening the database together migrate it one at a time,
            // and the later ones find the work done (every statement below reads what the earlier one committed).
            try await connection.rows("SELECT pg_advisory_xact_lock(\(Self.migrationLockKey), hashtext(\(schema)))", logger)
            if try await connection.rows("SELECT 1 FROM pg_namespace WHERE nspname = \(schema)", logger).isEmpty {
                try await connection.rows("CREATE SCHEMA \(unescaped: Self.quoted(schema))", logger)
            }
            try await connection.rows("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, logger)
            let applied = Set(try await connection.rows("SELECT version FROM schema_migrations", logger).map { try $0.decode(Int.self) })
            let known = Set(Self.migrations.map(\.version))
            if let unknown = applied.subtracting(known).max() {
                throw PostgresStoreError.newerSchema(schema: schema, version: unknown)
            }
            for migration in Self.migrations where !applied.contains(migration.version) {
                for statement in migration.statements {
                    try await connection.rows("\(unescaped: statement)", logger)
                }
                try await connection.rows("INSERT INTO schema_migrations (version) VALUES (\(migration.version))", logger)
            }
        }
    }

    // MARK: Reads

    public func contact(_ id: String) async throws -> ContactProfile? {
        try await rows("SELECT profile FROM contact WHERE id = \(id)").first.map { try Self.decode(ContactProfile.self, $0.decode(Data.self)) }
    }

    public func contactIDs(after: String?, limit: Int) async throws -> [String] {
        let page = if let after {
            try await rows("SELECT id FROM contact WHERE id > \(after) ORDER BY id LIMIT \(limit)")
        } else {
            try await rows("SELECT id FROM contact ORDER BY id LIMIT \(limit)")
        }
        return try page.map { try $0.decode(String.self) }
    }

    public func visits(of contact: String) async throws -> [Visit] {
        try await rows("SELECT visit FROM visit WHERE contact = \(contact) ORDER BY campaign, version, number")
            .map { try Self.decode(Visit.self, $0.decode(Data.self)) }
    }

    public func contacts(_ ids: [String]) async throws -> [String: ContactProfile] {
        var profiles: [String: ContactProfile] = [:]
        for row in try await rows("SELECT id, profile FROM contact WHERE id = ANY(\(ids)::text[])") {
            let (id, profile) = try row.decode((String, Data).self)
            profiles[id] = try Self.decode(ContactProfile.self, profile)
        }
        return profiles
    }

    public func visits(ofContacts ids: [String]) async throws -> [String: [Visit]] {
        var visits: [String: [Visit]] = [:]
        for row in try await rows("""
            SELECT contact, visit FROM visit WHERE contact = ANY(\(ids)::text[]) ORDER BY contact, campaign, version, number
            """) {
            let (contact, visit) = try row.decode((String, Data).self)
            visits[contact, default: []].append(try Self.decode(Visit.self, visit))
        }
        return visits
    }

    public func processedInputs(_ ids: [String]) async throws -> [String: UInt64] {
        var digests: [String: UInt64] = [:]
        for row in try await rows("SELECT id, digest FROM input WHERE id = ANY(\(ids)::text[])") {
            let (id, digest) = try row.decode((String, Int64).self)
            digests[id] = UInt64(bitPattern: digest)
        }
        return digests
    }

    public func visits(in flow: FlowKey) async throws -> [Visit] {
        // Served by visit_by_flow, whose entries are in this order: no sort.
        try await rows("""
            SELECT visit FROM visit WHERE campaign = \(flow.campaign) AND version = \(flow.version) ORDER BY contact, number
            """).map { try Self.decode(Visit.self, $0.decode(Data.self)) }
    }

    public func flowState(_ flow: FlowKey) async throws -> FlowRuntimeState {
        try await rows("SELECT state FROM flow WHERE campaign = \(flow.campaign) AND version = \(flow.version)")
            .first.map { try Self.decode(FlowRuntimeState.self, $0.decode(Data.self)) } ?? FlowRuntimeState()
    }

    public func keptContacts(_ keys: [DedupeKey]) async throws -> [DedupeKey: String] {
        guard !keys.isEmpty else { return [:] }
        let campaigns = keys.map(\.flow.campaign), versions = keys.map(\.flow.version)
        let states = keys.map(\.state), values = keys.map(\.value)
        var kept: [DedupeKey: String] = [:]
        for row in try await rows("""
            SELECT d.campaign, d.version, d.state, d.value, d.contact
            FROM unnest(\(campaigns)::text[], \(versions)::bigint[], \(states)::bigint[], \(values)::text[]) AS k (campaign, version, state, value)
            JOIN dedupe d ON d.campaign = k.campaign AND d.version = k.version AND d.state = k.state AND d.value = k.value
            """) {
            let (campaign, version, state, value, contact) = try row.decode((String, Int, Int, String, String).self)
            kept[DedupeKey(flow: FlowKey(campaign: campaign, version: version), state: state, value: value)] = contact
        }
        return kept
    }

    public func processedInput(_ id: String) async throws -> UInt64? {
        try await rows("SELECT digest FROM input WHERE id = \(id)").first.map { UInt64(bitPattern: try $0.decode(Int64.self)) }
    }

    public func nextTimerDue() async throws -> Double? {
        try await rows("SELECT min(due) FROM timer").first?.decode(Double?.self) ?? nil
    }

    public func deliveries(of flow: FlowKey) async throws -> DeliveryCounts {
        let result = try await rows("""
            SELECT dead, attempts > 0, count(*) FROM outbox
            WHERE campaign = \(flow.campaign) AND version = \(flow.version) GROUP BY 1, 2
            """)
        var counts = DeliveryCounts()
        for row in result {
            let (dead, failed, count) = try row.decode((Bool, Bool, Int).self)
            if dead { counts.dead += count } else if failed { counts.failed += count } else { counts.pending += count }
        }
        return counts
    }

    // MARK: Claims

    /// The server's real time in seconds since 1970: leases are measured on one clock whichever machine claims.
    private static let now = "extract(epoch FROM clock_timestamp())::double precision"

    /// A claim that no longer holds: its lease ended, or the session that made it is gone (its process was
    /// killed or closed the store), which the server knows at once from its list of sessions.
    private static let claimLapsed = """
        (claimed_until IS NULL OR claimed_until <= extract(epoch FROM clock_timestamp())::double precision
         OR NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = claimed_by))
        """

    public func claimTimers(dueBy time: Double, limit: Int, lease: Double) async throws -> [PendingTimer] {
        let claimer = try await unitLock.sessionProcess()
        // One statement, so one transaction: lock the due, unleased rows in due order, skipping rows another
        // transaction holds (a concurrent claim or a commit firing them), and lease them.
        let result = try await rows("""
            WITH due AS (
                SELECT sequence FROM timer
                WHERE due <= \(time) AND \(unescaped: Self.claimLapsed)
                ORDER BY due, sequence
                LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            )
            UPDATE timer SET claimed_until = \(unescaped: Self.now) + \(lease), claimed_by = \(claimer)
            FROM due WHERE timer.sequence = due.sequence
            RETURNING timer.sequence, timer.due, timer.kind
            """)
        return try result.map { row in
            let (sequence, due, kind) = try row.decode((Int64, Double, Data).self)
            return PendingTimer(due: due, sequence: UInt64(bitPattern: sequence), kind: try Self.decode(PendingTimer.Kind.self, kind))
        }.sorted()  // RETURNING keeps no order
    }

    public func claimActions(dueBy time: Double, limit: Int, lease: Double) async throws -> [OutboxEntry] {
        let claimer = try await unitLock.sessionProcess()
        // Longest due first, then in the order written: served by the partial index outbox_due.
        let result = try await rows("""
            WITH due AS (
                SELECT key FROM outbox
                WHERE NOT dead AND next_attempt_at <= \(time) AND \(unescaped: Self.claimLapsed)
                ORDER BY next_attempt_at, written
                LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            )
            UPDATE outbox SET claimed_until = \(unescaped: Self.now) + \(lease), claimed_by = \(claimer)
            FROM due WHERE outbox.key = due.key
            RETURNING outbox.request, outbox.attempts, outbox.next_attempt_at, outbox.written
            """)
        return try result.map { row in
            let (request, attempts, next, written) = try row.decode((Data, Int, Double, Int64).self)
            return (entry: OutboxEntry(request: try Self.decode(ActionRequest.self, request), attempts: attempts, nextAttemptAt: next),
                    written: written)
        }
        .sorted { ($0.entry.nextAttemptAt, $0.written) < ($1.entry.nextAttemptAt, $1.written) }
        .map(\.entry)
    }

    public func settle(_ key: IdempotencyKey, _ result: DeliveryResult, at time: Double, keepsJournal: Bool) async throws {
        let text = try Self.outboxKey(key)
        let logger = logger
        try await client.withTransaction(logger: logger) { connection in
            guard let attempts = try await connection.rows("SELECT attempts FROM outbox WHERE key = \(text) FOR UPDATE", logger)
                .first?.decode(Int.self) else { return }
            switch result {
            case .delivered:
                try await connection.rows("DELETE FROM outbox WHERE key = \(text)", logger)
            case .retry(let at):
                try await connection.rows("""
                    UPDATE outbox SET attempts = attempts + 1, next_attempt_at = \(at), claimed_until = NULL WHERE key = \(text)
                    """, logger)
            case .dead:
                try await connection.rows("UPDATE outbox SET attempts = attempts + 1, dead = true, claimed_until = NULL WHERE key = \(text)", logger)
            }
            if keepsJournal, let line = JournalEntry(settling: key, result, attempts: attempts + 1, at: time) {
                try await connection.rows("INSERT INTO journal (contact, entry) VALUES (\(line.contact), \(ByteBuffer(bytes: try Self.encode(line))))", logger)
            }
        }
    }

    public func revive(_ key: IdempotencyKey, at time: Double) async throws -> Bool {
        let text = try Self.outboxKey(key)
        return try await !rows("""
            UPDATE outbox SET dead = false, attempts = 0, next_attempt_at = \(time), claimed_until = NULL
            WHERE key = \(text) AND dead RETURNING key
            """).isEmpty
    }

    public func outboxDepth() async throws -> DeliveryCounts {
        guard let row = try await rows("""
            SELECT count(*) FILTER (WHERE NOT dead AND attempts = 0), count(*) FILTER (WHERE NOT dead AND attempts > 0),
                   count(*) FILTER (WHERE dead) FROM outbox
            """).first else { return DeliveryCounts() }
        let (pending, failed, dead) = try row.decode((Int, Int, Int).self)
        return DeliveryCounts(pending: pending, failed: failed, dead: dead)
    }

    public func timerCounts(overdueAt time: Double) async throws -> (pending: Int, overdue: Int) {
        guard let row = try await rows("SELECT count(*), count(*) FILTER (WHERE due < \(time)) FROM timer").first else { return (0, 0) }
        return try row.decode((Int, Int).self)
    }

    public func inbox(limit: Int) async throws -> [InboxEvent] {
        try await rows("SELECT event FROM inbox ORDER BY sequence LIMIT \(limit)").map { try Self.decode(InboxEvent.self, try $0.decode(Data.self)) }
    }

    public func inboxDepth() async throws -> Int {
        try await rows("SELECT count(*) FROM inbox").first?.decode(Int.self) ?? 0
    }

    public func dropFromInbox(_ id: String) async throws {
        try await rows("DELETE FROM inbox WHERE id = \(id)")
    }

    public func setting(_ name: String) async throws -> String? {
        try await rows("SELECT value FROM setting WHERE name = \(name)").first?.decode(String.self)
    }

    public func deployments() async throws -> Deployment? {
        guard let schema = try await rows("SELECT schema FROM deployment ORDER BY sequence DESC LIMIT 1").first else { return nil }
        let definitions = try await rows("SELECT definition FROM definition ORDER BY campaign, version")
        return Deployment(schema: try Self.decode(WorkspaceSchema.self, try schema.decode(Data.self)),
                          definitions: try definitions.map { try Self.decode(FlowDefinition.self, try $0.decode(Data.self)) })
    }

    public func journal(of contact: String) async throws -> [JournalEntry] {
        try await rows("SELECT entry FROM journal WHERE contact = \(contact) ORDER BY sequence")
            .map { try Self.decode(JournalEntry.self, try $0.decode(Data.self)) }
    }

    /// Sequence numbers this process took from the database's sequence and has not handed out yet.
    private let reservedSequences = SequenceReservation()
    /// How many numbers one round trip takes. Each process hands out its own, so two processes' timers due
    /// at the same instant are ordered by their blocks rather than by when they were made; one process's
    /// are in creation order.
    static let sequenceBlock = 64

    public func nextSequence() async throws -> UInt64 {
        if let value = reservedSequences.take() { return value }
        // A PostgreSQL sequence: never rolled back, never handed out twice, no row lock shared by the callers.
        let numbers = try await rows("SELECT nextval('sequence_number') FROM generate_series(1, \(Self.sequenceBlock))")
            .map { UInt64(bitPattern: try $0.decode(Int64.self)) }.sorted()
        guard !numbers.isEmpty else { throw PostgresStoreError.missingSequence }
        return reservedSequences.take(after: numbers)
    }

    // MARK: Commits

    public func commit(_ unit: EffectUnit) async throws {
        let unitRows = try UnitRows(unit)
        guard !unitRows.isEmpty else { return }
        if unitRows.isInboxOnly {
            try await inboxCommits.commit(unitRows)
        } else {
            try await Self.commitAlone(unitRows, client, logger)
        }
    }

    /// Commits one unit in its own transaction.
    private static func commitAlone(_ unitRows: UnitRows, _ client: PostgresClient, _ logger: Logger) async throws {
        do {
            try await client.withTransaction(logger: logger) { connection in
                try await unitRows.apply(connection, logger)
            }
        } catch let error as PostgresTransactionError {
            // A refused input comes out as the protocol names it, not wrapped in the transaction's error.
            if let refused = error.closureError as? StoreError { throw refused }
            throw error
        }
    }

    /// Commits units that only add inbox events (the events route's and the provider webhooks', most of a busy
    /// service's commits) in one transaction of four statements, however many they are: one read of what the
    /// database knows of their ids and contacts, each unit's refusal decided from it as ``UnitRows/apply(_:_:)``
    /// would decide it, and one insert of the accepted units' new events. When another process accepts one of
    /// those ids or erases one of those contacts between the read and the insert, the insert finds fewer rows to
    /// write than decided: the transaction is rolled back and every unit is committed on its own.
    private static func commitInboxUnits(_ units: [UnitRows], _ client: PostgresClient, _ logger: Logger) async throws -> [(any Error)?] {
        guard units.count > 1 else { return [await failure { try await commitAlone(units[0], client, logger) }] }
        let ids = Array(Set(units.flatMap { $0.inbox.map(\.event.id) }))
        let contacts = Array(Set(units.flatMap { $0.inbox.map(\.event.contact) }))
        do {
            return try await client.withTransaction(logger: logger) { connection in
                var known: [String: Int64] = [:], existing = Set<String>()
                for row in try await connection.rows("""
                    SELECT 'event', id, digest FROM inbox WHERE id = ANY(\(ids)::text[])
                    UNION ALL SELECT 'event', id, digest FROM input WHERE id = ANY(\(ids)::text[])
                    UNION ALL SELECT 'contact', id, 0 FROM contact WHERE id = ANY(\(contacts)::text[])
                    """, logger) {
                    let (kind, id, digest) = try row.decode((String, String, Int64).self)
                    if kind == "contact" { existing.insert(id) } else { known[id] = digest }
                }
                var failures: [(any Error)?] = []
                var newIDs: [String] = [], newDigests: [Int64] = [], newContacts: [String] = [], newEvents: [ByteBuffer] = []
                for unit in units {
                    var accepted: [String: Int64] = [:], unknownContacts: [String] = [], refusal: StoreError?
                    var rows: [Int] = []
                    for (index, entry) in unit.inbox.enumerated() {
                        let id = entry.event.id, digest = entry.digest
                        if let earlier = accepted[id] ?? known[id] {
                            if earlier != digest {
                                refusal = .inputConflict(id)
                                break
                            }
                            continue
                        }
                        accepted[id] = digest
                        if !existing.contains(entry.event.contact) {
                            if !unknownContacts.contains(entry.event.contact) { unknownContacts.append(entry.event.contact) }
                            continue
                        }
                        rows.append(index)
                    }
                    if refusal == nil, !unknownContacts.isEmpty { refusal = .unknownContacts(unknownContacts) }
                    failures.append(refusal)
                    guard refusal == nil else { continue }
                    known.merge(accepted) { $1 }
                    for index in rows {
                        let entry = unit.inbox[index]
                        newIDs.append(entry.event.id)
                        newDigests.append(entry.digest)
                        newContacts.append(entry.event.contact)
                        newEvents.append(entry.json)
                    }
                }
                guard !newIDs.isEmpty else { return failures }
                let inserted = try await connection.rows("""
                    INSERT INTO inbox (id, digest, contact, event)
                    SELECT e.id, e.digest, e.contact, e.event
                    FROM unnest(\(newIDs)::text[], \(newDigests)::bigint[], \(newContacts)::text[], \(newEvents)::bytea[])
                        WITH ORDINALITY AS e(id, digest, contact, event, n)
                    WHERE NOT EXISTS (SELECT 1 FROM input WHERE input.id = e.id)
                      AND EXISTS (SELECT 1 FROM contact WHERE contact.id = e.contact)
                    ORDER BY e.n
                    ON CONFLICT (id) DO NOTHING RETURNING id
                    """, logger)
                guard inserted.count == newIDs.count else { throw RacedWithAnotherProcess() }
                return failures
            }
        } catch let error as PostgresTransactionError where error.closureError is RacedWithAnotherProcess {
            var failures: [(any Error)?] = []
            for unit in units { failures.append(await failure { try await commitAlone(unit, client, logger) }) }
            return failures
        }
    }

    /// The error `body` throws, nil when it returns.
    private static func failure(_ body: () async throws -> Void) async -> (any Error)? {
        do {
            try await body()
            return nil
        } catch {
            return error
        }
    }

    // MARK: Units across processes

    /// Waits for the schema's unit lock, held by at most one caller of one store (one process) at a time, then
    /// holds it until ``unlockUnits()``: a session-level `pg_advisory_lock` on a connection of the store's own,
    /// outside the pool, since the session that took it must release it. A process that dies lets go of the lock
    /// with its connection; the connection asks the server to notice a vanished machine within seconds (TCP
    /// keepalives). Should the connection drop while a unit runs, another process may start a unit before this
    /// one commits.
    public func lockUnits() async throws {
        try await unitLock.lock()
    }

    /// Releases the unit lock; when the server cannot be told, closes the lock's connection, which ends the
    /// session and its lock.
    public func unlockUnits() async {
        await unitLock.unlock()
    }

    // MARK: Helpers

    /// Runs a query on a pooled connection and reads all its rows (which returns the connection to the pool).
    @discardableResult
    private func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await client.query(query, logger: logger).collect()
    }

    /// Runs SQL text as is, in the store's schema: for tests.
    func execute(sql: String) async throws {
        try await rows("\(unescaped: sql)")
    }

    static func encode<T: Encodable>(_ value: T) throws -> Data {
        try JSONEncoder().encode(value)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ json: Data) throws -> T {
        try JSONDecoder().decode(type, from: json)
    }

    /// The outbox's key for an idempotency key: a JSON array of its parts, as in the SQLite store, so that no two
    /// keys share one (the `/`-joined description would, for contact ids with slashes).
    static func outboxKey(_ key: IdempotencyKey) throws -> String {
        String(decoding: try encode([key.visit.contact, key.visit.flow.campaign, String(key.visit.flow.version),
                                     String(key.visit.number), key.step]), as: UTF8.self)
    }

    /// Whether `name` is a lowercase identifier that needs no quoting (the schema's name is put in SQL text).
    static func isPlainIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 63,
              first == "_" || ("a"..."z").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
    }

    static func quoted(_ identifier: String) -> String { "\"\(identifier)\"" }

    static func dropStatement(_ schema: String) -> PostgresQuery {
        "DROP SCHEMA IF EXISTS \(unescaped: quoted(schema)) CASCADE"
    }
}

/// Another process accepted an inbox event or erased a contact between a group's read and its insert.
private struct RacedWithAnotherProcess: Error {}

/// Why the PostgreSQL store does not open, or fails a call.
public enum PostgresStoreError: Error, CustomStringConvertible {
    /// Not a `postgres://user:password@host:port/database` URL.
    case invalidURL(String)
    /// Schema names must be lowercase identifiers (letters, digits, underscores).
    case invalidSchemaName(String)
    /// The schema has migrations this program does not know: it was written by a newer version.
    case newerSchema(schema: String, version: Int)
    /// The sequence returned nothing.
    case missingSequence
    /// The store was closed.
    case closed

    public var description: String {
        switch self {
        case .invalidURL(let url): "not a postgres://user:password@host:port/database URL: \(url)"
        case .invalidSchemaName(let name): "schema names must be lowercase letters, digits and underscores: \(name)"
        case .newerSchema(let schema, let version):
            "schema \(schema) was migrated by a newer campaignc: it has migration \(version), which this program does not know"
        case .missingSequence: "the sequence_number sequence returned nothing"
        case .closed: "the PostgreSQL store is closed"
        }
    }
}

/// A unit encoded to column arrays before its transaction starts, so that the transaction does no JSON work
/// and writes each table with one statement (`unnest` of the arrays), rows in key order.
struct UnitRows: Sendable {
    var contactIDs: [String] = [], profiles: [ByteBuffer] = []
    var visitContacts: [String] = [], visitCampaigns: [String] = [], visitVersions: [Int] = [], visitNumbers: [Int] = []
    var visitActive: [Bool] = [], visits: [ByteBuffer] = []
    var flowCampaigns: [String] = [], flowVersions: [Int] = [], flowStates: [ByteBuffer] = []
    var timerSequences: [Int64] = [], timerDues: [Double] = [], timerKinds: [ByteBuffer] = []
    var timersFired: [Int64] = []
    var inputs: [ProcessedInput] = []
    var actionKeys: [String] = [], actionContacts: [String] = [], actionCampaigns: [String] = [], actionVersions: [Int] = []
    var actionRequests: [ByteBuffer] = [], actionDues: [Double] = []
    /// The contact each timer is about, empty for a test's decision (NULL in the table).
    var timerContacts: [String] = []
    var inbox: [(event: InboxEvent, digest: Int64, json: ByteBuffer)] = []
    var journalContacts: [String] = [], journalEntries: [ByteBuffer] = []
    var erased: [String] = []
    var deploymentSchema: ByteBuffer?
    var settings: [String: String] = [:]
    var definitionCampaigns: [String] = [], definitionVersions: [Int] = [], definitions: [ByteBuffer] = []
    var keptCampaigns: [String] = [], keptVersions: [Int] = [], keptStates: [Int] = [], keptValues: [String] = []
    var keptContacts: [String] = []

    init(_ unit: EffectUnit) throws {
        // In key order: concurrent commits lock shared rows (a flow's) in the same order, so they queue rather than
        // deadlock.
        for (id, contact) in unit.contacts.sorted(by: { $0.key < $1.key }) {
            contactIDs.append(id)
            profiles.append(ByteBuffer(bytes: try PostgresStore.encode(contact)))
        }
        for (key, visit) in unit.visits.sorted(by: { $0.key < $1.key }) {
            visitContacts.append(key.contact)
            visitCampaigns.append(key.flow.campaign)
            visitVersions.append(key.flow.version)
            visitNumbers.append(key.number)
            visitActive.append(visit.isActive)
            visits.append(ByteBuffer(bytes: try PostgresStore.encode(visit)))
        }
        for (key, state) in unit.flows.sorted(by: { $0.key < $1.key }) {
            flowCampaigns.append(key.campaign)
            flowVersions.append(key.version)
            flowStates.append(ByteBuffer(bytes: try PostgresStore.encode(state)))
        }
        for timer in unit.timersAdded {
            timerSequences.append(Int64(bitPattern: timer.sequence))
            timerDues.append(timer.due)
            timerKinds.append(ByteBuffer(bytes: try PostgresStore.encode(timer.kind)))
            timerContacts.append(timer.contact ?? "")
        }
        timersFired = unit.timersFired.map { Int64(bitPattern: $0.sequence) }
        inputs = unit.inputs
        for action in unit.actions {
            actionKeys.append(try PostgresStore.outboxKey(action.key))
            actionContacts.append(action.key.visit.contact)
            actionCampaigns.append(action.key.visit.flow.campaign)
            actionVersions.append(action.key.visit.flow.version)
            actionRequests.append(ByteBuffer(bytes: try PostgresStore.encode(action)))
            actionDues.append(action.at)
        }
        inbox = try unit.inboxAdded.map { event in
            let stored = try event.storedForm()
            return (event, Int64(bitPattern: stored.digest), ByteBuffer(string: stored.json))
        }
        for line in unit.journal {
            journalContacts.append(line.contact)
            journalEntries.append(ByteBuffer(bytes: try PostgresStore.encode(line)))
        }
        erased = unit.erased
        settings = unit.settings
        for (key, contact) in unit.keptContacts.sorted(by: { $0.key < $1.key }) {
            keptCampaigns.append(key.flow.campaign)
            keptVersions.append(key.flow.version)
            keptStates.append(key.state)
            keptValues.append(key.value)
            keptContacts.append(contact)
        }
        if let deployment = unit.deployment {
            deploymentSchema = ByteBuffer(bytes: try PostgresStore.encode(deployment.schema))
            for definition in deployment.definitions {
                definitionCampaigns.append(definition.campaign)
                definitionVersions.append(definition.version)
                definitions.append(ByteBuffer(bytes: try PostgresStore.encode(definition)))
            }
        }
    }

    /// Whether the unit only adds inbox events (``PostgresStore/commitInboxUnits(_:_:_:)``).
    var isInboxOnly: Bool {
        !inbox.isEmpty && contactIDs.isEmpty && visits.isEmpty && flowStates.isEmpty && timerSequences.isEmpty && timersFired.isEmpty
            && actionKeys.isEmpty && inputs.isEmpty && journalEntries.isEmpty && erased.isEmpty && deploymentSchema == nil
            && settings.isEmpty && keptContacts.isEmpty
    }

    var isEmpty: Bool {
        contactIDs.isEmpty && visits.isEmpty && flowStates.isEmpty && timerSequences.isEmpty && timersFired.isEmpty && actionKeys.isEmpty && inputs.isEmpty
            && inbox.isEmpty && journalEntries.isEmpty && erased.isEmpty && deploymentSchema == nil && settings.isEmpty
            && keptContacts.isEmpty
    }

    /// Inserts the inbox events in one statement: those whose id is new and whose contact exists (stored, or
    /// written by this unit). Of the others, an id seen before with the same content is skipped, with another
    /// content fails the unit (``StoreError/inputConflict(_:)``), and the rest are about unknown contacts
    /// (``StoreError/unknownContacts(_:)``). The insert waits for a concurrent acceptance of the same id, then
    /// leaves that row alone, and the statement after it sees the row.
    private func acceptInbox(_ connection: PostgresConnection, _ logger: Logger) async throws {
        var firstDigest: [String: Int64] = [:]
        for entry in inbox {
            if let digest = firstDigest[entry.event.id], digest != entry.digest { throw StoreError.inputConflict(entry.event.id) }
            firstDigest[entry.event.id] = entry.digest
        }
        let ids = inbox.map(\.event.id), contacts = inbox.map(\.event.contact)
        let digests = inbox.map(\.digest), events = inbox.map(\.json)
        let inserted = try await connection.rows("""
            INSERT INTO inbox (id, digest, contact, event)
            SELECT e.id, e.digest, e.contact, e.event
            FROM unnest(\(ids)::text[], \(digests)::bigint[], \(contacts)::text[], \(events)::bytea[]) WITH ORDINALITY AS e(id, digest, contact, event, n)
            WHERE NOT EXISTS (SELECT 1 FROM input WHERE input.id = e.id)
              AND (e.contact = ANY(\(contactIDs)::text[]) OR EXISTS (SELECT 1 FROM contact WHERE contact.id = e.contact))
            ORDER BY e.n
            ON CONFLICT (id) DO NOTHING RETURNING id
            """, logger)
        var accepted = Set<String>()
        for row in inserted { accepted.insert(try row.decode(String.self)) }
        let rest = inbox.filter { !accepted.contains($0.event.id) }
        guard !rest.isEmpty else { return }
        let restIDs = rest.map(\.event.id)
        var known: [String: Int64] = [:]
        for row in try await connection.rows("""
            SELECT id, digest FROM inbox WHERE id = ANY(\(restIDs)::text[])
            UNION ALL SELECT id, digest FROM input WHERE id = ANY(\(restIDs)::text[])
            """, logger) {
            let (id, digest) = try row.decode((String, Int64).self)
            known[id] = digest
        }
        var unknownContacts: [String] = [], seen = Set<String>()
        for entry in rest {
            if let digest = known[entry.event.id] {
                guard digest == entry.digest else { throw StoreError.inputConflict(entry.event.id) }
            } else if seen.insert(entry.event.contact).inserted {
                unknownContacts.append(entry.event.contact)
            }
        }
        if !unknownContacts.isEmpty { throw StoreError.unknownContacts(unknownContacts) }
    }

    func apply(_ connection: PostgresConnection, _ logger: Logger) async throws {
        if !inputs.isEmpty {
            // First, so that a refused unit writes nothing. A unit with the same id committing at the same time
            // holds the key: this insert waits for it, then does nothing if it committed.
            let ids = inputs.map(\.id), digests = inputs.map { Int64(bitPattern: $0.digest) }
            var inserted = Set<String>()
            for row in try await connection.rows("""
                INSERT INTO input (id, digest) SELECT * FROM unnest(\(ids)::text[], \(digests)::bigint[])
                ON CONFLICT (id) DO NOTHING RETURNING id
                """, logger) {
                inserted.insert(try row.decode(String.self))
            }
            if let refused = ids.first(where: { !inserted.contains($0) }) { throw StoreError.inputAlreadyProcessed(refused) }
            try await connection.rows("DELETE FROM inbox WHERE id = ANY(\(ids)::text[])", logger)
        }
        // Erasure before the rest of the unit, which may write about the contact again.
        for contact in erased {
            for table in ["contact WHERE id", "visit WHERE contact", "journal WHERE contact", "inbox WHERE contact",
                          "outbox WHERE contact", "timer WHERE contact", "dedupe WHERE contact"] {
                try await connection.rows("DELETE FROM \(unescaped: table) = \(contact)", logger)
            }
        }
        if !inbox.isEmpty { try await acceptInbox(connection, logger) }
        for (name, value) in settings.sorted(by: { $0.key < $1.key }) {
            try await connection.rows("""
                INSERT INTO setting (name, value) VALUES (\(name), \(value)) ON CONFLICT (name) DO UPDATE SET value = excluded.value
                """, logger)
        }
        if let deploymentSchema {
            try await connection.rows("INSERT INTO deployment (schema) VALUES (\(deploymentSchema))", logger)
            if !definitions.isEmpty {
                try await connection.rows("""
                    INSERT INTO definition (campaign, version, definition)
                    SELECT * FROM unnest(\(definitionCampaigns)::text[], \(definitionVersions)::bigint[], \(definitions)::bytea[])
                    ON CONFLICT (campaign, version) DO UPDATE SET definition = excluded.definition
                    """, logger)
            }
        }
        if !journalEntries.isEmpty {
            try await connection.rows("""
                INSERT INTO journal (contact, entry)
                SELECT contact, entry FROM unnest(\(journalContacts)::text[], \(journalEntries)::bytea[])
                    WITH ORDINALITY AS line (contact, entry, position)
                ORDER BY position
                """, logger)
        }
        if !contactIDs.isEmpty {
            try await connection.rows("""
                INSERT INTO contact (id, profile) SELECT * FROM unnest(\(contactIDs)::text[], \(profiles)::bytea[])
                ON CONFLICT (id) DO UPDATE SET profile = excluded.profile
                """, logger)
        }
        if !visits.isEmpty {
            try await connection.rows("""
                INSERT INTO visit (contact, campaign, version, number, active, visit)
                SELECT * FROM unnest(\(visitContacts)::text[], \(visitCampaigns)::text[], \(visitVersions)::bigint[],
                                     \(visitNumbers)::bigint[], \(visitActive)::boolean[], \(visits)::bytea[])
                ON CONFLICT (contact, campaign, version, number) DO UPDATE SET active = excluded.active, visit = excluded.visit
                """, logger)
        }
        if !flowStates.isEmpty {
            try await connection.rows("""
                INSERT INTO flow (campaign, version, state)
                SELECT * FROM unnest(\(flowCampaigns)::text[], \(flowVersions)::bigint[], \(flowStates)::bytea[])
                ON CONFLICT (campaign, version) DO UPDATE SET state = excluded.state
                """, logger)
        }
        if !keptContacts.isEmpty {
            try await connection.rows("""
                INSERT INTO dedupe (campaign, version, state, value, contact)
                SELECT * FROM unnest(\(keptCampaigns)::text[], \(keptVersions)::bigint[], \(keptStates)::bigint[],
                                     \(keptValues)::text[], \(keptContacts)::text[])
                ON CONFLICT (campaign, version, state, value) DO UPDATE SET contact = excluded.contact
                """, logger)
        }
        if !timersFired.isEmpty {
            try await connection.rows("DELETE FROM timer WHERE sequence = ANY(\(timersFired)::bigint[])", logger)
        }
        if !timerSequences.isEmpty {
            // DO NOTHING: a unit committed again after a lost answer adds its timers once.
            try await connection.rows("""
                INSERT INTO timer (sequence, due, kind, contact)
                SELECT sequence, due, kind, NULLIF(contact, '')
                FROM unnest(\(timerSequences)::bigint[], \(timerDues)::double precision[], \(timerKinds)::bytea[],
                            \(timerContacts)::text[]) AS timer (sequence, due, kind, contact)
                ON CONFLICT (sequence) DO NOTHING
                """, logger)
        }
        if !actionKeys.isEmpty {
            // DO NOTHING: an action already in the outbox (same idempotency key) is not written again. WITH
            // ORDINALITY keeps the unit's order in `written`.
            try await connection.rows("""
                INSERT INTO outbox (key, contact, campaign, version, request, next_attempt_at)
                SELECT key, contact, campaign, version, request, at
                FROM unnest(\(actionKeys)::text[], \(actionContacts)::text[], \(actionCampaigns)::text[], \(actionVersions)::bigint[],
                            \(actionRequests)::bytea[], \(actionDues)::double precision[])
                    WITH ORDINALITY AS action (key, contact, campaign, version, request, at, position)
                ORDER BY position
                ON CONFLICT (key) DO NOTHING
                """, logger)
        }
    }
}

extension PostgresConnection {
    /// Runs a query and reads all its rows.
    @discardableResult
    func rows(_ query: PostgresQuery, _ logger: Logger) async throws -> [PostgresRow] {
        try await self.query(query, logger: logger).collect()
    }
}
