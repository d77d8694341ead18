import Foundation
import PostgresNIO

/// The session that serializes units across processes: a connection of its own, outside the store's pool,
/// that takes the schema's session-level advisory lock (``PostgresStore/unitLockKey`` and the schema's name
/// hashed) for one unit at a time.
///
/// A session lock belongs to the connection that took it: only that connection can release it, and the server
/// releases it when the connection ends, which is what lets another process take over from one that was
/// killed. A session lock is also reentrant, so callers in this process queue here first: the server never
/// sees two of them on the one session.
actor UnitLock {
    private let address: ServerAddress
    private let schema: String
    private let logger: Logger
    private var connection: PostgresConnection?
    /// `pg_backend_pid()` of ``connection``: the store's claims name it (``sessionProcess()``).
    private var process: Int32?
    /// The connection being opened, which callers arriving meanwhile wait for rather than open another.
    private var opening: Task<(PostgresConnection, Int32), any Error>?
    /// Whether a caller of this process holds (or is taking) the lock, and the callers waiting for it.
    private var held = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var closed = false

    init(address: ServerAddress, schema: String, logger: Logger) {
        self.address = address
        self.schema = schema
        self.logger = logger
    }

    deinit {
        // Ends the session, and with it any lock it holds; the connection is kept until it is closed.
        guard let connection else { return }
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// Waits for the callers of this process before this one, then for the server's lock.
    func lock() async throws {
        while held, !closed { await withCheckedContinuation { waiting.append($0) } }
        guard !closed else { throw PostgresStoreError.closed }
        held = true
        do {
            let connection = try await session()
            try await connection.rows("SELECT pg_advisory_lock(\(PostgresStore.unitLockKey), hashtext(\(schema)))", logger)
        } catch {
            await drop()
            passOn()
            throw error
        }
    }

    /// The server process of this session (`pg_backend_pid()`), connecting it if needed: the store's claims
    /// name it, and a claim whose session is gone (its process killed, or its store closed) is free at once.
    /// Read when the session opens, so asking never waits behind a lock the session is waiting for.
    func sessionProcess() async throws -> Int32 {
        try await open().process
    }

    /// Releases the lock. When the server does not confirm it, the session is closed, which releases it.
    func unlock() async {
        guard held else { return }
        defer { passOn() }
        guard let connection else { return }
        do {
            let released = try await connection.rows("SELECT pg_advisory_unlock(\(PostgresStore.unitLockKey), hashtext(\(schema)))", logger)
                .first?.decode(Bool.self)
            if released != true {
                logger.warning("the unit lock was not held by its session: closing it")
                await drop()
            }
        } catch {
            logger.warning("releasing the unit lock failed: closing its session", metadata: ["error": "\(String(reflecting: error))"])
            await drop()
        }
    }

    /// Closes the session (releasing the lock if it is held); calls to ``lock()`` waiting or to come fail.
    func close() async {
        closed = true
        await drop()
        held = false
        let waiters = waiting
        waiting = []
        for waiter in waiters { waiter.resume() }
    }

    /// The open session, connected on first use or after the previous one ended.
    private func session() async throws -> PostgresConnection {
        try await open().connection
    }

    /// The open session and its server process; callers arriving while it opens wait for that one.
    private func open() async throws -> (connection: PostgresConnection, process: Int32) {
        guard !closed else { throw PostgresStoreError.closed }
        if let connection, !connection.isClosed, let process { return (connection, process) }
        if let opening { return try await opening.value }
        let (address, logger) = (address, logger)
        let task = Task { try await Self.connect(address, logger) }
        opening = task
        defer { opening = nil }
        let (connection, process) = try await task.value
        // Closed while connecting (the actor lets other calls in at the await): this session is not kept.
        guard !closed else {
            try? await connection.close()
            throw PostgresStoreError.closed
        }
        self.connection = connection
        self.process = process
        return (connection, process)
    }

    /// Connects a session with TCP keepalives and reads its server process.
    private static func connect(_ address: ServerAddress, _ logger: Logger) async throws -> (PostgresConnection, Int32) {
        let connection = try await PostgresConnection.connect(configuration: try address.connectionConfiguration(), id: 0, logger: logger)
        do {
            // A machine that vanishes (rather than a process that is killed, whose socket its system closes) is
            // noticed by the server within about ten seconds, and its lock released.
            let row = try await connection.rows("""
                SELECT pg_backend_pid(), set_config('tcp_keepalives_idle', '5', false),
                       set_config('tcp_keepalives_interval', '2', false), set_config('tcp_keepalives_count', '3', false)
                """, logger).first
            guard let row else { throw PostgresStoreError.closed }
            return (connection, try row.decode((Int32, String, String, String).self).0)
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Closes the session, if any.
    private func drop() async {
        guard let connection else { return }
        self.connection = nil
        process = nil
        try? await connection.close()
    }

    /// Lets the next caller of this process take the lock.
    private func passOn() {
        held = false
        if !waiting.isEmpty { waiting.removeFirst().resume() }
    }
}
