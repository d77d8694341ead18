import CampaignFlows
import CampaignRuntime
import Foundation
import GRDB

/// A ``CampaignStore`` in a SQLite file, through GRDB: the embedded default, for one process.
///
/// The file is opened in WAL mode through a `DatabasePool` (readers never wait for the writer), or, for
/// `":memory:"`, through a `DatabaseQueue`. Its schema is created and migrated by ``migrator`` when the
/// store opens (docs/storage.md describes the tables). Values are stored as JSON text, keyed by columns that
/// the store's queries filter and order on.
///
/// Every ``commit(_:)`` is applied in one write transaction. Commits that queue up while the writer is busy
/// share a transaction (up to ``maximumUnitsPerTransaction``), each in its own savepoint: a unit that fails
/// rolls back alone, and no caller hears of success before the transaction holding its unit is committed.
public final class SQLiteStore: CampaignStore {
    /// The file's path, or `":memory:"`.
    public let path: String
    /// The most units one write transaction applies when commits queue up.
    public let maximumUnitsPerTransaction: Int
    let writer: any DatabaseWriter
    /// Commits waiting for the writer: those queued while it writes share the next transaction.
    private let pending: GroupCommit<EncodedUnit>
    /// Whether the file is removed when the store goes away (``temporary()``).
    private let removesFileAtDeinit: Bool

    /// The migrations this program knows, in order. The identifiers applied to a file are recorded in its
    /// `grdb_migrations` table.
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE contact (
                    id TEXT PRIMARY KEY NOT NULL,
                    profile TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE visit (
                    contact TEXT NOT NULL,
                    campaign TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    number INTEGER NOT NULL,
                    active INTEGER NOT NULL,
                    visit TEXT NOT NULL,
                    PRIMARY KEY (contact, campaign, version, number)
                ) WITHOUT ROWID;
                CREATE INDEX visit_by_flow ON visit (campaign, version);
                CREATE TABLE flow (
                    campaign TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    state TEXT NOT NULL,
                    PRIMARY KEY (campaign, version)
                ) WITHOUT ROWID;
                CREATE TABLE timer (
                    sequence INTEGER PRIMARY KEY,
                    due REAL NOT NULL,
                    kind TEXT NOT NULL,
                    claimed_until REAL
                );
                CREATE INDEX timer_by_due ON timer (due, sequence);
                CREATE TABLE outbox (
                    key TEXT PRIMARY KEY NOT NULL,
                    campaign TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    request TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at REAL NOT NULL,
                    dead INTEGER NOT NULL DEFAULT 0,
                    claimed_until REAL
                );
                CREATE INDEX outbox_due ON outbox (dead, next_attempt_at);
                CREATE INDEX outbox_by_flow ON outbox (campaign, version);
                CREATE TABLE sequence (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    value INTEGER NOT NULL
                );
                INSERT INTO sequence (id, value) VALUES (1, 0);
                """)
        }
        migrator.registerMigration("v2") { db in
            // Inputs submitted with an id, so that each is processed once.
            try db.execute(sql: "CREATE TABLE input (id TEXT PRIMARY KEY NOT NULL, digest INTEGER NOT NULL) WITHOUT ROWID")
        }
        migrator.registerMigration("v3") { db in
            // The service's inbox of accepted events, the contacts' journeys, and the contact each timer and
            // outbox action is about (for erasure).
            try db.execute(sql: """
                CREATE TABLE inbox (
                    sequence INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    digest INTEGER NOT NULL,
                    contact TEXT NOT NULL,
                    event TEXT NOT NULL
                );
                CREATE INDEX inbox_by_contact ON inbox (contact);
                CREATE TABLE journal (
                    sequence INTEGER PRIMARY KEY,
                    contact TEXT NOT NULL,
                    entry TEXT NOT NULL
                );
                CREATE INDEX journal_by_contact ON journal (contact, sequence);
                ALTER TABLE outbox ADD COLUMN contact TEXT;
                UPDATE outbox SET contact = json_extract(key, '$[0]');
                CREATE INDEX outbox_by_contact ON outbox (contact);
                ALTER TABLE timer ADD COLUMN contact TEXT;
                UPDATE timer SET contact = json_extract(kind, '$.wake._0.contact');
                CREATE INDEX timer_by_contact ON timer (contact);
                """)
        }
        migrator.registerMigration("v4") { db in
            // Campaign versions deployed through the service, and the schema of each deployment.
            try db.execute(sql: """
                CREATE TABLE definition (
                    campaign TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    definition TEXT NOT NULL,
                    PRIMARY KEY (campaign, version)
                ) WITHOUT ROWID;
                CREATE TABLE deployment (
                    sequence INTEGER PRIMARY KEY,
                    schema TEXT NOT NULL
                );
                CREATE TABLE setting (
                    name TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v5") { db in
            // Dedupe registers as rows of their own, out of the flows' state, which kept them until now.
            try db.execute(sql: """
                CREATE TABLE dedupe (
                    campaign TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    state INTEGER NOT NULL,
                    value TEXT NOT NULL,
                    contact TEXT NOT NULL,
                    PRIMARY KEY (campaign, version, state, value)
                ) WITHOUT ROWID;
                CREATE INDEX dedupe_by_contact ON dedupe (contact);
                INSERT INTO dedupe (campaign, version, state, value, contact)
                    SELECT flow.campaign, flow.version, CAST(register.key AS INTEGER), entry.key, entry.value
                    FROM flow, json_each(flow.state, '$.deduplicated') AS register, json_each(register.value) AS entry;
                UPDATE flow SET state = json_remove(state, '$.deduplicated') WHERE json_type(state, '$.deduplicated') IS NOT NULL;
                """)
        }
        return migrator
    }

