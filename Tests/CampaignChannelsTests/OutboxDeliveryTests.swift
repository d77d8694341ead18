import CampaignChannels
import CampaignFlows
@testable import CampaignRuntime
import Foundation
import Testing

/// The router under the runtime's ``OutboxDispatcher``, over an ``InMemoryStore`` and a ``VirtualClock``:
/// failures are retried on the policy's schedule with the same key, and an action that never gets through
/// ends dead.
@Suite struct OutboxDeliveryTests {
    /// Attempts at 0, then (jitter 0: half the nominal delay) 5 and 10 seconds later.
    let policy = RetryPolicy(attempts: 3, firstRetry: 10, maxRetry: 60)

    /// A store holding the contact and one action in its outbox, due at `Fixtures.at`.
    func storeWithOneAction() throws -> InMemoryStore {
        let store = InMemoryStore()
        var unit = EffectUnit()
        unit.contacts[Fixtures.profile.id] = Fixtures.profile
        unit.actions = [Fixtures.request(Fixtures.cartReminder)]
        try store.commit(unit)
        return store
    }

    @Test func aFailureIsRetriedWithTheSameKeyUntilDelivered() async throws {
        let receiver = try await TestReceiver.start(answers: [.status(500)], otherwise: .status(200))
        let store = try storeWithOneAction()
        let clock = VirtualClock(now: Fixtures.at)
        let endpoint = WebhookEndpoint(name: "default", url: try receiver.url("/actions"), secret: Fixtures.secret)
        try await Fixtures.withRouter([endpoint], store: store) { router async throws in
            let dispatcher = OutboxDispatcher(store: store, channels: router, clock: clock, policy: policy, jitter: { 0 })
            #expect(try await dispatcher.deliverDue() == 1)
            #expect(store.deliveries(of: Fixtures.flow) == DeliveryCounts(failed: 1))
            // Not again before the backoff has passed.
            clock.now = Fixtures.at + 4.9
            #expect(try await dispatcher.deliverDue() == 0)
            clock.now = Fixtures.at + 5
            #expect(try await dispatcher.deliverDue() == 1)
            #expect(store.deliveries(of: Fixtures.flow) == DeliveryCounts())
            clock.now = Fixtures.at + 3_600
            #expect(try await dispatcher.deliverDue() == 0)
        }
        try await receiver.stop()

        let requests = receiver.requests
        #expect(requests.count == 2)
        #expect(requests.map { $0.headers["Idempotency-Key"] } == Array(repeating: ["c1/abandoned-cart/v2/email_f/1"], count: 2))
        // The same action each time: the same body bytes, each signed on its own.
        #expect(requests.map(\.body).allSatisfy { $0 == requests[0].body })
        for request in requests {
            try WebhookSignature.verify(request.headers[WebhookSignature.headerName].first ?? "", body: request.body,
                                        secret: Fixtures.secret)
        }
    }

    @Test func anActionThatAlwaysFailsEndsDeadAfterItsAttempts() async throws {
        let receiver = try await TestReceiver.start(otherwise: .status(500))
        let store = try storeWithOneAction()
        let clock = VirtualClock(now: Fixtures.at)
        let endpoint = WebhookEndpoint(name: "default", url: try receiver.url("/actions"), secret: Fixtures.secret)
        var attempts: [Int] = []
        try await Fixtures.withRouter([endpoint], store: store) { router async throws in
            let dispatcher = OutboxDispatcher(store: store, channels: router, clock: clock, policy: policy, jitter: { 0 })
            for second in stride(from: 0.0, through: 60, by: 5) {
                clock.now = Fixtures.at + second
                attempts.append(try await dispatcher.deliverDue())
            }
        }
        try await receiver.stop()

        // At 0, 5 (after 10 × 0.5) and 15 (after 20 × 0.5); then dead, and never attempted again.
        #expect(attempts == [1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(receiver.requests.count == 3)
        #expect(store.deliveries(of: Fixtures.flow) == DeliveryCounts(dead: 1))
    }

    @Test func aTimeoutIsRetriedLikeAnyFailure() async throws {
        let receiver = try await TestReceiver.start(answers: [.silence], otherwise: .status(204))
        let store = try storeWithOneAction()
        let clock = VirtualClock(now: Fixtures.at)
        let endpoint = WebhookEndpoint(name: "default", url: try receiver.url("/actions"), secret: Fixtures.secret)
        try await Fixtures.withRouter([endpoint], store: store, timeout: .milliseconds(300)) { router async throws in
            let dispatcher = OutboxDispatcher(store: store, channels: router, clock: clock, policy: policy, jitter: { 0 })
            #expect(try await dispatcher.deliverDue() == 1)
            #expect(store.deliveries(of: Fixtures.flow) == DeliveryCounts(failed: 1))
            clock.now = Fixtures.at + 5
            #expect(try await dispatcher.deliverDue() == 1)
            #expect(store.deliveries(of: Fixtures.flow) == DeliveryCounts())
        }
        try await receiver.stop()
        #expect(receiver.requests.count == 2)
    }
}
