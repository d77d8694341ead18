import CampaignProviders
import CampaignFlows
import Crypto
import Foundation
import Testing

@Suite struct SendGridWebhookTests {
    // SendGrid's own test vector, from its SDKs' EventWebhook tests.
    static let vectorKey = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA=="
    static let vectorSignature = "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0="
    static let vectorTimestamp = "1588788367"
    static let vectorPayload = #"{"category":"example_payload","event":"test_event","message_id":"message_id"}"#

    @Test func sendGridsTestVectorVerifies() throws {
        let webhook = try SendGridWebhook(publicKey: Self.vectorKey)
        #expect(webhook.isValidSignature(Self.vectorSignature, timestamp: Self.vectorTimestamp, body: Array(Self.vectorPayload.utf8)))
    }

    @Test func oneChangedByteOfTheVectorFails() throws {
        let webhook = try SendGridWebhook(publicKey: Self.vectorKey)
        let payload = Array(Self.vectorPayload.utf8)
        for offset in [0, 12, payload.count - 1] {
            #expect(!webhook.isValidSignature(Self.vectorSignature, timestamp: Self.vectorTimestamp,
                                              body: Array(tampered(Self.vectorPayload, at: offset).utf8)), "payload byte \(offset)")
        }
        #expect(!webhook.isValidSignature(Self.vectorSignature, timestamp: "1588788368", body: payload))
        #expect(!webhook.isValidSignature(Self.vectorSignature, timestamp: Self.vectorTimestamp + " ", body: payload))
        // Changing a byte inside the signature's r or s values (past the DER header) breaks it.
        for offset in [10, 40, Self.vectorSignature.count - 6] {
            #expect(!webhook.isValidSignature(tampered(Self.vectorSignature, at: offset), timestamp: Self.vectorTimestamp, body: payload),
                    "signature character \(offset)")
        }
        #expect(!webhook.isValidSignature("not base64!", timestamp: Self.vectorTimestamp, body: payload))
    }

    @Test func theVectorThroughTheWebhookIsAuthenticButNotAnEventArray() throws {
        // The vector's payload is one object, where SendGrid posts an array: the signature passes (no age
        // limit by default, and the vector is from 2020), then the body is refused as malformed.
        let webhook = try SendGridWebhook(publicKey: Self.vectorKey)
        let request = webhookRequest([("x-twilio-email-event-webhook-signature", Self.vectorSignature),
                                      ("X-TWILIO-EMAIL-EVENT-WEBHOOK-TIMESTAMP", Self.vectorTimestamp)],
                                     body: Self.vectorPayload, now: 1_780_000_000)
        #expect(refusal(webhook, request)?.isMalformed == true)
        let limited = try SendGridWebhook(publicKey: Self.vectorKey, maximumAge: 300)
        #expect(refusal(limited, request)?.isUnauthorized == true, "five years old with a 5-minute limit")
    }

    /// SendGrid's documented event fields, with `campaignc_key` as a custom argument flattened into each event.
    static let batch = """
    [
      {"email":"example@test.com","timestamp":1513299569,"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>","event":"processed","category":"cat facts","sg_event_id":"rbtnWrG1DVDGGGFHFyun0A==","sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.000000000000000000000","campaignc_key":"c1/abandoned-cart/v2/email_f/1"},
      {"email":"example@test.com","timestamp":1513299570,"event":"deferred","sg_event_id":"t7LEShmowp86DTdUW8M-GQ==","response":"400 try again later","attempt":"5","campaignc_key":"c1/abandoned-cart/v2/email_f/1"},
      {"email":"example@test.com","timestamp":1513299571,"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>","event":"delivered","sg_event_id":"rWVYmVk90MjZJ9iohOBa3w==","sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0","response":"250 OK","campaignc_key":"c1/abandoned-cart/v2/email_f/1"},
      {"email":"example@test.com","timestamp":1513299572,"event":"open","sg_machine_open":false,"useragent":"Mozilla/4.0","ip":"255.255.255.255","sg_event_id":"FOTFFO0ecsBE-zxFXfs6WA==","campaignc_key":"c1/abandoned-cart/v2/email_f/1"},
      {"email":"example@test.com","timestamp":1513299573,"event":"click","useragent":"Mozilla/4.0","ip":"255.255.255.255","url":"http://www.sendgrid.com/","url_offset":{"index":0,"type":"html"},"sg_event_id":"kCAi1KttyQdEKHhdC-nuEA==","campaignc_key":"c1/abandoned-cart/v2/email_f/1"},
      {"email":"example@test.com","timestamp":1513299574,"event":"bounce","type":"bounce","status":"5.0.0","reason":"500 unknown recipient","bounce_classification":"Invalid Address","sg_event_id":"6g4ZI7SA-xmRDv57GoPIPw==","campaignc_key":"c1/abandoned-cart/v2/email_f/1"},
      {"email":"example@test.com","timestamp":1513299575,"event":"bounce","type":"blocked","status":"5.0.0","reason":"550 blocked","sg_event_id":"zmzJhfJgAfUSOW80yEbPyw==","campaignc_key":"c2/welcome/v1/email_a#2/3"},
      {"email":"example@test.com","timestamp":1513299576,"event":"dropped","reason":"Bounced Address","status":"5.0.0","sg_event_id":"zmzJhfJgAfUSOW80yEbPyw=!","campaignc_key":"c2/welcome/v1/email_a#2/3"},
      {"email":"example@test.com","timestamp":1513299577,"event":"spamreport","sg_event_id":"37nvH5QBz858KGVYCM4uOA==","campaignc_key":"c2/welcome/v1/email_a#2/3"},
      {"email":"example@test.com","timestamp":1513299578,"event":"unsubscribe","sg_event_id":"zz_BjPgU_5pS-J8vlfB1sg=="},
      {"email":"example@test.com","timestamp":1513299579,"event":"group_unsubscribe","asm_group_id":10,"sg_event_id":"ahSCB7xYcXFb-hEaawsPRw==","campaignc_key":"c2/welcome/v1/email_a#2/3"}
    ]
    """

    private static func signed(_ body: String, key: P256.Signing.PrivateKey, timestamp: String) throws -> [(name: String, value: String)] {
        let signature = try key.signature(for: Array((timestamp + body).utf8))
        return [(SendGridWebhook.signatureHeader, signature.derRepresentation.base64EncodedString()),
                (SendGridWebhook.timestampHeader, timestamp)]
    }

    @Test func aSignedBatchMapsToMessageEvents() throws {
        let key = P256.Signing.PrivateKey()
        let webhook = try SendGridWebhook(publicKey: key.publicKey.derRepresentation.base64EncodedString(), maximumAge: 300)
        let request = webhookRequest(try Self.signed(Self.batch, key: key, timestamp: "1513299600"), body: Self.batch, now: 1_513_299_650)
        let cart = "c1/abandoned-cart/v2/email_f/1", welcome = "c2/welcome/v1/email_a#2/3"
        #expect(events(try webhook.receive(request)) == [
            ProviderEvent(providerEventID: "rWVYmVk90MjZJ9iohOBa3w==", sendKey: cart, event: "message_delivered",
                          payload: emailPayload(), occurredAt: 1_513_299_571),
            ProviderEvent(providerEventID: "FOTFFO0ecsBE-zxFXfs6WA==", sendKey: cart, event: "email_opened",
                          payload: emailPayload(), occurredAt: 1_513_299_572),
            ProviderEvent(providerEventID: "kCAi1KttyQdEKHhdC-nuEA==", sendKey: cart, event: "link_clicked",
                          payload: emailPayload(["link": .string("http://www.sendgrid.com/")]), occurredAt: 1_513_299_573),
            ProviderEvent(providerEventID: "6g4ZI7SA-xmRDv57GoPIPw==", sendKey: cart, event: "message_bounced",
                          payload: emailPayload(["type": .string("hard")]), occurredAt: 1_513_299_574),
            ProviderEvent(providerEventID: "zmzJhfJgAfUSOW80yEbPyw==", sendKey: welcome, event: "message_bounced",
                          payload: emailPayload(["type": .string("soft")]), occurredAt: 1_513_299_575),
            ProviderEvent(providerEventID: "37nvH5QBz858KGVYCM4uOA==", sendKey: welcome, event: "spam_complaint",
                          payload: emailPayload(), occurredAt: 1_513_299_577),
            ProviderEvent(providerEventID: "zz_BjPgU_5pS-J8vlfB1sg==", sendKey: nil, event: "message_unsubscribed",
                          payload: emailPayload(), occurredAt: 1_513_299_578),
            ProviderEvent(providerEventID: "ahSCB7xYcXFb-hEaawsPRw==", sendKey: welcome, event: "message_unsubscribed",
                          payload: emailPayload(), occurredAt: 1_513_299_579),
        ])
    }

    @Test func aTamperedOrUnsignedBatchIsUnauthorized() throws {
        let key = P256.Signing.PrivateKey()
        let webhook = try SendGridWebhook(publicKey: key.publicKey.derRepresentation.base64EncodedString())
        let headers = try Self.signed(Self.batch, key: key, timestamp: "1513299600")
        let changed = Self.batch.replacingOccurrences(of: "\"type\":\"blocked\"", with: "\"type\":\"bounce\"")
        #expect(refusal(webhook, webhookRequest(headers, body: changed, now: 1_513_299_650))?.isUnauthorized == true)
        #expect(refusal(webhook, webhookRequest(Array(headers.prefix(1)), body: Self.batch, now: 1_513_299_650))?
            .isUnauthorized == true, "no timestamp header")
        let otherKey = P256.Signing.PrivateKey()
        let forged = try Self.signed(Self.batch, key: otherKey, timestamp: "1513299600")
        #expect(refusal(webhook, webhookRequest(forged, body: Self.batch, now: 1_513_299_650))?.isUnauthorized == true)
    }

    @Test func signedMalformedBodiesAreMalformed() throws {
        let key = P256.Signing.PrivateKey()
        let webhook = try SendGridWebhook(publicKey: key.publicKey.derRepresentation.base64EncodedString())
        for body in [#"[{"event":"delivered","sg_event_id":"x""#, #"[{"event":"click","sg_event_id":"x"}]"#,
                     #"[{"event":"delivered"}]"#, #"[{"event":"bounce","sg_event_id":"x"}]"#, #"[42]"#,
                     #"[{"event":"open","sg_event_id":"x","timestamp":"yesterday"}]"#] {
            let request = webhookRequest(try Self.signed(body, key: key, timestamp: "1513299600"), body: body, now: 1_513_299_650)
            let error = refusal(webhook, request)
            #expect(error?.isMalformed == true, "\(body)")
        }
    }

    @Test func aKeyThatIsNotAP256KeyIsAConfigurationError() {
        #expect(throws: ProviderConfigurationError.self) { try SendGridWebhook(publicKey: "c2VjcmV0") }
        #expect(throws: ProviderConfigurationError.self) { try SendGridWebhook(publicKey: "not base64 at all") }
    }
}
