import CampaignProviders
import CampaignFlows
import Testing

@Suite struct MailgunWebhookTests {
    static let signingKey = "key-campaignc-test-signing"
    static let token = "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0"
    // `printf %s 1529006854$token | openssl dgst -sha256 -hmac key-campaignc-test-signing`: computed apart from
    // the code under test.
    static let signature = "129b25151afa135ad0ac9cbf425c2471433fc1ce65489d3814b043eee85f7af1"
    // The same with the key `key-parent-account`.
    static let parentSignature = "ddeec2553af04a0d39c21e30bd9f0810defb463dd0334ad1222d3908fd83ba6a"
    static let signedAt = 1_529_006_854.0

    /// A body in Mailgun's documented shape, with `eventData` inside.
    static func body(_ eventData: String, signature: String = signature, timestamp: String = "\"1529006854\"") -> String {
        """
        {"signature":{"timestamp":\(timestamp),"token":"\(token)","signature":"\(signature)"},"event-data":\(eventData)}
        """
    }

    static func eventData(_ event: String, id: String, _ extra: String = "") -> String {
        """
        {"event":"\(event)","timestamp":1529006854.329574,"id":"\(id)","log-level":"info","recipient":"alice@example.com",\
        "message":{"headers":{"message-id":"20180614200733.1.C2B7C4E8C1D8E9A1@example.com"}},"tags":["my_tag_1"],\
        "user-variables":{"campaignc_key":"c1/abandoned-cart/v2/email_f/1","my_var_1":"Mailgun Variable #1"}\(extra)}
        """
    }

    @Test func signedEventsMapToMessageEvents() throws {
        let webhook = try MailgunWebhook(signingKey: Self.signingKey)
        let cases: [(String, String, String, [String: Value])] = [
            ("delivered", "", "message_delivered", [:]),
            ("opened", "", "email_opened", [:]),
            ("clicked", #","url":"https://example.com/cart?id=7""#, "link_clicked", ["link": .string("https://example.com/cart?id=7")]),
            ("unsubscribed", "", "message_unsubscribed", [:]),
            ("complained", "", "spam_complaint", [:]),
            ("failed", #","severity":"permanent","reason":"bounce""#, "message_bounced", ["type": .string("hard")]),
            ("failed", #","severity":"temporary","reason":"generic""#, "message_bounced", ["type": .string("soft")]),
        ]
        for (name, extra, event, payload) in cases {
            let request = webhookRequest(body: Self.body(Self.eventData(name, id: "CPgfbmQMTCKtHW6uIWtuVe", extra)), now: Self.signedAt + 30)
            #expect(events(try webhook.receive(request)) == [
                ProviderEvent(providerEventID: "CPgfbmQMTCKtHW6uIWtuVe", sendKey: "c1/abandoned-cart/v2/email_f/1", event: event,
                              payload: emailPayload(payload), occurredAt: 1_529_006_854.329574),
            ], "\(name) \(extra)")
        }
    }

    @Test func eventsWithoutRuntimeMeaningAreSkippedAndAMissingKeyIsKept() throws {
        let webhook = try MailgunWebhook(signingKey: Self.signingKey)
        let accepted = webhookRequest(body: Self.body(Self.eventData("accepted", id: "a1")), now: Self.signedAt)
        #expect(try webhook.receive(accepted) == .events([]))
        let noKey = #"{"event":"opened","timestamp":1529006854,"id":"o1","user-variables":{}}"#
        #expect(events(try webhook.receive(webhookRequest(body: Self.body(noKey), now: Self.signedAt))).map(\.sendKey) == [nil])
    }

    @Test func theParentAccountsSignatureIsAcceptedWithItsKey() throws {
        let webhook = try MailgunWebhook(signingKey: "key-parent-account")
        let body = """
        {"signature":{"timestamp":"1529006854","token":"\(Self.token)","signature":"\(Self.signature)",\
        "parent-signature":"\(Self.parentSignature)"},"event-data":\(Self.eventData("delivered", id: "d1"))}
        """
        #expect(events(try webhook.receive(webhookRequest(body: body, now: Self.signedAt))).count == 1)
    }

    @Test func aTamperedWrongOrStaleSignatureIsUnauthorized() throws {
        let webhook = try MailgunWebhook(signingKey: Self.signingKey)
        let data = Self.eventData("delivered", id: "d1")
        let refused = [
            webhookRequest(body: Self.body(data, signature: tampered(Self.signature, at: 5)), now: Self.signedAt),
            webhookRequest(body: Self.body(data, timestamp: "\"1529006855\""), now: Self.signedAt),
            webhookRequest(body: Self.body(data, signature: "zz"), now: Self.signedAt),
            webhookRequest(body: #"{"event-data":\#(data)}"#, now: Self.signedAt),
            webhookRequest(body: Self.body(data), now: Self.signedAt + 301),
            webhookRequest(body: Self.body(data), now: Self.signedAt - 301),
        ]
        for request in refused {
            #expect(refusal(webhook, request)?.isUnauthorized == true)
        }
        let other = try MailgunWebhook(signingKey: "key-someone-else")
        #expect(refusal(other, webhookRequest(body: Self.body(data), now: Self.signedAt))?.isUnauthorized == true)
        // A longer tolerance admits the older request, a numeric timestamp is read as its digits.
        let patient = try MailgunWebhook(signingKey: Self.signingKey, maximumAge: 3600)
        #expect(events(try patient.receive(webhookRequest(body: Self.body(data, timestamp: "1529006854"), now: Self.signedAt + 301))).count == 1)
    }

    @Test func malformedBodiesAreMalformed() throws {
        let webhook = try MailgunWebhook(signingKey: Self.signingKey)
        for body in [#"{"signature": "#, Self.body(#""delivered""#), Self.body(#"{"event":"delivered","timestamp":1529006854}"#),
                     Self.body(#"{"event":"clicked","id":"c1"}"#), Self.body(#"{"event":"failed","id":"f1"}"#),
                     Self.body(#"{"id":"x1"}"#)] {
            #expect(refusal(webhook, webhookRequest(body: body, now: Self.signedAt))?.isMalformed == true, "\(body)")
        }
    }
}
