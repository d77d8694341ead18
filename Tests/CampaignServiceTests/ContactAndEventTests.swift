import CampaignService
import Foundation
import HTTPTypes
import Testing

/// Contacts typed by the workspace; events checked whole before anything is stored, and processed once.
@Suite struct ContactAndEventTests {
    @Test func contactRoundTripWithTypeErrors() async throws {
        try await ServiceHarness.withService { client in
            let bad = try await client.put("/v1/contacts/c1", """
                {"id": "c2", "email": 12, "orders": 2.5, "language": "nl", "created_at": "yesterday", "nickname": "x",
                 "tags": ["a", 3], "groups": ["vip", "nobody"]}
                """)
            #expect(bad.status == .badRequest)
            #expect(bad.isProblem)
            #expect(bad.pointers == ["/created_at", "/email", "/groups/1", "/id", "/language", "/nickname", "/orders", "/tags/1"])
            #expect(try await client.get("/v1/contacts/c1").status == .notFound)

            let created = try await client.put("/v1/contacts/c1", """
                {"id": "c1", "email": "c1@example.com", "orders": 2, "language": "fr", "score": 12,
                 "created_at": "2025-01-02T03:04:05Z", "tags": ["early"], "groups": ["vip"], "personas": ["b2c"]}
                """)
            #expect(created.status == .created)
            let read = try await client.get("/v1/contacts/c1")
            #expect(read.status == .ok)
            let fields = read.json["fields"] as? [String: Any] ?? [:]
            #expect(fields["email"] as? String == "c1@example.com")
            #expect(fields["orders"] as? Int == 2)
            #expect(fields["created_at"] as? String == "2025-01-02T03:04:05Z")
            #expect(fields["tags"] as? [String] == ["early"])
            #expect(read.json["groups"] as? [String] == ["vip"])
            let consent = read.json["consent"] as? [String: Any] ?? [:]
            #expect(consent["archived"] as? Bool == false)
            #expect(consent["unsubscribed"] as? [String] == [])

            let patchBad = try await client.patch("/v1/contacts/c1", #"{"score": "high"}"#)
            #expect(patchBad.status == .badRequest)
            #expect(patchBad.pointers == ["/score"])
            let patched = try await client.patch("/v1/contacts/c1", #"{"score": 30, "phase": "evaluation"}"#)
            #expect(patched.status == .ok)
            let fieldsAfter = patched.json["fields"] as? [String: Any] ?? [:]
            #expect(fieldsAfter["score"] as? Int == 30)
            #expect(fieldsAfter["email"] as? String == "c1@example.com")
            #expect(try await client.patch("/v1/contacts/nobody", #"{"score": 1}"#).status == .notFound)

            // An unsubscribed event shows in the consent; a PUT that replaces the profile keeps it.
            #expect(try await client.post("/v1/events", #"{"id": "u1", "contact": "c1", "event": "unsubscribed", "payload": {"channel": "sms"}}"#).status == .accepted)
            try await client.processAccepted()
            #expect(try await client.put("/v1/contacts/c1", #"{"email": "c1@example.com"}"#).status == .ok)
            let afterPut = try await client.get("/v1/contacts/c1")
            #expect((afterPut.json["consent"] as? [String: Any])?["unsubscribed"] as? [String] == ["sms"])
            #expect((afterPut.json["fields"] as? [String: Any])?["score"] == nil)
        }
    }

    @Test func eventsAreCheckedWholeAndStoreNothingOnError() async throws {
        try await ServiceHarness.withService { client in
            #expect(try await client.put("/v1/contacts/c1", #"{"email": "c1@example.com", "gender": "female"}"#).status == .created)
            let future = "2999-01-01T00:00:00Z"
            let bad = try await client.post("/v1/events", """
                {"events": [
                  {"id": "e1", "contact": "c1", "event": "cart_abandoned", "payload": {"cart_id": "k1", "total": 50}},
                  {"id": "e2", "contact": "ghost", "event": "cart_abandoned", "payload": {"cart_id": "k2", "total": 50}},
                  {"id": "e3", "contact": "c1", "event": "teleported"},
                  {"id": "e4", "contact": "c1", "event": "purchase", "payload": {"total": "lots", "coupon": "X"}},
                  {"id": "e5", "contact": "c1", "event": "signup", "at": "\(future)"},
                  {"contact": "c1", "event": "signup"}
                ]}
                """)
            #expect(bad.status == .badRequest)
            #expect(bad.isProblem)
            #expect(bad.pointers == ["/events/1/contact", "/events/2/event", "/events/3/payload/coupon", "/events/3/payload/total",
                                     "/events/4/at", "/events/5/id"])
            // The valid first event was not stored: the contact entered nothing.
            let contact = try await client.get("/v1/contacts/c1")
            #expect(contact.json["visits"] as? [Any] != nil)
            #expect((contact.json["visits"] as? [Any])?.isEmpty == true)
            let report = try await client.get("/v1/campaigns/abandoned-cart/versions/2/report")
            #expect((report.json["arrivals_per_step"] as? [String: Int]) == [:])

            let tooMany = "{\"events\": [" + (0...1_000).map { #"{"id": "b\#($0)", "contact": "c1", "event": "signup"}"# }.joined(separator: ",") + "]}"
            let batch = try await client.post("/v1/events", tooMany)
            #expect(batch.status == .badRequest)
            #expect(batch.pointers == ["/events"])
        }
    }

    @Test func pointersEscapeSlashesAndTildesOnly() async throws {
        try await ServiceHarness.withService { client in
            #expect(try await client.put("/v1/contacts/c1", #"{"email": "c1@example.com"}"#).status == .created)
            let bad = try await client.post("/v1/events", """
                {"id": "e1", "contact": "c1", "event": "purchase", "payload": {"a/b~c": 1, "plain": 2, "~": 3}}
                """)
            #expect(bad.status == .badRequest)
            #expect(bad.pointers == ["/payload/a~1b~0c", "/payload/plain", "/payload/~0"])
        }
    }

    @Test func eventIDsMakeSubmissionsIdempotent() async throws {
        try await ServiceHarness.withService { client in
            #expect(try await client.put("/v1/contacts/c1", #"{"email": "c1@example.com"}"#).status == .created)
            let event = #"{"id": "cart-1", "contact": "c1", "event": "cart_abandoned", "payload": {"cart_id": "k1", "total": 50}}"#
            #expect(try await client.post("/v1/events", event).status == .accepted)
            try await client.processAccepted()
            #expect(try await client.post("/v1/events", event).status == .accepted)
            try await client.processAccepted()
            let report = try await client.get("/v1/campaigns/abandoned-cart/versions/2/report")
            #expect((report.json["contacts_per_step"] as? [String: Int]) == ["wait_2h": 1])
            let contact = try await client.get("/v1/contacts/c1")
            #expect((contact.json["visits"] as? [Any])?.count == 1)

            let changed = try await client.post("/v1/events", #"{"id": "cart-1", "contact": "c1", "event": "cart_abandoned", "payload": {"cart_id": "k1", "total": 99}}"#)
            #expect(changed.status == .conflict)
            #expect(changed.isProblem)
            #expect((changed.json["detail"] as? String)?.contains("cart-1") == true)

            let twiceInOne = try await client.post("/v1/events", """
                {"events": [{"id": "s1", "contact": "c1", "event": "signup", "payload": {"source": "a"}},
                            {"id": "s1", "contact": "c1", "event": "signup", "payload": {"source": "b"}}]}
                """)
            #expect(twiceInOne.status == .conflict)
        }
    }
}
