import CampaignChannels
import CampaignStoreSQLite
import Foundation
import HTTPTypes
import Testing

/// The real `campaignd` binary over real HTTP, with the virtual clock, a SQLite file, webhook channels
/// pointing at a receiver the test runs, and signed provider webhooks: the abandoned-cart reminder from
/// the cart to its outcome, dead actions and their retry, erasure, and a SIGKILL in the middle of a batch.
///
/// The scenarios follow `campaigns/abandoned-cart/v2.yaml`: a cart of 20 or more enters, waits 2 hours,
/// gets a reminder by gender (`email_f`, `email_m`, `email_neutral`), waits 2 days, and ends `success`
/// when the reminder was opened, `failure` otherwise.
@Suite(.serialized) struct EndToEndTests {
    static let hour: Double = 3_600
    static let day: Double = 86_400

    /// The key of the reminder a contact's first visit sends.
    static func reminderKey(_ contact: String, gender: String?) -> String {
        "\(contact)/abandoned-cart/v2/\(reminderStep(gender))/1"
    }

    static func reminderStep(_ gender: String?) -> String {
        switch gender {
        case "female": "email_f"
        case "male": "email_m"
        default: "email_neutral"
        }
    }

    /// `PUT /v1/contacts/{id}` with an email and, when given, a gender.
    static func putContact(_ id: String, gender: String?, _ client: CampaigndClient) async throws {
        let genderField = gender.map { #", "gender": "\#($0)""# } ?? ""
        let answer = try await client.put("/v1/contacts/\(id)", #"{"email": "\#(id)@example.com"\#(genderField)}"#)
        try #require(answer.status == .created, "PUT /v1/contacts/\(id) answered \(answer.status): \(answer.text)")
    }

    /// One `cart_abandoned` event, as an element of `{"events": [...]}` or a body of its own.
    static func cart(_ id: String, contact: String, total: Int) -> String {
        #"{"id": "\#(id)", "contact": "\#(contact)", "event": "cart_abandoned", "payload": {"cart_id": "k-\#(id)", "total": \#(total)}}"#
    }

    // MARK: 1. From the cart to the outcome

    @Test func theReminderGoesOutAndTheOpenComesBackSigned() async throws {
        try await EndToEndWorld.run { world in
            let client = try await world.start().client
            let contacts: [(id: String, gender: String?)] = [("c1", "female"), ("c2", "male"), ("c3", nil)]
            for contact in contacts { try await Self.putContact(contact.id, gender: contact.gender, client) }
            let start = try await client.clock()
            let carts = contacts.map { Self.cart("cart-\($0.id)", contact: $0.id, total: 80) }.joined(separator: ", ")
            #expect(try await client.post("/v1/events", #"{"events": [\#(carts)]}"#).status == .accepted)

            // Past the 2-hour wait: each contact's reminder reaches the email channel's receiver.
            try await client.moveClock(to: start + 2 * Self.hour + 60)
            let keys = Dictionary(uniqueKeysWithValues: contacts.map { ($0.id, Self.reminderKey($0.id, gender: $0.gender)) })
            #expect(try await eventually { world.receiver.acknowledgedKeys.isSuperset(of: Set(keys.values)) })
            let reminder = try #require(world.receiver.deliveries(of: "c1/abandoned-cart/v2/email_f/1").first)
            #expect(world.receiver.deliveries(of: reminder.key).count == 1)
            #expect(reminder.path == "/email")
            #expect(reminder.idempotencyKey == reminder.key)
            let signature = try #require(reminder.signature)
            try WebhookSignature.verify(signature, body: reminder.body, secret: EndToEndWorld.emailSecret)
            #expect(throws: WebhookSignatureError.mismatch) {
                try WebhookSignature.verify(signature, body: reminder.body, secret: EndToEndWorld.actionsSecret)
            }
            var document = reminder.json
            let contact = try #require(document.removeValue(forKey: "contact") as? [String: Any])
            #expect(contact["id"] as? String == "c1")
            #expect(contact["email"] as? String == "c1@example.com")
            #expect(contact["gender"] as? String == "female")
            let expected: [String: Any] = [
                "key": "c1/abandoned-cart/v2/email_f/1",
                "action": ["kind": "send", "channel": "email", "message": "cart-reminder-f"],
                "campaign": "abandoned-cart", "version": 2, "step": "email_f", "at": instantText(start + 2 * Self.hour),
            ]
            #expect(canonicalJSON(document) == canonicalJSON(expected))

            // The providers report opens for c1 (Mailgun) and c2 (SendGrid), each carrying the send's key.
            let openedAt = start + 2 * Self.hour + 300
            let mailgunOpen = try ProviderWebhookRequests.mailgun(event: "opened", id: "mg-open-c1", sendKey: try #require(keys["c1"]),
                                                                  at: openedAt, signingKey: EndToEndWorld.mailgunSigningKey)
            let mailgunAnswer = try await client.post(webhook: "mailgun", mailgunOpen)
            #expect(mailgunAnswer.status == .ok, "\(mailgunAnswer.text)")
            #expect(mailgunAnswer.json["accepted"] as? Int == 1)
            let sendGridOpen = try ProviderWebhookRequests.sendGrid(event: "open", id: "sg-open-c2", sendKey: try #require(keys["c2"]),
                                                                    email: "c2@example.com", at: openedAt, key: try world.sendGridKey)
            let sendGridAnswer = try await client.post(webhook: "sendgrid", sendGridOpen)
            #expect(sendGridAnswer.status == .ok, "\(sendGridAnswer.text)")
            #expect(sendGridAnswer.json["accepted"] as? Int == 1)

            // Forged opens for c3 are refused and store nothing: c3's reminder stays unopened.
            let forgedMailgun = try ProviderWebhookRequests.forged(
                try ProviderWebhookRequests.mailgun(event: "opened", id: "mg-open-c3", sendKey: try #require(keys["c3"]),
                                                    at: openedAt, signingKey: EndToEndWorld.mailgunSigningKey))
            let refusedMailgun = try await client.post(webhook: "mailgun", forgedMailgun)
            #expect(refusedMailgun.status == .unauthorized)
            #expect(refusedMailgun.isProblem)
            let alteredSendGrid = ProviderWebhookRequests.altered(
                try ProviderWebhookRequests.sendGrid(event: "open", id: "sg-open-c2-again", sendKey: try #require(keys["c2"]),
                                                     email: "c2@example.com", at: openedAt, key: try world.sendGridKey),
                replacing: try #require(keys["c2"]), with: try #require(keys["c3"]))
            #expect(try await client.post(webhook: "sendgrid", alteredSendGrid).status == .unauthorized)
            #expect(try await client.metric("campaignd_events_accepted_total") == 5)

            // Past the 2-day wait: the opened reminders won, the other lost.
            try await client.moveClock(to: start + 2 * Self.hour + 2 * Self.day + Self.hour)
            let report = try await client.report("abandoned-cart", version: 2)
            #expect(report["outcomes"] as? [String: Int] == ["success": 2, "failure": 1])
            #expect(report["contacts_per_step"] as? [String: Int] == [:])
            #expect(report["arrivals_per_step"] as? [String: Int] == [
                "wait_2h": 3, "by_gender": 3, "email_f": 1, "email_m": 1, "email_neutral": 1, "wait_2d": 3, "opened": 3, "won": 2, "lost": 1,
            ])
            #expect((report["sends_per_day"] as? [String: Int])?.values.reduce(0, +) == 3)
            #expect(try await client.allDelivered("abandoned-cart", version: 2))

            let journey = try await client.journey("c1")
            let visit = try #require(journey.visits(of: "abandoned-cart").first)
            #expect(journey.visits(of: "abandoned-cart").count == 1)
            #expect(visit.version == 2 && visit.number == 1 && !visit.active && visit.step == nil)
            #expect(visit.outcome == "success")
            #expect(visit.timeline.map { "\($0.kind) \($0.step ?? "-")" } == [
                "entered -", "step wait_2h", "step by_gender", "step email_f", "action email_f", "step wait_2d",
                "delivered email_f", "step opened", "step won", "ended -",
            ])
            let action = try #require(visit.timeline.first { $0.kind == "action" })
            #expect(action.detail == "send email cart-reminder-f, key c1/abandoned-cart/v2/email_f/1")
            #expect(action.at == instantText(start + 2 * Self.hour))
            #expect(visit.timeline.first { $0.kind == "delivered" }?.detail == "c1/abandoned-cart/v2/email_f/1 after 1 attempt")
            #expect(visit.timeline.last?.detail == "success")
            #expect(visit.timeline.last?.at == instantText(start + 2 * Self.hour + 2 * Self.day))
            #expect(try await client.journey("c3").visits(of: "abandoned-cart").first?.outcome == "failure")
            // The open also entered c1 into engagement-activity (triggered by email_opened), once.
            #expect(journey.visits(of: "engagement-activity").count == 1)

