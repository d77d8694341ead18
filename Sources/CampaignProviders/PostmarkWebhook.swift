import CampaignFlows
import Crypto
import Foundation

/// Postmark's webhooks, protected by HTTP basic authentication: Postmark posts to a URL configured with
/// `user:password`, so each request carries `Authorization: Basic BASE64(user:password)`. The body is one
/// JSON record whose `RecordType` says what happened; the send's metadata comes back in `Metadata`.
public struct PostmarkWebhook: ProviderWebhook {
    /// `postmark`.
    public var provider: String { "postmark" }

    /// The digest of the expected credentials: comparing digests in constant time hides the password's
    /// length as well as its bytes.
    private let credentialsDigest: [UInt8]

    /// A webhook that accepts requests with these credentials, written `user:password`.
    public init(basicAuth credentials: String) throws(ProviderConfigurationError) {
        guard let colon = credentials.firstIndex(of: ":"), colon != credentials.startIndex,
              credentials.index(after: colon) != credentials.endIndex else {
            throw ProviderConfigurationError("the Postmark basic authentication is not \"user:password\"")
        }
        credentialsDigest = Array(SHA256.hash(data: Array(credentials.utf8)))
    }

    /// Whether an `Authorization` header value carries the configured credentials.
    public func isAuthorized(_ authorization: String) -> Bool {
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let credentials = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)) else { return false }
        return constantTimeEqual(Array(SHA256.hash(data: credentials)), credentialsDigest)
    }

    /// Checks the credentials, then maps the record.
    public func receive(_ request: ProviderRequest) throws(ProviderWebhookError) -> ProviderReceipt {
        guard let authorization = request.header("Authorization") else {
            throw .unauthorized("the Postmark request has no Authorization header")
        }
        guard isAuthorized(authorization) else {
            throw .unauthorized("the Postmark request's basic authentication does not match the configured credentials")
        }
        let record = try JSONValue.parse(request.body, "the Postmark body")
        guard record.isObject, let type = record["RecordType"]?.string else {
            throw .malformed("the Postmark body is not a record with a \"RecordType\"")
        }
        guard let (kind, timeField) = try Self.kind(of: type, record) else { return .events([]) }
        let messageID: String
        if let id = record["MessageID"]?.string {
            messageID = id
        } else if type == "SubscriptionChange", record["MessageID"] == nil || record["MessageID"] == .null {
            messageID = "" // a suppression made by hand in Postmark has no message
        } else {
            throw .malformed("the Postmark \(type) record has no \"MessageID\"")
        }
        guard let time = record[timeField]?.string else { throw .malformed("the Postmark \(type) record has no \"\(timeField)\"") }
        // Postmark gives no event id: the record type, the message and the event's time name one event, and a
        // click's link tells apart clicks on two links at the same instant.
        var id = "\(type)/\(messageID)/\(time)"
        if case .clicked(let link) = kind { id += "/\(link)" }
        return .events([ProviderEvent(providerEventID: id, sendKey: record["Metadata"]?["campaignc_key"]?.string, kind: kind,
                                      occurredAt: try occurredAt(.string(time), "the Postmark \"\(timeField)\""))])
    }

    /// The message event a record stands for and the field with its time; nil for records with no meaning
    /// for the runtime (a reactivation, a bounce record that is no failure of the send, inbound mail).
    private static func kind(of type: String, _ record: JSONValue) throws(ProviderWebhookError) -> (MessageEventKind, String)? {
        switch type {
        case "Delivery": return (.delivered, "DeliveredAt")
        case "Open": return (.opened, "ReceivedAt")
        case "Click":
            guard let link = record["OriginalLink"]?.string else { throw .malformed("the Postmark Click record has no \"OriginalLink\"") }
            return (.clicked(link: link), "ReceivedAt")
        case "SpamComplaint": return (.complained, "BouncedAt")
        case "SubscriptionChange":
            // `SuppressSending` true: the address was added to the stream's suppressions; false: reactivated.
            guard let suppressed = record["SuppressSending"]?.bool else {
                throw .malformed("the Postmark SubscriptionChange record has no \"SuppressSending\"")
            }
            return suppressed ? (.unsubscribed, "ChangedAt") : nil
        case "Bounce":
            guard let bounceType = record["Type"]?.string else { throw .malformed("the Postmark Bounce record has no \"Type\"") }
            return bounce(bounceType).map { ($0, "BouncedAt") }
        default:
            return nil
        }
    }

    /// What a Postmark bounce type means for the send (Postmark's bounce type list):
    /// - hard: `HardBounce` and `BadEmailAddress`, an address that does not exist or cannot;
    /// - not a failure of the send, skipped: the replies and notices `AutoResponder`, `AddressChange`,
    ///   `Subscribe`, `OpenRelayTest`, and `InboundError` (about inbound mail);
    /// - `Unsubscribe` (an unsubscribe request by mail) and `SpamComplaint` are those events;
    /// - soft: every other type, which leaves the address usable: `Transient`, `SoftBounce`, `DnsError`,
    ///   `Unknown`, `SpamNotification`, `VirusNotification`, `ChallengeVerification`, `ManuallyDeactivated`,
    ///   `Unconfirmed`, `Blocked`, `SMTPApiError`, `DMARCPolicy`, `TemplateRenderingFailed`, and types added later.
    private static func bounce(_ type: String) -> MessageEventKind? {
        switch type {
        case "HardBounce", "BadEmailAddress": .bounced(hard: true)
        case "AutoResponder", "AddressChange", "Subscribe", "OpenRelayTest", "InboundError": nil
        case "Unsubscribe": .unsubscribed
        case "SpamComplaint": .complained
        default: .bounced(hard: false)
        }
    }
}