    /// Opens (creating it if needed) the database at `path`, or an in-memory one for `":memory:"`, and
    /// migrates it. Throws when the file was migrated by a newer program (a migration this one does not know).
    public convenience init(path: String, maximumUnitsPerTransaction: Int = 256, busyTimeout: TimeInterval = 5) throws {
        try self.init(path: path, maximumUnitsPerTransaction: maximumUnitsPerTransaction, busyTimeout: busyTimeout,
                      removesFileAtDeinit: false)
    }

    private init(path: String, maximumUnitsPerTransaction: Int, busyTimeout: TimeInterval, removesFileAtDeinit: Bool) throws {
        self.path = path
        self.removesFileAtDeinit = removesFileAtDeinit
        self.maximumUnitsPerTransaction = max(1, maximumUnitsPerTransaction)
        var configuration = Configuration()
        configuration.label = "CampaignStoreSQLite"
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        let writer: any DatabaseWriter = path == ":memory:"
            ? try DatabaseQueue(configuration: configuration)
            : try DatabasePool(path: path, configuration: configuration)  // WAL
        self.writer = writer
        pending = GroupCommit(maximumBatch: max(1, maximumUnitsPerTransaction)) { units in
            do {
                return try await writer.write { db in try Self.apply(units, db, savepointForEveryUnit: false) }
            } catch is UnsavedUnitFailed {
                // Rolled back whole: again, every unit in its savepoint, so that the failure stays its own.
                return try await writer.write { db in try Self.apply(units, db, savepointForEveryUnit: true) }
            }
        }
        let migrator = Self.migrator
        if try writer.read({ try migrator.hasBeenSuperseded($0) }) {
            throw SQLiteStoreError.newerSchema(path: path)
        }
        try migrator.migrate(writer)
    }

    /// An in-memory database, for tests.
    public convenience init() throws {
        try self.init(path: ":memory:")
    }

    /// A new file under the temporary directory, removed (with its WAL) when the store goes away: for tests
    /// and simulations that want the real file format.
    public static func temporary() throws -> SQLiteStore {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("campaignc-\(UUID().uuidString).sqlite").path
        return try SQLiteStore(path: path, maximumUnitsPerTransaction: 256, busyTimeout: 5, removesFileAtDeinit: true)
    }

