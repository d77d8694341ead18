import CampaignChannels
import CampaignFlows
@testable import CampaignRuntime
import Foundation
import Testing

/// SERVICE.md's rule: sends by channel, exports and webhook steps by destination, everything else (and whatever has no entry
/// of its own) to `default`; no route at all throws.
@Suite struct ChannelRouterTests {
    @Test func actionsGoByChannelByDestinationOrToDefault() async throws {
        let receiver = try await TestReceiver.start()
        let endpoints = [
            WebhookEndpoint(name: "email", url: try receiver.url("/email"), secret: Fixtures.secret),
            WebhookEndpoint(name: "sftp-main", url: try receiver.url("/sftp"), secret: Fixtures.secret),
            WebhookEndpoint(name: "crm-hook", url: try receiver.url("/crm"), secret: Fixtures.secret),
            WebhookEndpoint(name: "default", url: try receiver.url("/actions"), secret: Fixtures.secret),
        ]
        let routes: [(FlowAction, String)] = [
            (.send(channel: .email, message: "cart-reminder-f"), "/email"),
            (.send(channel: .sms, message: "flash-sms"), "/actions"),
            (.export(destination: "sftp-main", fields: ["email"]), "/sftp"),
            (.export(destination: "sftp-backup", fields: ["email"]), "/actions"),
            (.webhook(destination: "crm-hook", fields: ["email", "score"]), "/crm"),
            (.webhook(destination: "other-hook", fields: ["email"]), "/actions"),
            (.tags(add: ["engaged"], remove: []), "/actions"),
            (.archive, "/actions"),
            // An entry is looked up by channel for sends and by destination for exports and webhooks only.
            (.postal("send"), "/actions"),
        ]
        try await Fixtures.withRouter(endpoints) { router in
            for (index, (action, path)) in routes.enumerated() {
                #expect(try router.endpoint(for: action).url.path == path, "\(action)")
                try await router.perform(Fixtures.request(action, step: "step_\(index)"))
            }
        }
        try await receiver.stop()
        #expect(receiver.requests.map(\.path) == routes.map(\.1))
    }

    @Test func anActionWithNoRouteThrows() async throws {
        let receiver = try await TestReceiver.start()
        let endpoints = [WebhookEndpoint(name: "email", url: try receiver.url("/email"), secret: Fixtures.secret)]
        try await Fixtures.withRouter(endpoints) { router in
            #expect(throws: ChannelRoutingError.noRoute(action: "send", entry: "sms")) {
                try router.endpoint(for: .send(channel: .sms, message: "flash-sms"))
            }
            await #expect(throws: ChannelRoutingError.noRoute(action: "send", entry: "sms")) {
                try await router.perform(Fixtures.request(.send(channel: .sms, message: "flash-sms")))
            }
            await #expect(throws: ChannelRoutingError.noRoute(action: "export", entry: "sftp-main")) {
                try await router.perform(Fixtures.request(.export(destination: "sftp-main", fields: [])))
            }
            await #expect(throws: ChannelRoutingError.noRoute(action: "grant_promo", entry: nil)) {
                try await router.perform(Fixtures.request(.grantPromo("WELCOME10")))
            }
            // The routed one still goes.
            try await router.perform(Fixtures.request(Fixtures.cartReminder))
        }
        try await receiver.stop()
        #expect(receiver.requests.map(\.path) == ["/email"])
        #expect("\(ChannelRoutingError.noRoute(action: "send", entry: "sms"))"
            == "no channel for send actions to 'sms': channels has neither 'sms' nor 'default'")
    }

    @Test func anActionAboutAContactWithNoProfileThrows() async throws {
        let receiver = try await TestReceiver.start()
        let endpoints = [WebhookEndpoint(name: "default", url: try receiver.url("/actions"), secret: Fixtures.secret)]
        try await Fixtures.withRouter(endpoints) { router in
            await #expect(throws: ChannelRoutingError.unknownContact("c404")) {
                try await router.perform(Fixtures.request(Fixtures.cartReminder, contact: "c404"))
            }
        }
        try await receiver.stop()
        #expect(receiver.requests.isEmpty)
    }

    @Test func twoEndpointsWithOneNameAreRefused() throws {
        let url = try #require(URL(string: "http://127.0.0.1:9/actions"))
        #expect(throws: ChannelRoutingError.duplicateEntry("default")) {
            try ChannelRouter(endpoints: [WebhookEndpoint(name: "default", url: url, secret: "a"),
                                          WebhookEndpoint(name: "default", url: url, secret: "b")],
                              profile: { _ in nil })
        }
    }

    /// The profile comes from the store the router is given, as it is when the action goes out.
    @Test func theProfileIsReadFromTheStore() async throws {
        let receiver = try await TestReceiver.start()
        let store = InMemoryStore()
        var unit = EffectUnit()
        var profile = Fixtures.profile
        profile.fields = ["email": .string("new@example.com")]
        unit.contacts[profile.id] = profile
        try store.commit(unit)
        let endpoint = WebhookEndpoint(name: "default", url: try receiver.url("/actions"), secret: Fixtures.secret)
        try await Fixtures.withRouter([endpoint], store: store) { router in
            try await router.perform(Fixtures.request(Fixtures.cartReminder))
        }
        try await receiver.stop()

        let request = try #require(receiver.requests.first)
        #expect(try JSON(parsing: request.body)["contact"] == .object(["id": .string("c1"), "email": .string("new@example.com")]))
    }
}
