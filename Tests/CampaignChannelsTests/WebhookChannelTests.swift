import CampaignChannels
import CampaignFlows
@testable import CampaignRuntime
import Foundation
import Testing

/// The POST a `webhook` channel makes, over real HTTP on loopback: body, headers, signature, and which
/// answers mean done.
@Suite struct WebhookChannelTests {
    @Test func theBodyAndHeadersAreAsSpecified() async throws {
        let receiver = try await TestReceiver.start()
        let endpoint = WebhookEndpoint(name: "default", url: try receiver.url("/actions"), secret: Fixtures.secret)
        let before = Date()
        try await Fixtures.withRouter([endpoint]) { router in
            try await router.perform(Fixtures.request(Fixtures.cartReminder))
        }
        let after = Date()
        try await receiver.stop()

        let request = try #require(receiver.requests.first)
        #expect(receiver.requests.count == 1)
        #expect(request.method == .POST)
        #expect(request.path == "/actions")
        #expect(request.headers["Content-Type"] == ["application/json"])
        #expect(request.headers["Idempotency-Key"] == ["c1/abandoned-cart/v2/email_f/1"])

        let expected = try JSON(parsing: Array("""
            { "key": "c1/abandoned-cart/v2/email_f/1",
              "contact": { "id": "c1", "email": "c1@example.com", "orders": 3, "rating": 4.5, "vip": true,
                           "gender": null, "created_at": "2026-01-15T09:30:00Z", "cooldown": 5400,
                           "tags": ["cart", "fr"] },
              "action": { "kind": "send", "channel": "email", "message": "cart-reminder-f" },
              "campaign": "abandoned-cart", "version": 2, "step": "email_f", "at": "2026-03-02T12:00:00Z" }
            """.utf8))
        #expect(try JSON(parsing: request.body) == expected)

        // The signature: `t=UNIX,v1=HEX`, UNIX the real time of the attempt, HEX the HMAC of `UNIX.BODY`.
        let signature = try #require(request.headers[WebhookSignature.headerName].first)
        #expect(request.headers[WebhookSignature.headerName].count == 1)
        let timestamp = try #require(signature.split(separator: ",").first.flatMap { Int($0.dropFirst(2)) })
        #expect(signature.hasPrefix("t=\(timestamp),v1="))
        #expect(Double(timestamp) >= before.timeIntervalSince1970.rounded(.down))
        #expect(Double(timestamp) <= after.timeIntervalSince1970)
        try WebhookSignature.verify(signature, body: request.body, secret: Fixtures.secret)
        #expect(signature == WebhookSignature.header(body: request.body, secret: Fixtures.secret, timestamp: timestamp))
        #expect(throws: WebhookSignatureError.mismatch) {
            try WebhookSignature.verify(signature, body: request.body, secret: "another-secret")
        }
        #expect(throws: WebhookSignatureError.mismatch) {
            try WebhookSignature.verify(signature, body: request.body + Array(" ".utf8), secret: Fixtures.secret)
        }
    }

    /// Each kind of action, with its own fields.
    @Test func everyActionKindCarriesItsFields() async throws {
        let cases: [(FlowAction, String)] = [
            (.send(channel: .sms, message: "flash-sms"), #"{ "kind": "send", "channel": "sms", "message": "flash-sms" }"#),
            (.update([FieldAssignment(field: "phase", value: .string("evaluation")), FieldAssignment(field: "score", value: .int(40))]),
             #"{ "kind": "update", "fields": { "phase": "evaluation", "score": 40 } }"#),
            (.tags(add: ["engaged"], remove: ["cold", "dormant"]), #"{ "kind": "tags", "add": ["engaged"], "remove": ["cold", "dormant"] }"#),
            (.unsubscribe([.email, .sms]), #"{ "kind": "unsubscribe", "channels": ["email", "sms"] }"#),
            (.archive, #"{ "kind": "archive" }"#),
            (.grantPromo("WELCOME10"), #"{ "kind": "grant_promo", "bank": "WELCOME10" }"#),
            (.export(destination: "sftp-main", fields: ["email", "score"]),
             #"{ "kind": "export", "destination": "sftp-main", "fields": ["email", "score"] }"#),
            (.postal("send"), #"{ "kind": "postal", "mode": "send" }"#),
            (.webhook(destination: "crm-hook", fields: ["email", "score"]),
             #"{ "kind": "webhook", "destination": "crm-hook", "fields": ["email", "score"] }"#),
        ]
        let receiver = try await TestReceiver.start()
        let endpoint = WebhookEndpoint(name: "default", url: try receiver.url("/actions"), secret: Fixtures.secret)
        try await Fixtures.withRouter([endpoint]) { router in
            for (index, (action, _)) in cases.enumerated() {
                try await router.perform(Fixtures.request(action, step: "step_\(index)"))
            }
        }
        try await receiver.stop()

        #expect(receiver.requests.count == cases.count)
        for (request, (_, expected)) in zip(receiver.requests, cases) {
            let body = try JSON(parsing: request.body)
            #expect(body["action"] == (try JSON(parsing: Array(expected.utf8))))
        }
    }

    /// A key of a step passed again carries `#N`; the body's `step` is the step id alone.
    @Test func theStepLeavesTheOccurrenceToTheKey() async throws {
        let receiver = try await TestReceiver.start()
        let endpoint = WebhookEndpoint(name: "default", url: try receiver.url("/actions"), secret: Fixtures.secret)
        try await Fixtures.withRouter([endpoint]) { router in
            try await router.perform(Fixtures.request(Fixtures.cartReminder, step: "email_f#3"))
        }
        try await receiver.stop()

        let request = try #require(receiver.requests.first)
        #expect(request.headers["Idempotency-Key"] == ["c1/abandoned-cart/v2/email_f#3/1"])
        let body = try JSON(parsing: request.body)
        #expect(body["key"] == .string("c1/abandoned-cart/v2/email_f#3/1"))
        #expect(body["step"] == .string("email_f"))
    }

    /// Instants between whole seconds keep their milliseconds, in `at` and in profile fields alike.
    @Test func anInstantBetweenSecondsKeepsItsMilliseconds() async throws {
        let receiver = try await TestReceiver.start()
        let endpoint = WebhookEndpoint(name: "default", url: try receiver.url("/actions"), secret: Fixtures.secret)
        let profile = ContactProfile(id: "c1", fields: ["last_seen": .instant(Fixtures.at + 0.25)])
        var request = Fixtures.request(Fixtures.cartReminder)
        request.at = Fixtures.at + 1.5
        try await Fixtures.withRouter([endpoint], contacts: [profile]) { router in
            try await router.perform(request)
        }
        try await receiver.stop()

        let body = try JSON(parsing: try #require(receiver.requests.first).body)
        #expect(body["at"] == .string("2026-03-02T12:00:01.500Z"))
        #expect(body["contact"]?["last_seen"] == .string("2026-03-02T12:00:00.250Z"))
    }

    @Test(arguments: [200, 201, 202, 204, 409])
    func answersThatMeanDone(status: Int) async throws {
        let receiver = try await TestReceiver.start(otherwise: .status(status))
        let endpoint = WebhookEndpoint(name: "default", url: try receiver.url("/actions"), secret: Fixtures.secret)
        try await Fixtures.withRouter([endpoint]) { router in
            try await router.perform(Fixtures.request(Fixtures.cartReminder))
        }
        try await receiver.stop()
        #expect(receiver.requests.count == 1)
    }

    /// Anything else throws, redirects included: the signed action is not sent on to a URL nobody configured.
    @Test(arguments: [301, 302, 400, 401, 404, 429, 500, 503])
    func otherAnswersAreFailures(status: Int) async throws {
        let receiver = try await TestReceiver.start(otherwise: .status(status))
        let endpoint = WebhookEndpoint(name: "default", url: try receiver.url("/actions"), secret: Fixtures.secret)
        try await Fixtures.withRouter([endpoint]) { router in
            await #expect(throws: WebhookDeliveryError.refused(endpoint: "default", status: status)) {
                try await router.perform(Fixtures.request(Fixtures.cartReminder))
            }
        }
        try await receiver.stop()
        #expect(receiver.requests.count == 1)
    }

    @Test func noAnswerWithinTheTimeoutIsAFailure() async throws {
        let receiver = try await TestReceiver.start(otherwise: .silence)
        let endpoint = WebhookEndpoint(name: "default", url: try receiver.url("/actions"), secret: Fixtures.secret)
        // The delivery's own time. Without the timeout it would never end (the receiver never answers); with it,
        // it ends once the deadline's task gets a thread, which on 2 cores, while other suites run compilers and
        // wait on them, took 19.5 s in a CI run: the bound says "ends", not "ends fast".
        var elapsed = Duration.zero
        try await Fixtures.withRouter([endpoint], timeout: .milliseconds(300)) { router in
            let started = ContinuousClock.now
            await #expect(throws: WebhookDeliveryError.timedOut(endpoint: "default", after: .milliseconds(300))) {
                try await router.perform(Fixtures.request(Fixtures.cartReminder))
            }
            elapsed = ContinuousClock.now - started
        }
        try await receiver.stop()
        #expect(receiver.requests.count == 1)
        #expect(elapsed >= .milliseconds(300))
        #expect(elapsed < .seconds(60))
    }

    @Test func aReceiverThatIsNotListeningIsAFailure() async throws {
        let receiver = try await TestReceiver.start()
        let url = try receiver.url("/actions")
        try await receiver.stop()
        let endpoint = WebhookEndpoint(name: "default", url: url, secret: Fixtures.secret)
        try await Fixtures.withRouter([endpoint], timeout: .seconds(1)) { router in
            let error = await #expect(throws: WebhookDeliveryError.self) {
                try await router.perform(Fixtures.request(Fixtures.cartReminder))
            }
            guard case .unreachable(endpoint: "default", _)? = error else {
                Issue.record("expected the receiver to be unreachable, got \(String(describing: error))")
                return
            }
        }
    }
}
