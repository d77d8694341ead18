import AsyncHTTPClient
import CampaignFlows
import CampaignRuntime

/// The service's ``ChannelAdapter``: sends each action to the `channels:` entry SERVICE.md's rule picks,
/// with the contact's profile.
///
/// The rule: a send goes to the entry named after its channel (`email`, `sms`, `push`), an export or a
/// webhook step's action to the entry named after its destination, and when there is no such entry, or for every other action, to the
/// `default` entry. All entries share one `HTTPClient`, which ``shutdown()`` closes.
///
/// An action with no route, or whose contact cannot be found, throws like a failed delivery. That is
/// deliberate: the ``OutboxDispatcher`` keeps it, retries it with backoff and finally marks it dead, where
/// reports and metrics count it and `POST /v1/outbox/{key}/retry` can send it once the configuration has
/// the missing entry. Dropping it would lose an action the campaign committed to, and calling it delivered
/// would be a lie in the journey.
public final class ChannelRouter: ChannelAdapter {
    /// Reads a contact's profile by id: nil when there is no such contact.
    public typealias ProfileLookup = @Sendable (String) async throws -> ContactProfile?

    /// The entry for everything no more specific entry takes.
    public static let defaultRoute = "default"

    private let channels: [String: WebhookChannel]
    private let client: HTTPClient
    private let profile: ProfileLookup

    /// A router over `endpoints` (each named after its entry; two with one name throw), giving each
    /// attempt `timeout`, reading profiles through `profile`.
    public init(endpoints: [WebhookEndpoint], timeout: Duration = WebhookChannel.defaultTimeout,
                profile: @escaping ProfileLookup) throws {
        var names = Set<String>()
        for endpoint in endpoints where !names.insert(endpoint.name).inserted {
            throw ChannelRoutingError.duplicateEntry(endpoint.name)
        }
        // Redirects are answers like any other non-2xx: following one would send the signed action, and the
        // contact's profile, to a URL nobody configured.
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                                configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))
        self.client = client
        channels = Dictionary(uniqueKeysWithValues: endpoints.map {
            ($0.name, WebhookChannel(endpoint: $0, client: client, timeout: timeout))
        })
        self.profile = profile
    }

    /// A router over `endpoints` that reads profiles from `store`.
    public convenience init(endpoints: [WebhookEndpoint], timeout: Duration = WebhookChannel.defaultTimeout,
                            store: any CampaignStore) throws {
        try self.init(endpoints: endpoints, timeout: timeout, profile: { try await store.contact($0) })
    }

    /// The endpoint `action` goes to by the rule above; throws ``ChannelRoutingError/noRoute(action:entry:)``
    /// when neither its own entry nor `default` exists.
    public func endpoint(for action: FlowAction) throws -> WebhookEndpoint {
        try channel(for: action).endpoint
    }

    /// Delivers `request` through its route, with the profile of the contact it is about.
    public func perform(_ request: ActionRequest) async throws {
        let channel = try channel(for: request.action)
        let id = request.key.visit.contact
        guard let profile = try await profile(id) else { throw ChannelRoutingError.unknownContact(id) }
        try await channel.deliver(request, profile: profile)
    }

    /// Closes the HTTP client's connections; call it once, after the last delivery.
    public func shutdown() async throws {
        try await client.shutdown()
    }

    private func channel(for action: FlowAction) throws -> WebhookChannel {
        let entry: String? = switch action {
        case .send(let channel, _): channel.rawValue
        case .export(let destination, _), .webhook(let destination, _): destination
        case .update, .tags, .unsubscribe, .archive, .grantPromo, .postal: nil
        }
        if let entry, let channel = channels[entry] { return channel }
        if let channel = channels[Self.defaultRoute] { return channel }
        throw ChannelRoutingError.noRoute(action: action.kind, entry: entry)
    }
}

/// Why the router could not hand an action to a channel.
public enum ChannelRoutingError: Error, Equatable, CustomStringConvertible {
    /// Two endpoints have one entry name.
    case duplicateEntry(String)
    /// Neither the action's own entry (its channel or destination, when it has one) nor `default` exists.
    case noRoute(action: String, entry: String?)
    /// The contact the action is about has no profile in the store.
    case unknownContact(String)

    /// The problem in words.
    public var description: String {
        switch self {
        case .duplicateEntry(let name):
            "two channel endpoints are named '\(name)'"
        case .noRoute(let action, let entry?):
            "no channel for \(action) actions to '\(entry)': channels has neither '\(entry)' nor '\(ChannelRouter.defaultRoute)'"
        case .noRoute(let action, nil):
            "no channel for \(action) actions: channels has no '\(ChannelRouter.defaultRoute)'"
        case .unknownContact(let id):
            "contact '\(id)' has no profile to send with the action"
        }
    }
}
