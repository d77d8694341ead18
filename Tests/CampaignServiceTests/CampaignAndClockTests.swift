import CampaignService
import Foundation
import HTTPTypes
import Testing

/// Campaign versions over HTTP: statuses, firing, reports, the virtual clock and the metrics.
@Suite struct CampaignAndClockTests {
    @Test func onePublishedVersionPerCampaign() async throws {
        try await ServiceHarness.withService { client in
            let list = try await client.get("/v1/campaigns")
            let versions = list.json["campaigns"] as? [[String: Any]] ?? []
            #expect(versions.count == 17)
            let v1 = versions.first { $0["campaign"] as? String == "abandoned-cart" && $0["version"] as? Int == 1 }
            #expect(v1?["status"] as? String == "draining")
            #expect((v1?["source"] as? String)?.hasSuffix("abandoned-cart/v1.yaml") == true)

            let second = try await client.put("/v1/campaigns/abandoned-cart/versions/1/status", #"{"status": "published"}"#)
            #expect(second.status == .conflict)
            #expect(second.isProblem)
            #expect(try await client.put("/v1/campaigns/abandoned-cart/versions/2/status", #"{"status": "archived"}"#).status == .badRequest)
            #expect(try await client.put("/v1/campaigns/abandoned-cart/versions/9/status", #"{"status": "stopped"}"#).status == .notFound)
            #expect(try await client.put("/v1/campaigns/abandoned-cart/versions/2/status", #"{"status": "draining"}"#).status == .ok)
            #expect(try await client.put("/v1/campaigns/abandoned-cart/versions/v1/status", #"{"status": "published"}"#).status == .ok)
            let after = try await client.get("/v1/campaigns").json["campaigns"] as? [[String: Any]] ?? []
            let statuses = after.filter { $0["campaign"] as? String == "abandoned-cart" }.map { $0["status"] as? String ?? "" }
            #expect(statuses == ["published", "draining"])
        }
    }

    @Test func fireAndReport() async throws {
        try await ServiceHarness.withService { client in
            for (id, groups) in [("v1", #"["vip"]"#), ("v2", #"["vip"]"#), ("n1", "[]")] {
                #expect(try await client.put("/v1/contacts/\(id)", #"{"email": "\#(id)@example.com", "groups": \#(groups)}"#).status == .created)
            }
            #expect(try await client.post("/v1/campaigns/abandoned-cart/fire", "{}").status == .conflict)
            #expect(try await client.post("/v1/campaigns/back-in-stock/fire", "{}").status == .badRequest)
            #expect(try await client.post("/v1/campaigns/nothing/fire", "{}").status == .notFound)
            let fired = try await client.request(.post, "/v1/campaigns/vip-offer/fire")
            #expect(fired.status == .ok)
            #expect(fired.json["version"] as? Int == 1)

            let report = try await client.get("/v1/campaigns/vip-offer/versions/1/report")
            #expect(report.status == .ok)
            #expect(report.json["campaign"] as? String == "vip-offer")
            #expect(report.json["status"] as? String == "published")
            let arrivals = report.json["arrivals_per_step"] as? [String: Int] ?? [:]
            #expect(arrivals["dedupe"] == 2)
            #expect(arrivals["waves"] == 2)
            let waiting = report.json["contacts_per_step"] as? [String: Int] ?? [:]
            #expect(waiting.values.reduce(0, +) == 2)
            let tests = report.json["tests"] as? [String: Any] ?? [:]
            #expect(tests.keys.sorted() == ["ab_test"])
            #expect((tests["ab_test"] as? [String: Any])?["winner"] is NSNull)
            #expect((tests["ab_test"] as? [String: Any])?["scores"] is NSNull, "no scores before the test is decided")
            #expect(report.json["deliveries"] as? [String: Int] == ["pending": 0, "failed": 0, "dead": 0])

            // An approval names a send step with approval.
            let notApproval = try await client.post("/v1/campaigns/vip-offer/versions/1/approvals", #"{"step": "promo_email"}"#)
            #expect(notApproval.status == .badRequest)
            #expect(notApproval.pointers == ["/step"])
            #expect(try await client.post("/v1/campaigns/vip-offer/versions/1/approvals", #"{"step": "offer_a"}"#).status == .ok)

            // The contacts reach the test within office hours, and it is decided two days after the first: its
            // scores are kept with its winner.
            let now = try #require(ISO8601DateFormatter().date(from: try await client.get("/v1/clock").json["now"] as? String ?? ""))
            let later = ISO8601DateFormatter().string(from: now.addingTimeInterval(6 * 86_400))
            #expect(try await client.post("/v1/clock", #"{"now": "\#(later)"}"#).status == .ok)
            let decided = try await client.get("/v1/campaigns/vip-offer/versions/1/report").json["tests"] as? [String: Any]
            #expect((decided?["ab_test"] as? [String: Any])?["scores"] as? [Int] == [0, 0], "nobody clicked either variant")
            #expect((decided?["ab_test"] as? [String: Any])?["winner"] as? Int == 0)
        }
    }

    @Test func virtualClockMovesAContactThroughAWait() async throws {
        try await ServiceHarness.withService { client in
            #expect(try await client.put("/v1/contacts/c1", #"{"email": "c1@example.com", "gender": "female"}"#).status == .created)
            #expect(try await client.post("/v1/events", #"{"id": "cart-1", "contact": "c1", "event": "cart_abandoned", "payload": {"cart_id": "k1", "total": 50}}"#).status == .accepted)
            try await client.processAccepted()
            let clock = try await client.get("/v1/clock")
            #expect(clock.status == .ok)
            let start = try #require(ISO8601DateFormatter().date(from: clock.json["now"] as? String ?? ""))
            func instant(_ seconds: Double) -> String { ISO8601DateFormatter().string(from: start.addingTimeInterval(seconds)) }

            let beforeWait = try await client.get("/v1/campaigns/abandoned-cart/versions/2/report")
            #expect(beforeWait.json["contacts_per_step"] as? [String: Int] == ["wait_2h": 1])

            let moved = try await client.post("/v1/clock", #"{"now": "\#(instant(3 * 3600))"}"#)
            #expect(moved.status == .ok)
            #expect(moved.json["now"] as? String == instant(3 * 3600))
            let afterWait = try await client.get("/v1/campaigns/abandoned-cart/versions/2/report")
            #expect(afterWait.json["contacts_per_step"] as? [String: Int] == ["wait_2d": 1])
            #expect((afterWait.json["arrivals_per_step"] as? [String: Int])?["email_f"] == 1)
            #expect((afterWait.json["sends_per_day"] as? [String: Int])?.values.reduce(0, +) == 1)
            #expect(afterWait.json["deliveries"] as? [String: Int] == ["pending": 0, "failed": 0, "dead": 0])

            let backwards = try await client.post("/v1/clock", #"{"now": "\#(instant(3600))"}"#)
            #expect(backwards.status == .badRequest)
            #expect(backwards.pointers == ["/now"])
            #expect(try await client.post("/v1/clock", #"{"now": "tomorrow"}"#).status == .badRequest)

            #expect(try await client.post("/v1/clock", #"{"now": "\#(instant(3 * 86_400))"}"#).status == .ok)
            let ended = try await client.get("/v1/campaigns/abandoned-cart/versions/2/report")
            #expect(ended.json["contacts_per_step"] as? [String: Int] == [:])
            #expect(ended.json["outcomes"] as? [String: Int] == ["failure": 1])
            let contact = try await client.get("/v1/contacts/c1")
            #expect((contact.json["visits"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func theSystemClockCannotBeMoved() async throws {
        try await ServiceHarness.withService(clock: .system) { client in
            let read = try await client.get("/v1/clock")
            #expect(read.status == .conflict)
            #expect(read.isProblem)
            #expect(try await client.post("/v1/clock", #"{"now": "2030-01-01T00:00:00Z"}"#).status == .conflict)
        }
    }

    @Test func metricsCountEventsUnitsAndTheOutbox() async throws {
        try await ServiceHarness.withService { client in
            #expect(try await client.put("/v1/contacts/c1", #"{"email": "c1@example.com"}"#).status == .created)
            #expect(try await client.post("/v1/events", """
                {"events": [{"id": "a", "contact": "c1", "event": "signup", "payload": {"source": "web"}},
                            {"id": "b", "contact": "c1", "event": "cart_abandoned", "payload": {"cart_id": "k", "total": 30}}]}
                """).status == .accepted)
            try await client.processAccepted()
            let metrics = try await client.get("/metrics")
            #expect(metrics.status == .ok)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            let lines = Set(metrics.text.split(separator: "\n").map(String.init))
            #expect(lines.contains("campaignd_events_accepted_total 2"))
            #expect(lines.contains(#"campaignd_units_processed_total{kind="event"} 2"#))
            #expect(lines.contains(#"campaignd_units_processed_total{kind="contact"} 1"#))
            #expect(lines.contains(#"campaignd_unit_duration_seconds_count{kind="event"} 2"#))
            #expect(lines.contains(#"campaignd_outbox_actions{state="dead"} 0.0"#))
            #expect(lines.contains("campaignd_campaign_versions 17.0"))
            #expect(lines.contains("campaignd_inbox_events 0.0"))
            // The cart entered abandoned-cart v2, which waits 2 hours: one timer, not overdue.
            #expect(lines.contains(#"campaignd_timers{state="pending"} 1.0"#))
            #expect(lines.contains(#"campaignd_timers{state="overdue"} 0.0"#))
            #expect(lines.contains { $0.hasPrefix("campaignd_timer_overdue_seconds ") })
        }
    }
}
