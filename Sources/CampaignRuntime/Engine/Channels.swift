import Foundation

/// Where actions leave the runtime: the host implements it for its email, SMS and push providers, its
/// contact database, promo banks, SFTP exports and postal mailings. An adapter that sees an idempotency key
/// again must not perform the action twice (the engine retries actions whose confirmation was lost).
public protocol ChannelAdapter: AnyObject, Sendable {
    func perform(_ request: ActionRequest) async throws
}

/// A channel adapter that records every action once per idempotency key: for tests and simulations.
public final class RecordingChannels: ChannelAdapter, @unchecked Sendable {
    private struct Seen: Hashable {
        var key: IdempotencyKey
        var action: FlowAction
    }

    private let lock = NSLock()
    private var recorded: [ActionRequest] = []
    private var seen = Set<Seen>()

    public init() {}

    /// Every action performed, once per key, in order.
    public var performed: [ActionRequest] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    public func perform(_ request: ActionRequest) {
        lock.lock()
        defer { lock.unlock() }
        guard seen.insert(Seen(key: request.key, action: request.action)).inserted else { return }
        recorded.append(request)
    }
}

/// The time the engine runs on.
public protocol CampaignClock: AnyObject, Sendable {
    /// Seconds since 1970.
    var now: Double { get }
}

/// The machine's clock.
public final class SystemClock: CampaignClock, Sendable {
    public init() {}
    public var now: Double { Date().timeIntervalSince1970 }
}

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