    deinit {
        guard removesFileAtDeinit else { return }
        try? close()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// Releases every claim on timers and outbox actions. A SQLite file serves one process: the process that
    /// opens it after a crash calls this on start, so that what the dead process had claimed is due again at
    /// once instead of when its leases end.
    public func releaseClaims() async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE timer SET claimed_until = NULL WHERE claimed_until IS NOT NULL")
            try db.execute(sql: "UPDATE outbox SET claimed_until = NULL WHERE claimed_until IS NOT NULL")
        }
    }

    /// The migrations applied to the database, in order (`["v1", "v2", "v3", "v4", "v5"]` today).
    public func appliedMigrations() async throws -> [String] {
        try read { try Self.migrator.appliedMigrations($0) }
    }

    /// Closes the database: later calls throw.
    public func close() throws {
        if let pool = writer as? DatabasePool { try pool.close() }
        if let queue = writer as? DatabaseQueue { try queue.close() }
    }

    // MARK: Reads

    /// Runs a read transaction on the calling thread. The reads of a unit take a few indexed rows each, a matter
    /// of microseconds, while an asynchronous read hops to one of GRDB's reader queues and back: those two
    /// thread switches per read were most of the CPU the inbox worker spent on an event.
    private func read<T>(_ value: (Database) throws -> T) throws -> T {
        try writer.read(value)
    }

    public func contact(_ id: String) async throws -> ContactProfile? {
        let json = try read { db in
            try String.fetchOne(db.cachedStatement(sql: "SELECT profile FROM contact WHERE id = ?"), arguments: [id])
        }
        return try json.map { try Self.decode(ContactProfile.self, $0) }
    }

    public func contactIDs(after: String?, limit: Int) async throws -> [String] {
        try read { db in
            if let after {
                try String.fetchAll(db.cachedStatement(sql: "SELECT id FROM contact WHERE id > ? ORDER BY id LIMIT ?"), arguments: [after, limit])
            } else {
                try String.fetchAll(db.cachedStatement(sql: "SELECT id FROM contact ORDER BY id LIMIT ?"), arguments: [limit])
            }
        }
    }

    public func visits(of contact: String) async throws -> [Visit] {
        let rows = try read { db in
            try String.fetchAll(db.cachedStatement(sql: "SELECT visit FROM visit WHERE contact = ? ORDER BY campaign, version, number"),
                                arguments: [contact])
        }
        return try rows.map { try Self.decode(Visit.self, $0) }
    }

    public func visits(in flow: FlowKey) async throws -> [Visit] {
        // Served by visit_by_flow, whose entries end with the rest of the primary key (contact, number).
        let rows = try read { db in
            try String.fetchAll(db.cachedStatement(sql: "SELECT visit FROM visit WHERE campaign = ? AND version = ? ORDER BY contact, number"),
                                arguments: [flow.campaign, flow.version])
        }
        return try rows.map { try Self.decode(Visit.self, $0) }
    }

    public func flowState(_ flow: FlowKey) async throws -> FlowRuntimeState {
        let json = try read { db in
            try String.fetchOne(db.cachedStatement(sql: "SELECT state FROM flow WHERE campaign = ? AND version = ?"),
                                arguments: [flow.campaign, flow.version])
        }
        return try json.map { try Self.decode(FlowRuntimeState.self, $0) } ?? FlowRuntimeState()
    }

    public func keptContacts(_ keys: [DedupeKey]) async throws -> [DedupeKey: String] {
        try read { db in
            let statement = try db.cachedStatement(sql: "SELECT contact FROM dedupe WHERE campaign = ? AND version = ? AND state = ? AND value = ?")
            var kept: [DedupeKey: String] = [:]
            for key in keys {
                kept[key] = try String.fetchOne(statement, arguments: [key.flow.campaign, key.flow.version, key.state, key.value])
            }
            return kept
        }
    }

    public func nextTimerDue() async throws -> Double? {
        try read { db in try Double.fetchOne(db.cachedStatement(sql: "SELECT min(due) FROM timer")) }
    }

    public func deliveries(of flow: FlowKey) async throws -> DeliveryCounts {
        let rows = try read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT dead, attempts > 0 AS failed, count(*) AS n FROM outbox
                WHERE campaign = ? AND version = ? GROUP BY 1, 2
                """), arguments: [flow.campaign, flow.version]).map { (dead: $0["dead"] as Bool, failed: $0["failed"] as Bool, n: $0["n"] as Int) }
        }
        var counts = DeliveryCounts()
        for row in rows {
            if row.dead { counts.dead += row.n } else if row.failed { counts.failed += row.n } else { counts.pending += row.n }
        }
        return counts
    }

    // MARK: Claims

    public func claimTimers(dueBy time: Double, limit: Int, lease: Double) async throws -> [PendingTimer] {
        let rows = try await writer.write { db in
            let now = Date().timeIntervalSince1970
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT sequence, due, kind FROM timer
                WHERE due <= ? AND (claimed_until IS NULL OR claimed_until <= ?)
                ORDER BY due, sequence LIMIT ?
                """), arguments: [time, now, limit])
            let claim = try db.cachedStatement(sql: "UPDATE timer SET claimed_until = ? WHERE sequence = ?")
            return try rows.map { row in
                let sequence: Int64 = row["sequence"]
                try claim.execute(arguments: [now + lease, sequence])
                return (sequence: sequence, due: row["due"] as Double, kind: row["kind"] as String)
            }
        }
        return try rows.map {
            PendingTimer(due: $0.due, sequence: UInt64(bitPattern: $0.sequence), kind: try Self.decode(PendingTimer.Kind.self, $0.kind))
        }
    }

    public func claimActions(dueBy time: Double, limit: Int, lease: Double) async throws -> [OutboxEntry] {
        let rows = try await writer.write { db in
            let now = Date().timeIntervalSince1970
            // Longest due first, then in the order written: served by outbox_due, whose entries end with the rowid.
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT rowid, request, attempts, next_attempt_at FROM outbox
                WHERE dead = 0 AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)
                ORDER BY next_attempt_at, rowid LIMIT ?
                """), arguments: [time, now, limit])
            let claim = try db.cachedStatement(sql: "UPDATE outbox SET claimed_until = ? WHERE rowid = ?")
            return try rows.map { row in
                try claim.execute(arguments: [now + lease, row["rowid"] as Int64])
                return (request: row["request"] as String, attempts: row["attempts"] as Int, next: row["next_attempt_at"] as Double)
            }
        }
        return try rows.map {
            OutboxEntry(request: try Self.decode(ActionRequest.self, $0.request), attempts: $0.attempts, nextAttemptAt: $0.next)
        }
    }

    public func settle(_ key: IdempotencyKey, _ result: DeliveryResult, at time: Double, keepsJournal: Bool) async throws {
        let text = try Self.outboxKey(key)
        try await writer.write { db in
            guard let attempts = try Int.fetchOne(db.cachedStatement(sql: "SELECT attempts FROM outbox WHERE key = ?"), arguments: [text]) else { return }
            switch result {
            case .delivered:
                try db.execute(sql: "DELETE FROM outbox WHERE key = ?", arguments: [text])
            case .retry(let at):
                try db.execute(sql: "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, claimed_until = NULL WHERE key = ?",
                               arguments: [at, text])
            case .dead:
                try db.execute(sql: "UPDATE outbox SET attempts = attempts + 1, dead = 1, claimed_until = NULL WHERE key = ?",
                               arguments: [text])
            }
            if keepsJournal, let line = JournalEntry(settling: key, result, attempts: attempts + 1, at: time) {
                try db.cachedStatement(sql: "INSERT INTO journal (contact, entry) VALUES (?, ?)")
                    .execute(arguments: [line.contact, try Self.encode(line)])
            }
        }
    }

    public func revive(_ key: IdempotencyKey, at time: Double) async throws -> Bool {
        let text = try Self.outboxKey(key)
        return try await writer.write { db in
            try db.execute(sql: """
                UPDATE outbox SET dead = 0, attempts = 0, next_attempt_at = ?, claimed_until = NULL WHERE key = ? AND dead = 1
                """, arguments: [time, text])
            return db.changesCount > 0
        }
    }

    public func outboxDepth() async throws -> DeliveryCounts {
        try read { db in
            let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT count(*) FILTER (WHERE dead = 0 AND attempts = 0) AS pending,
                       count(*) FILTER (WHERE dead = 0 AND attempts > 0) AS failed,
                       count(*) FILTER (WHERE dead = 1) AS dead FROM outbox
                """))
            return DeliveryCounts(pending: row?["pending"] ?? 0, failed: row?["failed"] ?? 0, dead: row?["dead"] ?? 0)
        }
    }

    public func timerCounts(overdueAt time: Double) async throws -> (pending: Int, overdue: Int) {
        try read { db in
            let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT count(*) AS pending, count(*) FILTER (WHERE due < ?) AS overdue FROM timer"),
                                       arguments: [time])
            return (row?["pending"] ?? 0, row?["overdue"] ?? 0)
        }
    }

    public func inbox(limit: Int) async throws -> [InboxEvent] {
        let rows = try read { db in
            try String.fetchAll(db.cachedStatement(sql: "SELECT event FROM inbox ORDER BY sequence LIMIT ?"), arguments: [limit])
        }
        return try rows.map { try Self.decode(InboxEvent.self, $0) }
    }

    public func inboxDepth() async throws -> Int {
        try read { db in try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM inbox")) ?? 0 }
    }

    public func dropFromInbox(_ id: String) async throws {
        try await writer.write { db in try db.execute(sql: "DELETE FROM inbox WHERE id = ?", arguments: [id]) }
    }

    public func setting(_ name: String) async throws -> String? {
        try read { db in try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM setting WHERE name = ?"), arguments: [name]) }
    }

    public func deployments() async throws -> Deployment? {
        let (schema, definitions) = try read { db in
            (try String.fetchOne(db.cachedStatement(sql: "SELECT schema FROM deployment ORDER BY sequence DESC LIMIT 1")),
             try String.fetchAll(db.cachedStatement(sql: "SELECT definition FROM definition ORDER BY campaign, version")))
        }
        guard let schema else { return nil }
        return Deployment(schema: try Self.decode(WorkspaceSchema.self, schema),
                          definitions: try definitions.map { try Self.decode(FlowDefinition.self, $0) })
    }

    public func journal(of contact: String) async throws -> [JournalEntry] {
        let rows = try read { db in
            try String.fetchAll(db.cachedStatement(sql: "SELECT entry FROM journal WHERE contact = ? ORDER BY sequence"), arguments: [contact])
        }
        return try rows.map { try Self.decode(JournalEntry.self, $0) }
    }

    public func processedInput(_ id: String) async throws -> UInt64? {
        try read { db in
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT digest FROM input WHERE id = ?"), arguments: [id]).map { UInt64(bitPattern: $0) }
        }
    }

    /// Sequence numbers reserved in the file and not handed out yet.
    private let reservedSequences = SequenceReservation()
    /// How many sequence numbers one write reserves: a timer then costs no write transaction of its own. The
    /// file serves one process, and a process that restarts reserves past what the last one reserved, so
    /// every number is still larger than any given before.
    static let sequenceBlock: Int64 = 1_024

    public func nextSequence() async throws -> UInt64 {
        if let value = reservedSequences.take() { return value }
        let last = try await writer.write { db in
            try Int64.fetchOne(db.cachedStatement(sql: "UPDATE sequence SET value = value + ? WHERE id = 1 RETURNING value"),
                               arguments: [Self.sequenceBlock])
        }
        guard let last else { throw SQLiteStoreError.missingSequence }
        return reservedSequences.take(after: Array(UInt64(bitPattern: last - Self.sequenceBlock + 1)...UInt64(bitPattern: last)))
    }

    // MARK: Commits

    /// The write transactions commits have used so far (fewer than the commits when they queued up).
    var commitTransactions: Int { pending.transactions }

    public func commit(_ unit: EffectUnit) async throws {
        try await pending.commit(try EncodedUnit(unit))
    }

    /// Applies a batch's units in one transaction and returns each unit's failure. A unit runs in a savepoint,
    /// so that one that fails rolls back alone, unless it adds inbox events only: such a unit checks before it
    /// writes (most units of a busy service, and a savepoint each was a twelfth of its CPU). Should one of those
    /// fail after it wrote, ``UnsavedUnitFailed`` rolls the whole transaction back for the caller to try again
    /// with savepoints.
    private static func apply(_ units: [EncodedUnit], _ db: Database, savepointForEveryUnit: Bool) throws -> [(any Error)?] {
        try units.map { unit -> (any Error)? in
            let unsaved = unit.isInboxOnly && !savepointForEveryUnit
            do {
                if unsaved {
                    try unit.apply(db)
                } else {
                    try db.inSavepoint {
                        try unit.apply(db)
                        return .commit
                    }
                }
                return nil
            } catch let refusal as StoreError where unsaved {
                return refusal  // refused by its checks, before it wrote anything
            } catch {
                // SQLite rolled the whole transaction back (a full disk, an I/O error): every unit of the batch
                // failed with it.
                if !db.isInsideTransaction { throw error }
                if unsaved { throw UnsavedUnitFailed() }
                return error
            }
        }
    }

    // MARK: Encoding

    static func encode<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(json.utf8))
    }

    /// The outbox's key for an idempotency key: a JSON array of its parts, so that no two keys share one
    /// (the `/`-joined description would, for contact ids with slashes).
    static func outboxKey(_ key: IdempotencyKey) throws -> String {
        try encode([key.visit.contact, key.visit.flow.campaign, String(key.visit.flow.version), String(key.visit.number), key.step])
    }
}

