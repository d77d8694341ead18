import CampaignFlows
import Foundation

/// How failed deliveries are retried: exponential backoff with jitter, and dead after `attempts` attempts.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included.
    public var attempts: Int
    /// The delay before the second attempt, in seconds (before jitter).
    public var firstRetry: Double
    /// The longest delay between two attempts, in seconds.
    public var maxRetry: Double

    public init(attempts: Int = 8, firstRetry: Double = 1, maxRetry: Double = 600) {
        self.attempts = attempts
        self.firstRetry = firstRetry
        self.maxRetry = maxRetry
    }

    /// The delay after `failures` failed attempts: `firstRetry` doubled for each earlier failure, capped at
    /// `maxRetry`, then scaled into its upper half by `jitter` (in [0, 1)) so that retries of many actions
    /// that failed together spread out.
    public func delay(afterFailures failures: Int, jitter: Double) -> Double {
        let exponential = firstRetry * pow(2, Double(max(0, failures - 1)))
        return min(maxRetry, exponential) * (0.5 + jitter / 2)
    }
}

/// Delivers the outbox's actions through the channels, apart from the units that wrote them: units commit
/// their actions and go on, and a slow or failing channel delays only its own actions.
///
/// Each action is attempted until a channel accepts it, always with the same idempotency key; failures
/// wait out the ``RetryPolicy``'s backoff, and an action that fails its last attempt is dead (counted in
/// reports, kept in the outbox). Actions are claimed with a lease, so several dispatchers can share a store.
public actor OutboxDispatcher {
    public let store: any CampaignStore
    public let channels: any ChannelAdapter
    public let clock: any CampaignClock
    public let policy: RetryPolicy
    /// Whether delivered and dead actions add a line to their contact's journey (the engine's
    /// ``CampaignEngine/keepsJournal``).
    public let keepsJournal: Bool
    private let jitter: @Sendable () -> Double

    /// How long a claimed action stays away from other dispatchers, in real seconds.
    public static let lease: Double = 30

    public init(store: any CampaignStore, channels: any ChannelAdapter, clock: any CampaignClock,
                policy: RetryPolicy = RetryPolicy(), keepsJournal: Bool = false,
                jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.store = store
        self.keepsJournal = keepsJournal
        self.channels = channels
        self.clock = clock
        self.policy = policy
        self.jitter = jitter
    }

    /// Attempts every action due at `time` (the clock's time by default; an engine that runs units at their
    /// timers' instants passes the unit's), up to `batch` at once, and returns how many attempts were made.
    @discardableResult
    public func deliverDue(asOf time: Double? = nil, batch: Int = 64) async throws -> Int {
        var attempts = 0
        let now = time ?? clock.now
        while true {
            let entries = try await store.claimActions(dueBy: now, limit: batch, lease: Self.lease)
            if entries.isEmpty { return attempts }
            attempts += entries.count
            try await withThrowingTaskGroup(of: Void.self) { group in
                for entry in entries {
                    group.addTask { try await self.attempt(entry, at: now) }
                }
                try await group.waitForAll()
            }
        }
    }

    /// Delivers until the task is cancelled, looking for due actions every `interval`.
    public func run(every interval: Duration = .milliseconds(200)) async throws {
        while !Task.isCancelled {
            try await deliverDue()
            try await Task.sleep(for: interval)
        }
    }

    private func attempt(_ entry: OutboxEntry, at now: Double) async throws {
        let result: DeliveryResult
        do {
            try await channels.perform(entry.request)
            result = .delivered
        } catch {
            let failures = entry.attempts + 1
            result = failures >= policy.attempts
                ? .dead
                : .retry(at: now + policy.delay(afterFailures: failures, jitter: jitter()))
        }
        try await store.settle(entry.request.key, result, at: now, keepsJournal: keepsJournal)
    }
}
