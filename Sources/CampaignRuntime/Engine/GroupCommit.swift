import CampaignFlows
import Foundation

/// Group commit for a store: units committed while the store is writing wait together, and the next write
/// applies all of them (up to ``maximumBatch``) in one transaction. No caller hears of success before the
/// transaction holding its unit has committed, and each hears its own unit's failure.
///
/// One write runs at a time per queue: the first commit that finds none running starts it, and it goes on
/// while units are waiting.
public final class GroupCommit<Unit: Sendable>: @unchecked Sendable {
    /// Applies a batch in one transaction and gives each unit's failure, nil for those committed. A thrown error
    /// fails every unit of the batch.
    public typealias Write = @Sendable ([Unit]) async throws -> [(any Error)?]

    /// The most units one transaction applies.
    public let maximumBatch: Int
    private let write: Write
    private let lock = NSLock()
    private var waiting: [(unit: Unit, continuation: CheckedContinuation<Void, any Error>)] = []
    private var writing = false
    private var batches = 0

    public init(maximumBatch: Int, write: @escaping Write) {
        self.maximumBatch = max(1, maximumBatch)
        self.write = write
    }

    /// The transactions written so far (fewer than the units when they queued up).
    public var transactions: Int { lock.withLock { batches } }

    /// Returns when the transaction holding `unit` has committed; throws the unit's failure.
    public func commit(_ unit: Unit) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let starts = lock.withLock {
                waiting.append((unit, continuation))
                guard !writing else { return false }
                writing = true
                return true
            }
            if starts { Task { await self.drain() } }
        }
    }

    private func drain() async {
        while let batch = next() {
            var failures: [(any Error)?]
            do {
                failures = try await write(batch.map(\.unit))
                precondition(failures.count == batch.count, "a group commit's write must give one result per unit")
            } catch {
                failures = Array(repeating: error, count: batch.count)
            }
            for (waiter, failure) in zip(batch, failures) {
                if let failure { waiter.continuation.resume(throwing: failure) } else { waiter.continuation.resume() }
            }
        }
    }

    /// The next batch, oldest first; nil (and the drain ends) when nothing is waiting.
    private func next() -> [(unit: Unit, continuation: CheckedContinuation<Void, any Error>)]? {
        lock.withLock {
            guard !waiting.isEmpty else {
                writing = false
                return nil
            }
            batches += 1
            guard waiting.count > maximumBatch else {
                defer { waiting = [] }
                return waiting
            }
            let batch = Array(waiting.prefix(maximumBatch))
            waiting.removeFirst(batch.count)
            return batch
        }
    }
}