public enum SQLiteStoreError: Error, CustomStringConvertible {
    /// The file's schema has migrations this program does not know: it was written by a newer version.
    case newerSchema(path: String)
    /// The sequence row is missing: the file was changed by hand.
    case missingSequence

    public var description: String {
        switch self {
        case .newerSchema(let path): "\(path) was migrated by a newer campaignc: its schema has migrations this program does not know"
        case .missingSequence: "the sequence counter's row is missing"
        }
    }
}

/// A unit without a savepoint failed after it may have written: its transaction must be rolled back whole.
private struct UnsavedUnitFailed: Error {}

/// A unit encoded to rows before it waits for the writer, so that the write transaction does no JSON work.
struct EncodedUnit: Sendable {
    var contacts: [(id: String, json: String)] = []
    /// The ids of ``contacts``.
    var writtenContacts: Set<String> = []
    var visits: [(key: VisitKey, active: Bool, json: String)] = []
    var flows: [(key: FlowKey, json: String)] = []
    var timersAdded: [(sequence: Int64, due: Double, kind: String, contact: String?)] = []
    var timersFired: [Int64] = []
    var actions: [(key: String, contact: String, flow: FlowKey, at: Double, json: String)] = []
    var inputs: [ProcessedInput] = []
    var inbox: [(event: InboxEvent, digest: Int64, json: String)] = []
    var journal: [(contact: String, json: String)] = []
    var erased: [String] = []
    var deployment: (schema: String, definitions: [(key: FlowKey, json: String)])?
    var settings: [String: String] = [:]
    var keptContacts: [(key: DedupeKey, contact: String)] = []

