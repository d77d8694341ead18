import CampaignFlows
import Foundation

/// Sequence numbers (``CampaignStore/nextSequence()``) a store reserved in its database with one write and
/// hands out one by one, so that a timer costs no round trip of its own.
public final class SequenceReservation: @unchecked Sendable {
    private let lock = NSLock()
    /// Reserved and not handed out yet, in increasing order.
    private var reserved: ArraySlice<UInt64> = []

    public init() {}

    /// The next reserved number, or nil when none is left.
    public func take() -> UInt64? {
        lock.withLock { reserved.popFirst() }
    }

    /// Keeps `numbers` (increasing, newly reserved), unless another caller installed later ones meanwhile,
    /// and takes the next number: what is handed out keeps increasing.
    public func take(after numbers: [UInt64]) -> UInt64 {
        lock.withLock {
            if let current = reserved.last, let newest = numbers.last, current > newest { return reserved.popFirst()! }
            reserved = numbers[...]
            return reserved.popFirst()!
        }
    }
}
