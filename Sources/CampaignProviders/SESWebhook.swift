import CampaignFlows
import _CryptoExtras
import Crypto
import Foundation
import X509

/// Amazon SES events published to an SNS topic that posts to this endpoint. The body is an SNS message
/// (`Type`: `Notification`, `SubscriptionConfirmation` or `UnsubscribeConfirmation`) signed with RSA over a
/// canonical text of some of its fields: SHA1withRSA for `SignatureVersion` 1, SHA256withRSA for 2. It is
/// verified with the SNS signing certificate configured (this library fetches no certificate), and must come
/// from the configured topic. A notification's `Message` is the SES event, as JSON in a string.
public struct SESWebhook: ProviderWebhook {
    /// `ses`.
    public var provider: String { "ses" }
    /// The topic whose messages are accepted.
    public let topicARN: String

    private let signingKey: _RSA.Signing.PublicKey

    /// A webhook for the topic `topicARN`, verified with the RSA key of the SNS signing certificate in
    /// `certificatePEM` (the PEM text, read by the caller).
    public init(topicARN: String, certificatePEM: String) throws(ProviderConfigurationError) {
        guard !topicARN.isEmpty else { throw ProviderConfigurationError("the SES topic ARN is empty") }
        guard let certificate = try? Certificate(pemEncoded: certificatePEM) else {
            throw ProviderConfigurationError("the SNS signing certificate is not a PEM X.509 certificate")
        }
        guard let key = _RSA.Signing.PublicKey(certificate.publicKey) else {
            throw ProviderConfigurationError("the SNS signing certificate does not hold an RSA key")
        }
        self.topicARN = topicARN
        self.signingKey = key
    }

    /// The fields SNS signs, in the order it signs them, by message type; `Subject` only when present.
    private static func signedFields(of type: String) -> [String]? {
        switch type {
        case "Notification": ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
        case "SubscriptionConfirmation", "UnsubscribeConfirmation":
            ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
        default: nil
        }
    }

    /// The text SNS signs for `message`: `Key\nValue\n` for each signed field of its type, in order; nil when
    /// the type is unknown or a field other than `Subject` is missing.
    static func canonicalText(of message: JSONValue) -> String? {
        guard let type = message["Type"]?.string, let fields = signedFields(of: type) else { return nil }
        var text = ""
        for field in fields {
            guard let value = message[field]?.string else {
                if field == "Subject" { continue }
                return nil
            }
            text += "\(field)\n\(value)\n"
        }
        return text
    }

    /// Verifies the SNS signature and topic, then answers a subscription confirmation with its URL, an
    /// unsubscribe confirmation with no events, and a notification with the SES event it carries.
    public func receive(_ request: ProviderRequest) throws(ProviderWebhookError) -> ProviderReceipt {
        let message = try JSONValue.parse(request.body, "the SNS body")
        guard message.isObject, let canonical = Self.canonicalText(of: message) else {
            throw .unauthorized("the SNS message lacks a field it must sign")
        }
        guard let signature = message["Signature"]?.string.flatMap({ Data(base64Encoded: $0) }) else {
            throw .unauthorized("the SNS message has no base64 signature")
        }
        let rsa = _RSA.Signing.RSASignature(rawRepresentation: signature)
        let valid = switch message["SignatureVersion"]?.string {
        case "1": signingKey.isValidSignature(rsa, for: Insecure.SHA1.hash(data: Array(canonical.utf8)), padding: .insecurePKCS1v1_5)
        case "2": signingKey.isValidSignature(rsa, for: SHA256.hash(data: Array(canonical.utf8)), padding: .insecurePKCS1v1_5)
        default: throw ProviderWebhookError.unauthorized("the SNS signature version is neither 1 nor 2")
        }
        guard valid else { throw .unauthorized("the SNS signature does not verify with the configured certificate") }
        guard message["TopicArn"]?.string == topicARN else { throw .unauthorized("the SNS message comes from another topic") }
        switch message["Type"]?.string {
        case "SubscriptionConfirmation":
            guard let url = message["SubscribeURL"]?.string, url.hasPrefix("https://") else {
                throw .malformed("the SNS subscription confirmation's \"SubscribeURL\" is not an https URL")
            }
            return .subscriptionConfirmation(subscribeURL: url)
        case "Notification":
            guard let id = message["MessageId"]?.string, !id.isEmpty, let text = message["Message"]?.string else {
                throw .malformed("the SNS notification has no \"MessageId\"")
            }
            guard let event = try Self.map(JSONValue.parse(Array(text.utf8), "the SNS notification's \"Message\""), id: id) else {
                return .events([])
            }
            return .events([event])
        default:
            return .events([])
        }
    }

    /// The message event an SES event stands for (event publishing's `eventType`, or `notificationType` of
    /// identity notifications); nil for those with no meaning for the runtime (`Send`, `Reject`,
    /// `DeliveryDelay`, `Rendering Failure`, `Subscription`, and any other).
    private static func map(_ event: JSONValue, id: String) throws(ProviderWebhookError) -> ProviderEvent? {
        guard let type = event["eventType"]?.string ?? event["notificationType"]?.string else {
            throw .malformed("the SES event has no \"eventType\" or \"notificationType\"")
        }
        let kind: MessageEventKind, detail: String
        switch type {
        case "Delivery": (kind, detail) = (.delivered, "delivery")
        case "Open": (kind, detail) = (.opened, "open")
        case "Click":
            guard let link = event["click"]?["link"]?.string else { throw .malformed("the SES click has no \"click.link\"") }
            (kind, detail) = (.clicked(link: link), "click")
        case "Bounce":
            // `Permanent`: SES will not deliver to the address; `Transient` and `Undetermined` leave it usable.
            switch event["bounce"]?["bounceType"]?.string {
            case "Permanent": kind = .bounced(hard: true)
            case "Transient", "Undetermined": kind = .bounced(hard: false)
            default: throw .malformed("the SES bounce has a \"bounceType\" other than Permanent, Transient or Undetermined")
            }
            detail = "bounce"
        case "Complaint": (kind, detail) = (.complained, "complaint")
        default: return nil
        }
        // Tags are lists of strings; the send sets one value.
        let key = event["mail"]?["tags"]?["campaignc_key"]?.array?.first?.string
        return ProviderEvent(providerEventID: id, sendKey: key, kind: kind,
                             occurredAt: try occurredAt(event[detail]?["timestamp"], "the SES \"\(detail).timestamp\""))
    }
}
