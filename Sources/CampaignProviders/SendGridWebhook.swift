import CampaignFlows
import Crypto
import Foundation

/// SendGrid's signed Event Webhook. SendGrid signs the UTF-8 of the
/// `X-Twilio-Email-Event-Webhook-Timestamp` header followed by the raw body with ECDSA P-256 and SHA-256, and
/// sends the base64 DER signature in `X-Twilio-Email-Event-Webhook-Signature`; the verification key it shows
/// is base64 DER (SubjectPublicKeyInfo). The body is a JSON array of events, each carrying the send's
/// `custom_args` as top-level fields.
public struct SendGridWebhook: ProviderWebhook {
    /// `sendgrid`.
    public var provider: String { "sendgrid" }
    /// The header with the base64 DER signature.
    public static let signatureHeader = "X-Twilio-Email-Event-Webhook-Signature"
    /// The header with the signing time, in seconds since 1970.
    public static let timestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp"

    /// The key's DER: swift-crypto's key type is not `Sendable`, so the key is read again from it for each
    /// request (a few microseconds).
    private let publicKeyDER: Data
    /// How far the signing time may be from now, in seconds; nil to accept any age.
    public let maximumAge: Double?

    /// A webhook verified with SendGrid's verification key (base64 DER, as SendGrid shows it).
    ///
    /// `maximumAge` is nil by default: SendGrid documents no tolerance and retries a failed post for up to
    /// 72 hours, and a replayed event changes nothing because the service deduplicates on `sg_event_id`.
    public init(publicKey base64: String, maximumAge: Double? = nil) throws(ProviderConfigurationError) {
        guard let der = Data(base64Encoded: base64.trimmingCharacters(in: .whitespacesAndNewlines)),
              (try? P256.Signing.PublicKey(derRepresentation: der)) != nil else {
            throw ProviderConfigurationError("the SendGrid verification key is not a base64 DER P-256 public key")
        }
        self.publicKeyDER = der
        self.maximumAge = maximumAge
    }

    /// Whether `signature` (the base64 DER header value) is SendGrid's signature of `timestamp` followed by
    /// `body` under this key. Checks no age: see ``maximumAge``.
    public func isValidSignature(_ signature: String, timestamp: String, body: [UInt8]) -> Bool {
        guard let der = Data(base64Encoded: signature),
              let ecdsa = try? P256.Signing.ECDSASignature(derRepresentation: der),
              let publicKey = try? P256.Signing.PublicKey(derRepresentation: publicKeyDER) else { return false }
        return publicKey.isValidSignature(ecdsa, for: Array(timestamp.utf8) + body)
    }

    /// Verifies the signature (and the age, when limited), then maps each event of the array.
    public func receive(_ request: ProviderRequest) throws(ProviderWebhookError) -> ProviderReceipt {
        guard let signature = request.header(Self.signatureHeader), let timestamp = request.header(Self.timestampHeader) else {
            throw .unauthorized("the SendGrid signature or timestamp header is missing")
        }
        guard isValidSignature(signature, timestamp: timestamp, body: request.body) else {
            throw .unauthorized("the SendGrid signature does not verify with the configured key")
        }
        if let maximumAge {
            guard let signedAt = Double(timestamp), abs(request.now - signedAt) <= maximumAge else {
                throw .unauthorized("the SendGrid timestamp is more than \(Int(maximumAge)) seconds from now")
            }
        }
        guard let events = try JSONValue.parse(request.body, "the SendGrid body").array else {
            throw .malformed("the SendGrid body is not a JSON array of events")
        }
        var mapped: [ProviderEvent] = []
        for (index, event) in events.enumerated() {
            if let message = try Self.map(event, at: "event \(index)") { mapped.append(message) }
        }
        return .events(mapped)
    }

    /// The message event one SendGrid event stands for; nil for those with no meaning for the runtime
    /// (`processed`, `deferred`, `dropped`, `group_resubscribe`, and any other).
    private static func map(_ event: JSONValue, at place: String) throws(ProviderWebhookError) -> ProviderEvent? {
        guard event.isObject, let name = event["event"]?.string else {
            throw .malformed("SendGrid \(place) has no \"event\"")
        }
        let kind: MessageEventKind
        switch name {
        case "delivered": kind = .delivered
        case "open": kind = .opened
        case "click":
            guard let url = event["url"]?.string else { throw .malformed("SendGrid \(place), a click, has no \"url\"") }
            kind = .clicked(link: url)
        case "bounce":
            // SendGrid's `type`: `bounce` is a permanent failure, `blocked` a block by the receiving server.
            switch event["type"]?.string {
            case "bounce": kind = .bounced(hard: true)
            case "blocked": kind = .bounced(hard: false)
            default: throw .malformed("SendGrid \(place), a bounce, has a \"type\" other than \"bounce\" or \"blocked\"")
            }
        case "spamreport": kind = .complained
        case "unsubscribe", "group_unsubscribe": kind = .unsubscribed
        default: return nil
        }
        guard let id = event["sg_event_id"]?.string, !id.isEmpty else {
            throw .malformed("SendGrid \(place) has no \"sg_event_id\"")
        }
        return ProviderEvent(providerEventID: id, sendKey: event["campaignc_key"]?.string, kind: kind,
                             occurredAt: try occurredAt(event["timestamp"], "SendGrid \(place)'s \"timestamp\""))
    }
}
