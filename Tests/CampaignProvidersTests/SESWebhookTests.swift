import _CryptoExtras
import CampaignProviders
import CampaignFlows
import Crypto
import Foundation
import Testing
import X509

/// Stands in for Amazon SNS: an RSA key with a self-signed certificate, signing messages as SNS documents.
struct SNSSigner {
    let key: _RSA.Signing.PrivateKey
    let certificatePEM: String

    init() throws {
        key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let name = try DistinguishedName { CommonName("sns.us-west-2.amazonaws.com") }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: Date(timeIntervalSince1970: 1_500_000_000), notValidAfter: Date(timeIntervalSince1970: 2_500_000_000),
            issuer: name, subject: name, signatureAlgorithm: .sha256WithRSAEncryption, extensions: Certificate.Extensions(),
            issuerPrivateKey: Certificate.PrivateKey(key))
        certificatePEM = try certificate.serializeAsPEM().pemString
    }

    /// `fields` as an SNS message body, signed with `version` over the text SNS documents: for each signed
    /// field of the type, in order, `Key\nValue\n` (`Subject` only when present).
    func message(_ fields: [String: String], version: String = "2") throws -> String {
        let order = fields["Type"] == "Notification"
            ? ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
            : ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
        let text = order.compactMap { field in fields[field].map { "\(field)\n\($0)\n" } }.joined()
        let signature = version == "1"
            ? try key.signature(for: Insecure.SHA1.hash(data: Array(text.utf8)), padding: .insecurePKCS1v1_5)
            : try key.signature(for: SHA256.hash(data: Array(text.utf8)), padding: .insecurePKCS1v1_5)
        var signed = fields
        signed["SignatureVersion"] = version
        signed["Signature"] = signature.rawRepresentation.base64EncodedString()
        signed["SigningCertURL"] = "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem"
        return String(decoding: try JSONSerialization.data(withJSONObject: signed, options: [.sortedKeys]), as: UTF8.self)
    }
}

@Suite struct SESWebhookTests {
    static let topic = "arn:aws:sns:us-west-2:123456789012:MyTopic"
    static let key = "c1/abandoned-cart/v2/email_f/1"

    /// An SNS notification carrying `event` (an SES event's JSON) as its message.
    static func notification(_ event: String, id: String = "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324") -> [String: String] {
        ["Type": "Notification", "MessageId": id, "TopicArn": topic, "Message": event,
         "Timestamp": "2017-08-05T00:41:02.700Z",
         "UnsubscribeURL": "https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=\(topic):c9135db0-26c4-47ec-8998-413945fb5a96"]
    }

    /// An SES event in the shape of the SES documentation's examples of event publishing to SNS.
    static func sesEvent(_ type: String, _ detail: String, tags: String = #""campaignc_key":["\#(key)"],"#) -> String {
        """
        {"eventType":"\(type)",\(detail)"mail":{"timestamp":"2017-08-05T00:40:02.012Z","source":"Sender Name <sender@example.com>",\
        "sourceArn":"arn:aws:ses:us-east-1:123456789012:identity/sender@example.com","sendingAccountId":"123456789012",\
        "messageId":"EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000","destination":["recipient@example.com"],\
        "headersTruncated":false,"tags":{\(tags)"ses:configuration-set":["ConfigSet"],"ses:source-ip":["192.0.2.0"],\
        "ses:from-domain":["example.com"],"ses:caller-identity":["ses_user"]}}}
        """
    }

