import CampaignFlows
import Foundation

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