    init(_ unit: EffectUnit) throws {
        // In key order: neighbouring rows of the B-trees are written one after the other.
        for (id, contact) in unit.contacts.sorted(by: { $0.key < $1.key }) {
            contacts.append((id, try SQLiteStore.encode(contact)))
        }
        writtenContacts = Set(unit.contacts.keys)
        for (key, visit) in unit.visits.sorted(by: { $0.key < $1.key }) {
            visits.append((key, visit.isActive, try SQLiteStore.encode(visit)))
        }
        for (key, state) in unit.flows.sorted(by: { $0.key < $1.key }) {
            flows.append((key, try SQLiteStore.encode(state)))
        }
        for timer in unit.timersAdded {
            timersAdded.append((Int64(bitPattern: timer.sequence), timer.due, try SQLiteStore.encode(timer.kind), timer.contact))
        }
        timersFired = unit.timersFired.map { Int64(bitPattern: $0.sequence) }
        inputs = unit.inputs
        for action in unit.actions {
            actions.append((try SQLiteStore.outboxKey(action.key), action.key.visit.contact, action.key.visit.flow, action.at,
                            try SQLiteStore.encode(action)))
        }
        inbox = try unit.inboxAdded.map { event in
            let stored = try event.storedForm()
            return (event, Int64(bitPattern: stored.digest), stored.json)
        }
        journal = try unit.journal.map { ($0.contact, try SQLiteStore.encode($0)) }
        erased = unit.erased
        settings = unit.settings
        keptContacts = unit.keptContacts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        if let deployed = unit.deployment {
            deployment = (try SQLiteStore.encode(deployed.schema),
                          try deployed.definitions.map { (FlowKey(campaign: $0.campaign, version: $0.version), try SQLiteStore.encode($0)) })
        }
    }

