import AsyncHTTPClient
import CampaignFlows
import CampaignRuntime
import Foundation
import NIOCore

/// One receiver of actions: the URL a `webhook` channel POSTs to and the secret it signs with.
///
/// The secret never leaves the value except as HMAC codes: printing, dumping or interpolating an endpoint
/// shows its name and URL only.
public struct WebhookEndpoint: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The `channels:` entry it comes from (`email`, a destination, `default`): routes and errors name it.
    public var name: String
    /// Where actions are POSTed.
    public var url: URL
    fileprivate var secret: String

    /// An endpoint; `secret` is the HMAC key's text (its UTF-8 bytes are the key).
    public init(name: String, url: URL, secret: String) {
        self.name = name
        self.url = url
        self.secret = secret
    }

    /// `webhook 'NAME' at URL`, without the secret.
    public var description: String { "webhook '\(name)' at \(url.absoluteString)" }

    /// The same as ``description``: a debugger shows no secret either.
    public var debugDescription: String { description }

    /// Name and URL only, so `dump` and reflection show no secret.
    public var customMirror: Mirror { Mirror(self, children: ["name": name, "url": url]) }
}

/// Delivers actions to one ``WebhookEndpoint``: each is a signed JSON POST, and the answer decides whether
/// the action is done.
///
/// A 2xx answer is done, and so is 409 (the receiver already has the key: an earlier attempt arrived but its
/// answer was lost). Any other status, a failed connection or no answer within `timeout` throws, so that the
/// ``OutboxDispatcher`` retries the action with backoff, with the same idempotency key, until it is dead.
public struct WebhookChannel: Sendable {
    /// Where this channel POSTs.
    public let endpoint: WebhookEndpoint
    /// How long an attempt may take, the answer included.
    public let timeout: Duration
    private let client: HTTPClient

    /// How long a receiver has to answer by default (SERVICE.md).
    public static let defaultTimeout: Duration = .seconds(10)

    /// A channel to `endpoint` through `client`, which the caller owns and shuts down.
    public init(endpoint: WebhookEndpoint, client: HTTPClient, timeout: Duration = defaultTimeout) {
        self.endpoint = endpoint
        self.client = client
        self.timeout = timeout
    }

    /// POSTs `request` about the contact whose profile is `profile`; returns once the receiver has it, and
    /// throws a ``WebhookDeliveryError`` otherwise.
    public func deliver(_ request: ActionRequest, profile: ContactProfile) async throws {
        let body = try ActionDocument(request, profile: profile).encoded()
        // The signature's time is real time even under a virtual clock: receivers check it against theirs.
        let timestamp = Int(Date().timeIntervalSince1970)
        var post = HTTPClientRequest(url: endpoint.url.absoluteString)
        post.method = .POST
        post.headers.add(name: "Content-Type", value: "application/json")
        post.headers.add(name: "Idempotency-Key", value: request.key.description)
        post.headers.add(name: WebhookSignature.headerName,
                         value: WebhookSignature.header(body: body, secret: endpoint.secret, timestamp: timestamp))
        post.body = .bytes(body)

        let status: UInt
        do {
            let response = try await client.execute(post, timeout: TimeAmount(timeout))
            status = response.status.code
            // The status decides; the body is read only to free the connection, and a failure while reading
            // it cannot undo an answer already given.
            _ = try? await response.body.collect(upTo: Self.answerLimit)
        } catch let error as HTTPClientError
                    where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw WebhookDeliveryError.timedOut(endpoint: endpoint.name, after: timeout)
        } catch {
            throw WebhookDeliveryError.unreachable(endpoint: endpoint.name, reason: String(describing: error))
        }
        guard (200..<300).contains(status) || status == 409 else {
            throw WebhookDeliveryError.refused(endpoint: endpoint.name, status: Int(status))
        }
    }

    /// The most of an answer's body read back: receivers answer with a status, not content.
    private static let answerLimit = 64 * 1024
}

/// Why a webhook attempt failed; the ``OutboxDispatcher`` retries it.
public enum WebhookDeliveryError: Error, Equatable, CustomStringConvertible {
    /// The receiver answered with a status other than 2xx or 409.
    case refused(endpoint: String, status: Int)
    /// No answer within the channel's timeout.
    case timedOut(endpoint: String, after: Duration)
    /// No answer at all: the connection was refused or broke.
    case unreachable(endpoint: String, reason: String)

    /// The failure in words, naming the channel entry.
    public var description: String {
        switch self {
        case .refused(let endpoint, let status): "webhook '\(endpoint)' answered \(status)"
        case .timedOut(let endpoint, let after): "webhook '\(endpoint)' did not answer within \(after)"
        case .unreachable(let endpoint, let reason): "webhook '\(endpoint)' is unreachable: \(reason)"
        }
    }
}
