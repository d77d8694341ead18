import CampaignChannels
import Foundation
import Testing

/// The real `campaignd` running `campaigns/engagement-activity/v2.yaml`: a cold contact's page visit feeds them
/// into part 1 (`engagement-tagging`) in the same unit, and its `webhook` step reaches the `crm-hook` channel
/// entry, signed and with its idempotency key, once.
@Suite(.serialized) struct CrossCampaignEndToEndTests {
    @Test func aColdContactIsFedIntoPartOneAndTheCRMHookIsCalled() async throws {
        try await EndToEndWorld.run { world in
            let client = try await world.start().client
            let put = try await client.put("/v1/contacts/w1", #"{"email": "w1@example.com", "score": 12, "tags": ["inactive"]}"#)
            try #require(put.status == .created, "\(put.text)")
            let event = #"{"id": "visit-w1", "contact": "w1", "event": "page_visited", "payload": {"url": "https://shop.example/"}}"#
            #expect(try await client.post("/v1/events", event).status == .accepted)
            try await client.processAccepted()

            let key = "w1/engagement-activity/v2/notify_crm/1"
            #expect(try await eventually { world.receiver.acknowledgedKeys.contains(key) })
            let call = try #require(world.receiver.deliveries(of: key).first)
            #expect(world.receiver.deliveries(of: key).count == 1)
            #expect(call.path == "/crm" && call.idempotencyKey == key)
            try WebhookSignature.verify(try #require(call.signature), body: call.body, secret: EndToEndWorld.actionsSecret)
            #expect(canonicalJSON(call.json["action"] as Any)
                == canonicalJSON(["kind": "webhook", "destination": "crm-hook", "fields": ["email", "score"]]))
            #expect((call.json["contact"] as? [String: Any])?["score"] as? Int == 12)

            // Part 1 ran for the contact at once, from the visit, not at its next morning run.
            let journey = try await client.journey("w1")
            let partOne = try #require(journey.visits(of: "engagement-tagging").first)
            #expect(partOne.outcome == "neutral")
            #expect(partOne.timeline.first?.kind == "entered")
            #expect(partOne.timeline.first?.detail == "start_campaign at engagement-activity v2 step feed_part_1")
            #expect(partOne.timeline.contains { $0.step == "engaged" })
            #expect(journey.visits(of: "engagement-activity").first?.outcome == "success")
        }
    }
}