            // Mailgun posts the same webhook again: accepted, and processed once.
            let before = try await client.get("/v1/contacts/c1/journey").text
            let again = try await client.post(webhook: "mailgun", mailgunOpen)
            #expect(again.status == .ok)
            try await client.processAccepted()
            #expect(try await client.get("/v1/contacts/c1/journey").text == before)
            #expect(try await client.metric("campaignd_inbox_events") == 0)
        }
    }

    // MARK: 2. A dead action, revived

    @Test func aDeadActionIsCountedAndRetriedByHand() async throws {
        try await EndToEndWorld.run { world in
            let client = try await world.start().client
            try await Self.putContact("d1", gender: "female", client)
            try await Self.putContact("d2", gender: "male", client)
            let failing = Self.reminderKey("d1", gender: "female")
            world.receiver.fail(failing)
            let start = try await client.clock()
            #expect(try await client.post("/v1/events", #"{"events": [\#(Self.cart("a", contact: "d1", total: 50)), \#(Self.cart("b", contact: "d2", total: 50))]}"#).status == .accepted)

            // The first attempt fails; each move of the clock past the backoff makes one more, until none is left.
            var now = start + 2 * Self.hour + 60
            try await client.moveClock(to: now)
            #expect(try await eventually { world.receiver.acknowledgedKeys.contains(Self.reminderKey("d2", gender: "male")) })
            for _ in 0..<10 {
                let deliveries = try await client.report("abandoned-cart", version: 2)["deliveries"] as? [String: Int]
                if deliveries?["dead"] == 1 { break }
                now += 30
                try await client.moveClock(to: now)
            }
            let report = try await client.report("abandoned-cart", version: 2)
            #expect(report["deliveries"] as? [String: Int] == ["pending": 0, "failed": 0, "dead": 1])
            let attempts = world.receiver.deliveries(of: failing)
            #expect(attempts.count == EndToEndWorld.attempts)
            #expect(attempts.allSatisfy { $0.status == 500 && $0.idempotencyKey == failing && $0.body == attempts.first?.body })
            #expect(try await client.metric(#"campaignd_outbox_actions{state="dead"}"#) == 1)
            let dead = try await client.journey("d1").visits(of: "abandoned-cart").first?.timeline.last
            #expect(dead?.kind == "dead")
            #expect(dead?.detail == "\(failing) after \(EndToEndWorld.attempts) attempts")

            // Revived by hand (the key percent-encoded in the path), it goes out once the receiver takes it.
            let path = "/v1/outbox/\(try #require(failing.addingPercentEncoding(withAllowedCharacters: .alphanumerics)))/retry"
            #expect(try await client.post("/v1/outbox/nobody%2Fabandoned-cart%2Fv2%2Femail_f%2F1/retry", "").status == .notFound)
            world.receiver.recover(failing)
            let revived = try await client.post(path, "")
            #expect(revived.status == .ok, "\(revived.text)")
            #expect(revived.json["key"] as? String == failing)
            #expect(revived.json["state"] as? String == "pending")
            #expect(try await eventually { world.receiver.acknowledgedKeys.contains(failing) })
            try await client.moveClock(to: now + Self.hour)
            #expect(world.receiver.deliveries(of: failing).count == EndToEndWorld.attempts + 1)
            #expect(world.receiver.deliveries(of: failing).filter(\.isAcknowledged).count == 1)
            #expect(try await client.allDelivered("abandoned-cart", version: 2))
            #expect(try await client.metric(#"campaignd_outbox_actions{state="dead"}"#) == 0)
            #expect(try await client.journey("d1").visits(of: "abandoned-cart").first?.timeline.last?.kind == "delivered")
            #expect(try await client.post(path, "").status == .notFound)
        }
    }

    // MARK: 3. Erasure

    @Test func anErasedContactsPendingActionsNeverGoOut() async throws {
        try await EndToEndWorld.run { world in
            let client = try await world.start().client
            for (id, gender) in [("e1", "female"), ("e2", "male"), ("e3", nil), ("e4", nil)] as [(String, String?)] {
                try await Self.putContact(id, gender: gender, client)
            }
            let failing = Self.reminderKey("e1", gender: "female")
            world.receiver.fail(failing)
            let start = try await client.clock()
            #expect(try await client.post("/v1/events", #"{"events": [\#(Self.cart("a", contact: "e1", total: 50)), \#(Self.cart("c", contact: "e3", total: 50))]}"#).status == .accepted)

            // e1's reminder has failed once and waits for its retry; e2 and e4 wait out their 2 hours.
            let first = start + 2 * Self.hour + 60
            try await client.moveClock(to: first)
            #expect(try await eventually {
                world.receiver.acknowledgedKeys.contains(Self.reminderKey("e3", gender: nil)) && !world.receiver.deliveries(of: failing).isEmpty
            })
            #expect(try await client.post("/v1/events", #"{"events": [\#(Self.cart("b", contact: "e2", total: 50)), \#(Self.cart("d", contact: "e4", total: 50))]}"#).status == .accepted)
            try await client.processAccepted()
            #expect((try await client.get("/v1/contacts/e2").json["visits"] as? [Any])?.count == 1)

            for id in ["e1", "e2"] {
                #expect(try await client.delete("/v1/contacts/\(id)").status == .noContent)
                #expect(try await client.get("/v1/contacts/\(id)").status == .notFound)
                #expect(try await client.get("/v1/contacts/\(id)/journey").status == .notFound)
                #expect(try await client.delete("/v1/contacts/\(id)").status == .notFound)
            }
            #expect(try await client.post("/v1/events", Self.cart("again", contact: "e1", total: 50)).status == .badRequest)
            // A provider's report about e1's reminder has nothing left to attach to.
            let late = try await client.post(webhook: "mailgun", try ProviderWebhookRequests.mailgun(
                event: "opened", id: "mg-open-e1", sendKey: failing, at: first, signingKey: EndToEndWorld.mailgunSigningKey))
            #expect(late.status == .ok)
            #expect(late.json["accepted"] as? Int == 0 && late.json["skipped"] as? Int == 1)
            let seen = world.receiver.deliveries.filter { ["e1", "e2"].contains($0.contact) }.count

            // Past e1's retry and e2's wait: e4, who waited beside e2, gets its reminder; e1 and e2 get nothing.
            world.receiver.recover(failing)
            try await client.moveClock(to: first + 2 * Self.hour + 60)
            #expect(try await eventually { world.receiver.acknowledgedKeys.contains(Self.reminderKey("e4", gender: nil)) })
            try await client.moveClock(to: first + Self.day)
            #expect(world.receiver.deliveries.filter { ["e1", "e2"].contains($0.contact) }.count == seen)
            #expect(world.receiver.deliveries(of: Self.reminderKey("e2", gender: "male")).isEmpty)
            #expect(try await client.allDelivered("abandoned-cart", version: 2))
            #expect(try await client.metric(#"campaignd_outbox_actions{state="retrying"}"#) == 0)
            #expect(try await client.metric(#"campaignd_outbox_actions{state="pending"}"#) == 0)
        }
    }

    // MARK: 4. A crash in the middle of a batch

    @Test func aKilledProcessLosesNoAcceptedEventAndRepeatsNone() async throws {
        try await EndToEndWorld.run { world in
            let first = try await world.start()
            let count = 200
            // Every fourth contact's cart is too small to enter; every fourth (from the second) abandons a second
            // cart while in the campaign, which must not enter them twice.
            enum Kind { case small, twice, once }
            func kind(_ index: Int) -> Kind { index % 4 == 0 ? .small : index % 4 == 1 ? .twice : .once }
            func gender(_ index: Int) -> String? { [0: "female", 1: "male"][index % 3] }
            let ids = (0..<count).map { "r\($0)" }
            for (index, id) in ids.enumerated() { try await Self.putContact(id, gender: gender(index), first.client) }
            let start = try await first.client.clock()
            var events: [String] = []
            for (index, id) in ids.enumerated() {
                events.append(Self.cart("\(id)-1", contact: id, total: kind(index) == .small ? 10 : 50))
            }
            for (index, id) in ids.enumerated() where kind(index) == .twice {
                events.append(Self.cart("\(id)-2", contact: id, total: 60))
            }
            let accepted = try await first.client.post("/v1/events", #"{"events": [\#(events.joined(separator: ", "))]}"#)
            #expect(accepted.status == .accepted)
            // Killed as soon as the inbox worker has started on the batch, one unit per event.
            #expect(try await eventually { try await first.client.metric("campaignd_inbox_events") ?? 0 < Double(events.count) })
            first.kill()
            let store = try SQLiteStore(path: world.sqlitePath)
            let waiting = try await store.inboxDepth()
            try store.close()
            #expect(waiting > 0 && waiting < events.count, "\(waiting) of \(events.count) accepted events wait: the kill did not come mid-batch")

            // The second process is killed too, once the reminders have started to go out while the clock's move
            // still runs the timers and delivers (the move's answer never comes); the third finishes the work.
            let second = try await world.start()
            let target = max(start, try await second.client.clock()) + 2 * Self.hour + 60
            let move = Task { try? await second.client.post("/v1/clock", #"{"now": "\#(instantText(target))"}"#) }
            #expect(try await eventually { world.receiver.deliveries.contains { $0.campaign == "abandoned-cart" } })
            second.kill()
            _ = await move.value
            let third = try await world.start()
            try await third.client.moveClock(to: max(target, try await third.client.clock()))
            var expectedKeys: Set<String> = []
            for (index, id) in ids.enumerated() where kind(index) != .small {
                expectedKeys.insert(Self.reminderKey(id, gender: gender(index)))
            }
            #expect(try await eventually { world.receiver.acknowledgedKeys.isSuperset(of: expectedKeys) })
            // Retries of a key are allowed, always the same action; another key for the same visit and step is not.
            let reminders = world.receiver.deliveries.filter { $0.campaign == "abandoned-cart" }
            #expect(Set(reminders.map(\.key)) == expectedKeys)
            #expect(reminders.allSatisfy { $0.idempotencyKey == $0.key })
            for (key, attempts) in Dictionary(grouping: reminders, by: \.key) {
                // The contact's profile is read at each attempt; the rest of the action never changes.
                let actions = Set(attempts.map { delivery in canonicalJSON(delivery.json.filter { $0.key != "contact" }) })
                #expect(actions.count == 1, "\(key): \(actions)")
            }

            for (index, id) in ids.enumerated() {
                let journey = try await third.client.journey(id)
                let visits = journey.visits(of: "abandoned-cart")
                let events = kind(index) == .twice ? 2 : 1
                #expect(visits.count == (kind(index) == .small ? 0 : 1), "\(id)")
                #expect(visits.allSatisfy { $0.version == 2 && $0.number == 1 && $0.step == "wait_2d" }, "\(id)")
                // Each processed cart writes one line for v1, which is draining: as many lines as carts.
                let drained = journey.refusals.filter { $0.campaign == "abandoned-cart" && $0.version == 1 }
                #expect(drained.count == events, "\(id): \(drained)")
                let refused = journey.refusals.filter { $0.campaign == "abandoned-cart" && $0.version == 2 }.map(\.detail)
                switch kind(index) {
                case .small: #expect(refused == ["the trigger's where did not hold"], "\(id)")
                case .twice: #expect(refused == ["repeat: after_exit, and the contact is still in the campaign"], "\(id)")
                case .once: #expect(refused.isEmpty, "\(id)")
                }
            }
            let entered = ids.indices.filter { kind($0) != .small }.count
            let report = try await third.client.report("abandoned-cart", version: 2)
            #expect(report["contacts_per_step"] as? [String: Int] == ["wait_2d": entered])
            #expect((report["arrivals_per_step"] as? [String: Int])?["wait_2h"] == entered)
            #expect(try await third.client.allDelivered("abandoned-cart", version: 2))
            #expect(try await third.client.metric("campaignd_inbox_events") == 0)
        }
    }

    /// SERVICE.md: the virtual clock "starts at the wall-clock time the database was created and never moves
    /// backwards": a restart goes on from where it was.
    @Test func theVirtualClockDoesNotGoBackAcrossARestart() async throws {
        try await EndToEndWorld.run { world in
            let first = try await world.start()
            let moved = try await first.client.clock() + Self.day
            try await first.client.moveClock(to: moved)
            first.kill()
            let second = try await world.start()
            let clock = try await second.client.clock()
            #expect(clock >= moved)
        }
    }
}
