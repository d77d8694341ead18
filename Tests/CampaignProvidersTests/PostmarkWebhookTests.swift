import CampaignProviders
import CampaignFlows
import Foundation
import Testing

@Suite struct PostmarkWebhookTests {
    static let credentials = "postmark:s3cr3t-hook"
    static let authorization = [(name: "Authorization", value: "Basic " + Data(credentials.utf8).base64EncodedString())]
    static let key = "c1/abandoned-cart/v2/email_f/1"
    static let messageID = "883953f4-6105-42a2-a16a-77a8eac79483"

    // Records in the shape of Postmark's webhook documentation samples.
    static let delivery = """
    {"MessageID":"\(messageID)","Recipient":"john@example.com","DeliveredAt":"2019-11-05T16:33:54.9070259Z",\
    "Details":"Test delivery webhook details","Tag":"welcome-email","ServerID":23,\
    "Metadata":{"campaignc_key":"\(key)","a_key":"a_value"},"RecordType":"Delivery","MessageStream":"outbound"}
    """
    static let open = """
    {"RecordType":"Open","MessageStream":"outbound","FirstOpen":true,"Client":{"Name":"Chrome 35.0.1916.153",\
    "Company":"Google","Family":"Chrome"},"OS":{"Name":"OS X 10.7 Lion","Company":"Apple Computer, Inc.","Family":"OS X 10"},\
    "Platform":"WebMail","UserAgent":"Mozilla/5.0","ReadSeconds":5,"Geo":{"CountryISOCode":"RS","Country":"Serbia"},\
    "MessageID":"\(messageID)","Metadata":{"campaignc_key":"\(key)"},"ReceivedAt":"2019-11-05T16:33:54.9070259Z",\
    "Tag":"welcome-email","Recipient":"john@example.com"}
    """
    static let click = """
    {"RecordType":"Click","MessageStream":"outbound","ClickLocation":"HTML","Client":{"Name":"Chrome 35.0.1916.153"},\
    "Platform":"Desktop","UserAgent":"Mozilla/5.0","OriginalLink":"https://example.com/cart","Geo":{},\
    "MessageID":"\(messageID)","Metadata":{"campaignc_key":"\(key)"},"ReceivedAt":"2017-10-25T15:21:11.6350125Z",\
    "Tag":"welcome-email","Recipient":"john@example.com"}
    """
    static func bounce(_ type: String) -> String {
        """
        {"RecordType":"Bounce","ID":4323372036854775807,"Type":"\(type)","TypeCode":1,"Name":"Hard bounce",\
        "MessageStream":"outbound","Tag":"Test","MessageID":"\(messageID)","Metadata":{"campaignc_key":"\(key)"},"ServerID":1234,\
        "Description":"The server was unable to deliver your message (ex: unknown user, mailbox not found).",\
        "Details":"Test bounce details","Email":"john@example.com","From":"sender@example.com",\
        "BouncedAt":"2014-08-01T13:28:10.2735393-04:00","DumpAvailable":true,"Inactive":true,"CanActivate":true,\
        "Subject":"Test subject","Content":"<Full dump of bounce>"}
        """
    }
    static let spamComplaint = """
    {"RecordType":"SpamComplaint","MessageStream":"outbound","ID":42,"Type":"SpamComplaint","TypeCode":100001,\
    "Name":"Spam complaint","Tag":"Test","MessageID":"\(messageID)","Metadata":{"campaignc_key":"\(key)"},"ServerID":1234,\
    "Description":"","Details":"Test spam complaint details","Email":"john@example.com","From":"sender@example.com",\
    "BouncedAt":"2019-11-05T16:33:54.9070259Z","DumpAvailable":true,"Inactive":true,"CanActivate":false,"Subject":"Test subject"}
    """
    static func subscriptionChange(suppress: Bool, messageID: String = "\"\(messageID)\"") -> String {
        """
        {"RecordType":"SubscriptionChange","MessageID":\(messageID),"ServerID":123456,"MessageStream":"outbound",\
        "ChangedAt":"2020-02-01T10:53:34.416071Z","Recipient":"bounced-address@wildbit.com","Origin":"Recipient",\
        "SuppressSending":\(suppress),"SuppressionReason":"ManualSuppression","Tag":"my-tag","Metadata":{"campaignc_key":"\(key)"}}
        """
    }

    static func receive(_ body: String) throws -> [ProviderEvent] {
        events(try PostmarkWebhook(basicAuth: credentials).receive(webhookRequest(authorization, body: body, now: 0)))
    }

