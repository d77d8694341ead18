import CampaignFlows
import Crypto

/// Mailgun's JSON webhooks. The body is `{ "signature": { "timestamp", "token", "signature" }, "event-data":
/// {...} }`; `signature` is the hexadecimal HMAC-SHA256, keyed with the webhook signing key, of the timestamp
/// followed by the token. For a subaccount's domain Mailgun adds `parent-signature`, the same made with the
/// primary account's key; either one verifying is enough.
public struct MailgunWebhook: ProviderWebhook {
    /// `mailgun`.
    public var provider: String { "mailgun" }

    /// The key's bytes (swift-crypto's `SymmetricKey` is not `Sendable`).
    private let signingKey: [UInt8]
    /// How far the signature's timestamp may be from now, in seconds.
    public let maximumAge: Double

    /// A webhook verified with Mailgun's webhook signing key, refusing signatures more than `maximumAge`
    /// seconds (5 minutes by default) from now, so that a captured request cannot be replayed later.
    public init(signingKey: String, maximumAge: Double = 300) throws(ProviderConfigurationError) {
        guard !signingKey.isEmpty else { throw ProviderConfigurationError("the Mailgun signing key is empty") }
        self.signingKey = Array(signingKey.utf8)
        self.maximumAge = maximumAge
    }

    /// Whether `signature` (hexadecimal) is the HMAC-SHA256 of `timestamp` followed by `token` under the
    /// signing key, compared in constant time. Checks no age.
    public func isValidSignature(_ signature: String, timestamp: String, token: String) -> Bool {
        guard let given = bytes(hex: signature) else { return false }
        let expected = HMAC<SHA256>.authenticationCode(for: Array((timestamp + token).utf8), using: SymmetricKey(data: signingKey))
        return constantTimeEqual(Array(expected), given)
    }

    /// Verifies the signature and its age, then maps `event-data`.
    public func receive(_ request: ProviderRequest) throws(ProviderWebhookError) -> ProviderReceipt {
        let body = try JSONValue.parse(request.body, "the Mailgun body")
        guard let signed = body["signature"], let token = signed["token"]?.string, let timestamp = Self.text(signed["timestamp"]) else {
            throw .unauthorized("the Mailgun body has no signature with a timestamp and a token")
        }
        let signatures = [signed["signature"]?.string, signed["parent-signature"]?.string].compactMap { $0 }
        guard !signatures.isEmpty else { throw .unauthorized("the Mailgun body has no signature") }
        guard signatures.contains(where: { isValidSignature($0, timestamp: timestamp, token: token) }) else {
            throw .unauthorized("the Mailgun signature does not verify with the configured signing key")
        }
        guard let signedAt = Double(timestamp), abs(request.now - signedAt) <= maximumAge else {
            throw .unauthorized("the Mailgun timestamp is more than \(Int(maximumAge)) seconds from now")
        }
        guard let event = body["event-data"], event.isObject else { throw .malformed("the Mailgun body has no \"event-data\" object") }
        guard let message = try Self.map(event) else { return .events([]) }
        return .events([message])
    }

    /// The timestamp as it was signed: Mailgun writes it as a string of digits, its documentation as a
    /// number; a whole number is read back in digits.
    private static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text)?: return text
        case .integer(let seconds)?: return String(seconds)
        case .number(let seconds)? where seconds.rounded() == seconds && abs(seconds) < 1e15: return String(Int(seconds))
        default: return nil
        }
    }

    /// The message event a Mailgun event stands for; nil for those with no meaning for the runtime
    /// (`accepted`, `rejected`, `stored`, and any other).
    private static func map(_ event: JSONValue) throws(ProviderWebhookError) -> ProviderEvent? {
        guard let name = event["event"]?.string else { throw .malformed("the Mailgun \"event-data\" has no \"event\"") }
        let kind: MessageEventKind
        switch name {
        case "delivered": kind = .delivered
        case "opened": kind = .opened
        case "clicked":
            guard let url = event["url"]?.string else { throw .malformed("the Mailgun click has no \"url\"") }
            kind = .clicked(link: url)
        case "unsubscribed": kind = .unsubscribed
        case "complained": kind = .complained
        case "failed":
            // Mailgun's `severity`: `permanent` when it gave up on the address, `temporary` when it will retry.
            switch event["severity"]?.string {
            case "permanent": kind = .bounced(hard: true)
            case "temporary": kind = .bounced(hard: false)
            default: throw .malformed("the Mailgun failure has a \"severity\" other than \"permanent\" or \"temporary\"")
            }
        default: return nil
        }
        guard let id = event["id"]?.string, !id.isEmpty else { throw .malformed("the Mailgun \"event-data\" has no \"id\"") }
        return ProviderEvent(providerEventID: id, sendKey: event["user-variables"]?["campaignc_key"]?.string, kind: kind,
                             occurredAt: try occurredAt(event["timestamp"], "the Mailgun \"timestamp\""))
    }
}
