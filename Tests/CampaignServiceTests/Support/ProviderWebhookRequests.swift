import Crypto
import Foundation
import Testing

/// Provider webhook requests signed as Mailgun and SendGrid sign theirs, for `POST /v1/webhooks/{provider}`.
enum ProviderWebhookRequests {
    /// A webhook POST: its body and the headers that go with it.
    struct Signed: Sendable {
        var body: [UInt8]
        var headers: [(String, String)] = []
    }

    /// Mailgun's JSON webhook about one message event: `event-data` with the send's key in `user-variables`,
    /// and `signature`, the hexadecimal HMAC-SHA256 of the timestamp followed by a random token under
    /// `signingKey`, signed now (real time, as Mailgun does, whatever the service's clock).
    static func mailgun(event: String, id: String, sendKey: String, at: Double, signingKey: String) throws -> Signed {
        let timestamp = String(Int(Date().timeIntervalSince1970))
        let token = (0..<25).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let code = HMAC<SHA256>.authenticationCode(for: Array((timestamp + token).utf8), using: SymmetricKey(data: Array(signingKey.utf8)))
        let body: [String: Any] = [
            "signature": ["timestamp": timestamp, "token": token, "signature": code.map { String(format: "%02x", $0) }.joined()],
            "event-data": ["event": event, "id": id, "timestamp": at, "recipient": "someone@example.com",
                           "user-variables": ["campaignc_key": sendKey]],
        ]
        return Signed(body: try json(body))
    }

    /// The same Mailgun request with one digit of its signature changed: what a forger without the key sends.
    static func forged(_ request: Signed) throws -> Signed {
        var body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        var signature = try #require(body["signature"] as? [String: Any])
        let code = try #require(signature["signature"] as? String)
        signature["signature"] = (code.first == "0" ? "1" : "0") + code.dropFirst()
        body["signature"] = signature
        return Signed(body: try json(body), headers: request.headers)
    }

    /// SendGrid's signed Event Webhook about one event: a JSON array with the send's key as a top-level
    /// field (its `custom_args`), signed now with ECDSA P-256 over the timestamp followed by the body.
    static func sendGrid(event: String, id: String, sendKey: String, email: String, at: Double,
                         key: P256.Signing.PrivateKey) throws -> Signed {
        let body = try json([["event": event, "sg_event_id": id, "sg_message_id": "message-\(id)", "email": email,
                              "timestamp": Int(at), "campaignc_key": sendKey]])
        let timestamp = String(Int(Date().timeIntervalSince1970))
        let signature = try key.signature(for: Array(timestamp.utf8) + body)
        return Signed(body: body, headers: [("X-Twilio-Email-Event-Webhook-Signature", signature.derRepresentation.base64EncodedString()),
                                            ("X-Twilio-Email-Event-Webhook-Timestamp", timestamp)])
    }

    /// A signed request whose body was changed after signing, `original` replaced by `replacement`.
    static func altered(_ request: Signed, replacing original: String, with replacement: String) -> Signed {
        let text = String(decoding: request.body, as: UTF8.self).replacingOccurrences(of: original, with: replacement)
        return Signed(body: Array(text.utf8), headers: request.headers)
    }

    private static func json(_ object: Any) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
    }
}
