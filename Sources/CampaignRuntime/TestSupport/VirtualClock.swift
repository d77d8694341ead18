import Foundation

/// A clock that moves only when told: scenario tests and simulations run years in milliseconds.
public final class VirtualClock: CampaignClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Double

    public init(now: Double) {
        current = now
    }

    /// The virtual time; tests and simulations set it.
    public var now: Double {
        get {
            lock.lock()
            defer { lock.unlock() }
            return current
        }
        set {
            lock.lock()
            defer { lock.unlock() }
            current = newValue
        }
    }
}
