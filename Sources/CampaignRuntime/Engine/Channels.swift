import Foundation

/// Where actions leave the runtime: the host implements it for its email, SMS and push providers, its
/// contact database, promo banks, SFTP exports and postal mailings. An adapter that sees an idempotency key
/// again must not perform the action twice (the engine retries actions whose confirmation was lost).
public protocol ChannelAdapter: AnyObject {
    func perform(_ request: ActionRequest) throws
}

/// A channel adapter that records every action once per idempotency key: for tests and simulations.
public final class RecordingChannels: ChannelAdapter {
    private struct Seen: Hashable {
        var key: IdempotencyKey
        var action: FlowAction
    }

    public private(set) var performed: [ActionRequest] = []
    private var seen = Set<Seen>()

    public init() {}

    public func perform(_ request: ActionRequest) {
        guard seen.insert(Seen(key: request.key, action: request.action)).inserted else { return }
        performed.append(request)
    }
}

/// The time the engine runs on.
public protocol CampaignClock: AnyObject {
    /// Seconds since 1970.
    var now: Double { get }
}

/// The machine's clock.
public final class SystemClock: CampaignClock {
    public init() {}
    public var now: Double { Date().timeIntervalSince1970 }
}

/// A clock that moves only when told: scenario tests and simulations run years in milliseconds.
public final class VirtualClock: CampaignClock {
    public var now: Double

    public init(now: Double) {
        self.now = now
    }
}
