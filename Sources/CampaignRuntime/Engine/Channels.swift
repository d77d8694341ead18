import CampaignFlows
import Foundation

/// Where actions leave the runtime: the host implements it for its email, SMS and push providers, its
/// contact database, promo banks, SFTP exports and postal mailings. An adapter that sees an idempotency key
/// again must not perform the action twice (the engine retries actions whose confirmation was lost).
public protocol ChannelAdapter: AnyObject, Sendable {
    func perform(_ request: ActionRequest) async throws
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
