import CampaignChannels
import CampaignFlows
@testable import CampaignRuntime
import Foundation

/// The contact, actions and secret the channel tests share.
enum Fixtures {
    static let secret = "whsec-test-secret-3f9a"
    /// 2026-03-02T12:00:00Z.
    static let at: Double = 1_772_452_800
    static let flow = FlowKey(campaign: "abandoned-cart", version: 2)

    static let profile = ContactProfile(id: "c1", fields: [
        "email": .string("c1@example.com"),
        "orders": .int(3),
        "rating": .decimal(4.5),
        "vip": .bool(true),
        "gender": .null,
        // 2026-01-15T09:30:00Z.
        "created_at": .instant(1_768_469_400),
        "cooldown": .duration(5_400),
        "tags": .list([.string("cart"), .string("fr")]),
    ])

    /// An action of the visit `c1@abandoned-cart v2#1` at `step` (which may carry `#N`).
    static func request(_ action: FlowAction, step: String = "email_f", contact: String = "c1") -> ActionRequest {
        ActionRequest(key: IdempotencyKey(visit: VisitKey(contact: contact, flow: flow, number: 1), step: step),
                      action: action, at: at)
    }

    static let cartReminder = FlowAction.send(channel: .email, message: "cart-reminder-f")

    /// Runs `body` with a router over `endpoints` that reads profiles from `contacts`, and shuts the router
    /// down whether `body` throws or not.
    static func withRouter(_ endpoints: [WebhookEndpoint], contacts: [ContactProfile] = [profile],
                           timeout: Duration = .seconds(5),
                           _ body: (ChannelRouter) async throws -> Void) async throws {
        let byID = Dictionary(uniqueKeysWithValues: contacts.map { ($0.id, $0) })
        try await using(ChannelRouter(endpoints: endpoints, timeout: timeout, profile: { byID[$0] }), body)
    }

    /// Runs `body` with a router over `endpoints` that reads profiles from `store`, and shuts it down after.
    static func withRouter(_ endpoints: [WebhookEndpoint], store: any CampaignStore, timeout: Duration = .seconds(5),
                           _ body: (ChannelRouter) async throws -> Void) async throws {
        try await using(ChannelRouter(endpoints: endpoints, timeout: timeout, store: store), body)
    }

    private static func using(_ router: ChannelRouter, _ body: (ChannelRouter) async throws -> Void) async throws {
        do {
            try await body(router)
        } catch {
            try await router.shutdown()
            throw error
        }
        try await router.shutdown()
    }
}