    @Test func recordsMapToMessageEventsWithStableIDs() throws {
        let delivered = 1_572_971_634.9070259
        #expect(try Self.receive(Self.delivery) == [
            ProviderEvent(providerEventID: "Delivery/\(Self.messageID)/2019-11-05T16:33:54.9070259Z", sendKey: Self.key,
                          event: "message_delivered", payload: emailPayload(), occurredAt: delivered),
        ])
        #expect(try Self.receive(Self.open) == [
            ProviderEvent(providerEventID: "Open/\(Self.messageID)/2019-11-05T16:33:54.9070259Z", sendKey: Self.key,
                          event: "email_opened", payload: emailPayload(), occurredAt: delivered),
        ])
        #expect(try Self.receive(Self.click) == [
            ProviderEvent(providerEventID: "Click/\(Self.messageID)/2017-10-25T15:21:11.6350125Z/https://example.com/cart",
                          sendKey: Self.key, event: "link_clicked", payload: emailPayload(["link": .string("https://example.com/cart")]),
                          occurredAt: 1_508_944_871.6350125),
        ])
        #expect(try Self.receive(Self.bounce("HardBounce")) == [
            ProviderEvent(providerEventID: "Bounce/\(Self.messageID)/2014-08-01T13:28:10.2735393-04:00", sendKey: Self.key,
                          event: "message_bounced", payload: emailPayload(["type": .string("hard")]), occurredAt: 1_406_914_090.2735393),
        ])
        #expect(try Self.receive(Self.spamComplaint).map(\.event) == ["spam_complaint"])
        #expect(try Self.receive(Self.subscriptionChange(suppress: true)) == [
            ProviderEvent(providerEventID: "SubscriptionChange/\(Self.messageID)/2020-02-01T10:53:34.416071Z", sendKey: Self.key,
                          event: "message_unsubscribed", payload: emailPayload(), occurredAt: 1_580_554_414.416071),
        ])
        #expect(try Self.receive(Self.subscriptionChange(suppress: true, messageID: "null")).map(\.providerEventID)
            == ["SubscriptionChange//2020-02-01T10:53:34.416071Z"], "a manual suppression has no message")
        #expect(try Self.receive(Self.subscriptionChange(suppress: false)) == [], "a reactivation")
    }

    @Test func bounceTypesAreHardSoftOrNoFailure() throws {
        let expected: [String: [String]] = [
            "HardBounce": ["message_bounced:hard"], "BadEmailAddress": ["message_bounced:hard"],
            "Transient": ["message_bounced:soft"], "SoftBounce": ["message_bounced:soft"], "DnsError": ["message_bounced:soft"],
            "Blocked": ["message_bounced:soft"], "ManuallyDeactivated": ["message_bounced:soft"], "Unknown": ["message_bounced:soft"],
            "AutoResponder": [], "AddressChange": [], "Subscribe": [], "OpenRelayTest": [], "InboundError": [],
            "Unsubscribe": ["message_unsubscribed:"], "SpamComplaint": ["spam_complaint:"],
        ]
        for (type, events) in expected {
            let mapped = try Self.receive(Self.bounce(type)).map { event in
                if case .string(let kind)? = event.payload["type"] { return "\(event.event):\(kind)" }
                return "\(event.event):"
            }
            #expect(mapped == events, "\(type)")
        }
    }

    @Test func wrongOrMissingCredentialsAreUnauthorized() throws {
        let webhook = try PostmarkWebhook(basicAuth: Self.credentials)
        let wrong = [
            [("Authorization", "Basic " + Data("postmark:s3cr3t-hooK".utf8).base64EncodedString())],
            [("Authorization", "Basic " + Data("postmark:s3cr3t-hook ".utf8).base64EncodedString())],
            [("Authorization", "Bearer " + Data(Self.credentials.utf8).base64EncodedString())],
            [("Authorization", "Basic %%%")],
            [("X-Other", "Basic " + Data(Self.credentials.utf8).base64EncodedString())],
        ]
        for headers in wrong {
            #expect(refusal(webhook, webhookRequest(headers, body: Self.delivery, now: 0))?.isUnauthorized == true)
        }
        // The scheme and the header name are case-insensitive.
        let lower = [(name: "authorization", value: "basic " + Data(Self.credentials.utf8).base64EncodedString())]
        #expect(events(try webhook.receive(webhookRequest(lower, body: Self.delivery, now: 0))).count == 1)
    }

    @Test func malformedRecordsAreMalformed() throws {
        let webhook = try PostmarkWebhook(basicAuth: Self.credentials)
        for body in ["{\"RecordType\":", "[]", #"{"MessageID":"m"}"#, #"{"RecordType":"Delivery","DeliveredAt":"2019-11-05T16:33:54Z"}"#,
                     #"{"RecordType":"Delivery","MessageID":"m"}"#, #"{"RecordType":"Delivery","MessageID":"m","DeliveredAt":"Tuesday"}"#,
                     #"{"RecordType":"Click","MessageID":"m","ReceivedAt":"2019-11-05T16:33:54Z"}"#,
                     #"{"RecordType":"Bounce","MessageID":"m","BouncedAt":"2019-11-05T16:33:54Z"}"#] {
            #expect(refusal(webhook, webhookRequest(Self.authorization, body: body, now: 0))?.isMalformed == true, "\(body)")
        }
    }

    @Test func credentialsWithoutUserAndPasswordAreAConfigurationError() {
        for credentials in ["", "nocolon", ":password", "user:"] {
            #expect(throws: ProviderConfigurationError.self) { try PostmarkWebhook(basicAuth: credentials) }
        }
    }
}
