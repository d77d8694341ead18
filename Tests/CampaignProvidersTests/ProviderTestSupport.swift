import CampaignProviders
import CampaignFlows
import Foundation
import Testing

/// A request with `headers` and `body` (as UTF-8) received at `now`.
func webhookRequest(_ headers: [(name: String, value: String)] = [], body: String, now: Double) -> ProviderRequest {
    ProviderRequest(headers: headers, body: Array(body.utf8), now: now)
}

/// The events of a receipt, failing the test for anything else.
func events(_ receipt: ProviderReceipt, sourceLocation: SourceLocation = #_sourceLocation) -> [ProviderEvent] {
    guard case .events(let events) = receipt else {
        Issue.record("expected events, got \(receipt)", sourceLocation: sourceLocation)
        return []
    }
    return events
}

/// The error `webhook` refuses `request` with, or nil when it accepts it.
func refusal(_ webhook: some ProviderWebhook, _ request: ProviderRequest) -> ProviderWebhookError? {
    do {
        _ = try webhook.receive(request)
        return nil
    } catch {
        return error
    }
}

extension ProviderWebhookError {
    var isUnauthorized: Bool {
        if case .unauthorized = self { return true }
        return false
    }

    var isMalformed: Bool {
        if case .malformed = self { return true }
        return false
    }
}

/// The payload every email event carries, with `extra` fields.
func emailPayload(_ extra: [String: Value] = [:]) -> [String: Value] {
    extra.merging(["channel": .string("email")]) { $1 }
}

/// `text` with the byte at `offset` changed to another printable character.
func tampered(_ text: String, at offset: Int) -> String {
    var bytes = Array(text.utf8)
    bytes[offset] = bytes[offset] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
    return String(decoding: bytes, as: UTF8.self)
}