    @Test func signedNotificationsMapToMessageEvents() throws {
        let sns = try SNSSigner()
        let webhook = try SESWebhook(topicARN: Self.topic, certificatePEM: sns.certificatePEM)
        let at = 1_501_893_662.669
        let cases: [(String, String, String, [String: Value])] = [
            ("Delivery", #""delivery":{"timestamp":"2017-08-05T00:41:02.669Z","processingTimeMillis":546,"recipients":["recipient@example.com"],"smtpResponse":"250 ok","reportingMTA":"a8-70.smtp-out.amazonses.com"},"#,
             "message_delivered", [:]),
            ("Open", #""open":{"ipAddress":"192.0.2.1","timestamp":"2017-08-05T00:41:02.669Z","userAgent":"Mozilla/5.0"},"#,
             "email_opened", [:]),
            ("Click", #""click":{"ipAddress":"192.0.2.1","link":"http://docs.aws.amazon.com/ses/latest/DeveloperGuide/send-email-smtp.html","linkTags":{"samplekey0":["samplevalue0"]},"timestamp":"2017-08-05T00:41:02.669Z","userAgent":"Mozilla/5.0"},"#,
             "link_clicked", ["link": .string("http://docs.aws.amazon.com/ses/latest/DeveloperGuide/send-email-smtp.html")]),
            ("Bounce", #""bounce":{"bounceType":"Permanent","bounceSubType":"General","bouncedRecipients":[{"emailAddress":"recipient@example.com","action":"failed","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"}],"timestamp":"2017-08-05T00:41:02.669Z","feedbackId":"01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000","reportingMTA":"dsn; mta.example.com"},"#,
             "message_bounced", ["type": .string("hard")]),
            ("Bounce", #""bounce":{"bounceType":"Transient","bounceSubType":"MailboxFull","timestamp":"2017-08-05T00:41:02.669Z"},"#,
             "message_bounced", ["type": .string("soft")]),
            ("Bounce", #""bounce":{"bounceType":"Undetermined","bounceSubType":"Undetermined","timestamp":"2017-08-05T00:41:02.669Z"},"#,
             "message_bounced", ["type": .string("soft")]),
            ("Complaint", #""complaint":{"complainedRecipients":[{"emailAddress":"recipient@example.com"}],"timestamp":"2017-08-05T00:41:02.669Z","feedbackId":"01000157c44f053b","userAgent":"Mozilla/5.0","complaintFeedbackType":"abuse","arrivalDate":"2017-08-05T00:41:02.669Z"},"#,
             "spam_complaint", [:]),
        ]
        for (type, detail, event, payload) in cases {
            for version in ["1", "2"] {
                let body = try sns.message(Self.notification(Self.sesEvent(type, detail)), version: version)
                #expect(events(try webhook.receive(webhookRequest(body: body, now: 0))) == [
                    ProviderEvent(providerEventID: "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324", sendKey: Self.key, event: event,
                                  payload: emailPayload(payload), occurredAt: at),
                ], "\(type) signed with version \(version)")
            }
        }
    }

    @Test func identityNotificationsSubjectsSkippedEventsAndMissingTags() throws {
        let sns = try SNSSigner()
        let webhook = try SESWebhook(topicARN: Self.topic, certificatePEM: sns.certificatePEM)
        let bounce = #"{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","timestamp":"2016-01-27T14:59:38.237Z"},"mail":{"messageId":"m1"}}"#
        var fields = Self.notification(bounce)
        fields["Subject"] = "Amazon SES Email Event Notification"
        #expect(events(try webhook.receive(webhookRequest(body: try sns.message(fields), now: 0))) == [
            ProviderEvent(providerEventID: "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324", sendKey: nil, event: "message_bounced",
                          payload: emailPayload(["type": .string("hard")]), occurredAt: 1_453_906_778.237),
        ])
        let send = Self.sesEvent("Send", #""send":{},"#)
        #expect(try webhook.receive(webhookRequest(body: try sns.message(Self.notification(send)), now: 0)) == .events([]))
    }

    @Test func aSubscriptionConfirmationCarriesItsURL() throws {
        let sns = try SNSSigner()
        let webhook = try SESWebhook(topicARN: Self.topic, certificatePEM: sns.certificatePEM)
        let url = "https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=\(Self.topic)&Token=2336412f37"
        let fields = [
            "Type": "SubscriptionConfirmation", "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b", "Token": "2336412f37",
            "TopicArn": Self.topic, "SubscribeURL": url, "Timestamp": "2012-04-26T20:45:04.751Z",
            "Message": "You have chosen to subscribe to the topic \(Self.topic).\nTo confirm the subscription, visit the SubscribeURL included in this message.",
        ]
        #expect(try webhook.receive(webhookRequest(body: try sns.message(fields, version: "1"), now: 0)) == .subscriptionConfirmation(subscribeURL: url))
        var unsubscribed = fields
        unsubscribed["Type"] = "UnsubscribeConfirmation"
        #expect(try webhook.receive(webhookRequest(body: try sns.message(unsubscribed), now: 0)) == .events([]))
    }

    @Test func aTamperedForeignOrUnsignedMessageIsUnauthorized() throws {
        let sns = try SNSSigner()
        let webhook = try SESWebhook(topicARN: Self.topic, certificatePEM: sns.certificatePEM)
        let event = Self.sesEvent("Delivery", #""delivery":{"timestamp":"2017-08-05T00:41:02.669Z"},"#)
        let body = try sns.message(Self.notification(event))
        let refused = [
            body.replacingOccurrences(of: "Delivery", with: "Complaint"),
            body.replacingOccurrences(of: "22b80b92", with: "22b80b93"),
            body.replacingOccurrences(of: #""SignatureVersion":"2""#, with: #""SignatureVersion":"1""#),
            body.replacingOccurrences(of: #""SignatureVersion":"2""#, with: #""SignatureVersion":"3""#),
            try sns.message(Self.notification(event).merging(["TopicArn": "arn:aws:sns:us-west-2:123456789012:OtherTopic"]) { $1 }),
            try SNSSigner().message(Self.notification(event)),
            try sns.message(Self.notification(event).merging(["Subject": "added after signing"]) { $1 })
                .replacingOccurrences(of: #""Subject":"added after signing","#, with: "")
                .replacingOccurrences(of: #","Subject":"added after signing""#, with: ""),
            String(decoding: try JSONSerialization.data(withJSONObject: Self.notification(event)), as: UTF8.self),
        ]
        for request in refused {
            #expect(refusal(webhook, webhookRequest(body: request, now: 0))?.isUnauthorized == true, "\(request.prefix(120))")
        }
    }

    @Test func malformedBodiesAndMessagesAreMalformed() throws {
        let sns = try SNSSigner()
        let webhook = try SESWebhook(topicARN: Self.topic, certificatePEM: sns.certificatePEM)
        let bodies = [
            #"{"Type":"Notification","#,
            try sns.message(Self.notification("not json")),
            try sns.message(Self.notification(#"{"mail":{}}"#)),
            try sns.message(Self.notification(Self.sesEvent("Click", #""click":{"timestamp":"2017-08-05T00:41:02.669Z"},"#))),
            try sns.message(Self.notification(Self.sesEvent("Bounce", #""bounce":{"bounceType":"Sideways"},"#))),
            try sns.message(Self.notification(Self.sesEvent("Open", #""open":{"timestamp":"last week"},"#))),
        ]
        for body in bodies {
            #expect(refusal(webhook, webhookRequest(body: body, now: 0))?.isMalformed == true, "\(body.prefix(120))")
        }
    }

    @Test func aCertificateThatDoesNotReadIsAConfigurationError() throws {
        #expect(throws: ProviderConfigurationError.self) { try SESWebhook(topicARN: Self.topic, certificatePEM: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----") }
        let ecKey = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("not rsa") }
        let ecCertificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(ecKey.publicKey),
            notValidBefore: Date(timeIntervalSince1970: 1_500_000_000), notValidAfter: Date(timeIntervalSince1970: 2_500_000_000),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256, extensions: Certificate.Extensions(),
            issuerPrivateKey: Certificate.PrivateKey(ecKey))
        #expect(throws: ProviderConfigurationError.self) {
            try SESWebhook(topicARN: Self.topic, certificatePEM: try ecCertificate.serializeAsPEM().pemString)
        }
    }
}
