import CampaignChannels
import Foundation
import Testing

/// The `Campaignc-Signature` header on its own: a known vector, and what a receiver refuses.
@Suite struct WebhookSignatureTests {
    let body = Array(#"{"a":1}"#.utf8)
    let timestamp = 1_772_452_800
    var now: Date { Date(timeIntervalSince1970: Double(timestamp)) }

    /// Computed independently: `hmac.new(b'whsec-test', b'1772452800.{"a":1}', hashlib.sha256).hexdigest()`.
    let vector = "t=1772452800,v1=853b1ad4ca388781279f36c99d0de8dcf51415d954b4272f3d1bf15a65554b7a"

    @Test func theHeaderMatchesAnIndependentHMAC() throws {
        #expect(WebhookSignature.header(body: body, secret: "whsec-test", timestamp: timestamp) == vector)
        try WebhookSignature.verify(vector, body: body, secret: "whsec-test", now: now)
        try WebhookSignature.verify(vector.uppercased().replacingOccurrences(of: "T=", with: "t=").replacingOccurrences(of: "V1=", with: "v1="),
                                    body: body, secret: "whsec-test", now: now)
    }

    @Test func anyOfSeveralCodesMayMatch() throws {
        let rotated = "t=1772452800,v1=\(String(repeating: "00", count: 32)),v1=853b1ad4ca388781279f36c99d0de8dcf51415d954b4272f3d1bf15a65554b7a"
        try WebhookSignature.verify(rotated, body: body, secret: "whsec-test", now: now)
    }

    @Test func aTimestampOutsideTheToleranceIsRefused() throws {
        try WebhookSignature.verify(vector, body: body, secret: "whsec-test", now: now.addingTimeInterval(300))
        #expect(throws: WebhookSignatureError.outsideTolerance(timestamp: timestamp)) {
            try WebhookSignature.verify(vector, body: body, secret: "whsec-test", now: now.addingTimeInterval(301))
        }
        #expect(throws: WebhookSignatureError.outsideTolerance(timestamp: timestamp)) {
            try WebhookSignature.verify(vector, body: body, secret: "whsec-test", now: now.addingTimeInterval(-301))
        }
    }

    @Test func aWrongSecretBodyOrTimestampIsAMismatch() {
        #expect(throws: WebhookSignatureError.mismatch) {
            try WebhookSignature.verify(vector, body: body, secret: "whsec-tesT", now: now)
        }
        #expect(throws: WebhookSignatureError.mismatch) {
            try WebhookSignature.verify(vector, body: Array(#"{"a":2}"#.utf8), secret: "whsec-test", now: now)
        }
        let moved = vector.replacingOccurrences(of: "t=1772452800", with: "t=1772452801")
        #expect(throws: WebhookSignatureError.mismatch) {
            try WebhookSignature.verify(moved, body: body, secret: "whsec-test", now: now)
        }
        let truncated = String(vector.dropLast(2))
        #expect(throws: WebhookSignatureError.mismatch) {
            try WebhookSignature.verify(truncated, body: body, secret: "whsec-test", now: now)
        }
    }

    @Test(arguments: ["", "t=1772452800", "v1=00", "t=abc,v1=00", "t=1772452800,v1=0g", "t=1772452800,v1=abc",
                      "t=1772452800,v1=", "t=1,t=2,v1=00", "t=1772452800;v1=00", "garbage"])
    func aMalformedHeaderIsRefused(header: String) {
        #expect(throws: WebhookSignatureError.malformed(header)) {
            try WebhookSignature.verify(header, body: body, secret: "whsec-test", now: now)
        }
    }
}