    /// Whether the unit only adds inbox events: it then writes nothing before its checks pass (``acceptInbox(_:)``),
    /// so it needs no savepoint of its own in a shared transaction.
    var isInboxOnly: Bool {
        !inbox.isEmpty && contacts.isEmpty && visits.isEmpty && flows.isEmpty && timersAdded.isEmpty && timersFired.isEmpty
            && actions.isEmpty && inputs.isEmpty && journal.isEmpty && erased.isEmpty && deployment == nil && settings.isEmpty
            && keptContacts.isEmpty
    }

    /// Adds the inbox events, checking all of them before writing any: an id seen before is skipped when its
    /// content is the same and fails the unit when not (``StoreError/inputConflict(_:)``); a new event needs its
    /// contact, stored (erasures ran before) or written by this unit (``StoreError/unknownContacts(_:)``).
    private func acceptInbox(_ db: Database) throws {
        let known = try db.cachedStatement(sql: """
            SELECT digest FROM inbox WHERE id = ?1 UNION ALL SELECT digest FROM input WHERE id = ?1
            """)
        let contactExists = try db.cachedStatement(sql: "SELECT 1 FROM contact WHERE id = ?")
        var new: [Int] = [], digests: [String: Int64] = [:], unknownContacts: [String] = [], checked: [String: Bool] = [:]
        for (index, entry) in inbox.enumerated() {
            let id = entry.event.id
            if let digest = try digests[id] ?? Int64.fetchOne(known, arguments: [id]) {
                guard digest == entry.digest else { throw StoreError.inputConflict(id) }
                continue
            }
            digests[id] = entry.digest
            let contact = entry.event.contact
            if checked[contact] == nil {
                let exists = try writtenContacts.contains(contact) || Int.fetchOne(contactExists, arguments: [contact]) != nil
                checked[contact] = exists
                if !exists { unknownContacts.append(contact) }
            }
            new.append(index)
        }
        if !unknownContacts.isEmpty { throw StoreError.unknownContacts(unknownContacts) }
        let insert = try db.cachedStatement(sql: "INSERT INTO inbox (id, digest, contact, event) VALUES (?, ?, ?, ?)")
        for index in new {
            let entry = inbox[index]
            try insert.execute(arguments: [entry.event.id, entry.digest, entry.event.contact, entry.json])
        }
    }

    func apply(_ db: Database) throws {
        if !inputs.isEmpty {
            // First, so that an id committed before fails the unit before it writes anything.
            let seen = try db.cachedStatement(sql: "SELECT 1 FROM input WHERE id = ?")
            for input in inputs {
                guard try Int.fetchOne(seen, arguments: [input.id]) == nil else { throw StoreError.inputAlreadyProcessed(input.id) }
            }
            let record = try db.cachedStatement(sql: "INSERT INTO input (id, digest) VALUES (?, ?)")
            let done = try db.cachedStatement(sql: "DELETE FROM inbox WHERE id = ?")
            for input in inputs {
                try record.execute(arguments: [input.id, Int64(bitPattern: input.digest)])
                try done.execute(arguments: [input.id])
            }
        }
        // Erasure before the rest of the unit, which may write about the contact again.
        for contact in erased {
            for table in ["contact WHERE id", "visit WHERE contact", "journal WHERE contact", "inbox WHERE contact",
                          "outbox WHERE contact", "timer WHERE contact", "dedupe WHERE contact"] {
                try db.execute(sql: "DELETE FROM \(table) = ?", arguments: [contact])
            }
        }
        if !inbox.isEmpty { try acceptInbox(db) }
        for (name, value) in settings {
            try db.execute(sql: "INSERT INTO setting (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                           arguments: [name, value])
        }
        if let deployment {
            try db.execute(sql: "INSERT INTO deployment (schema) VALUES (?)", arguments: [deployment.schema])
            let statement = try db.cachedStatement(sql: """
                INSERT INTO definition (campaign, version, definition) VALUES (?, ?, ?)
                ON CONFLICT (campaign, version) DO UPDATE SET definition = excluded.definition
                """)
            for definition in deployment.definitions {
                try statement.execute(arguments: [definition.key.campaign, definition.key.version, definition.json])
            }
        }
        if !journal.isEmpty {
            let statement = try db.cachedStatement(sql: "INSERT INTO journal (contact, entry) VALUES (?, ?)")
            for line in journal { try statement.execute(arguments: [line.contact, line.json]) }
        }
        if !contacts.isEmpty {
            let statement = try db.cachedStatement(sql: """
                INSERT INTO contact (id, profile) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET profile = excluded.profile
                """)
            for contact in contacts { try statement.execute(arguments: [contact.id, contact.json]) }
        }
        if !visits.isEmpty {
            let statement = try db.cachedStatement(sql: """
                INSERT INTO visit (contact, campaign, version, number, active, visit) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (contact, campaign, version, number) DO UPDATE SET active = excluded.active, visit = excluded.visit
                """)
            for visit in visits {
                try statement.execute(arguments: [visit.key.contact, visit.key.flow.campaign, visit.key.flow.version,
                                                  visit.key.number, visit.active, visit.json])
            }
        }
        if !flows.isEmpty {
            let statement = try db.cachedStatement(sql: """
                INSERT INTO flow (campaign, version, state) VALUES (?, ?, ?)
                ON CONFLICT (campaign, version) DO UPDATE SET state = excluded.state
                """)
            for flow in flows { try statement.execute(arguments: [flow.key.campaign, flow.key.version, flow.json]) }
        }
        if !keptContacts.isEmpty {
            let statement = try db.cachedStatement(sql: """
                INSERT INTO dedupe (campaign, version, state, value, contact) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (campaign, version, state, value) DO UPDATE SET contact = excluded.contact
                """)
            for entry in keptContacts {
                try statement.execute(arguments: [entry.key.flow.campaign, entry.key.flow.version, entry.key.state, entry.key.value, entry.contact])
            }
        }
        if !timersFired.isEmpty {
            let statement = try db.cachedStatement(sql: "DELETE FROM timer WHERE sequence = ?")
            for sequence in timersFired { try statement.execute(arguments: [sequence]) }
        }
        if !timersAdded.isEmpty {
            // OR IGNORE: a unit committed again after a lost answer adds its timers once.
            let statement = try db.cachedStatement(sql: "INSERT OR IGNORE INTO timer (sequence, due, kind, contact) VALUES (?, ?, ?, ?)")
            for timer in timersAdded { try statement.execute(arguments: [timer.sequence, timer.due, timer.kind, timer.contact]) }
        }
        if !actions.isEmpty {
            // OR IGNORE: an action already in the outbox (same idempotency key) is not written again.
            let statement = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO outbox (key, contact, campaign, version, request, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)
                """)
            for action in actions {
                try statement.execute(arguments: [action.key, action.contact, action.flow.campaign, action.flow.version, action.json, action.at])
            }
        }
    }
}
