import CampaignFlows
import CampaignRuntime
import Foundation

/// An event a client submitted, checked against the workspace and ready to store.
public struct SubmittedEvent: Sendable, Equatable {
    /// The client's id for the event: the same id is accepted once.
    public var id: String
    public var contact: String
    public var event: String
    /// When it happened (the request's `at`, else the time it was accepted).
    public var at: Double
    public var payload: [String: Value]

    /// An event as checked by the events route.
    public init(id: String, contact: String, event: String, at: Double, payload: [String: Value]) {
        self.id = id
        self.contact = contact
        self.event = event
        self.at = at
        self.payload = payload
    }

    /// The event as the store's inbox keeps it. Its id is prefixed with where it came from (`event:` for the
    /// API, `webhook:PROVIDER:` for provider events), apart from the ids of firings and approvals.
    func inboxEvent(source: String) -> InboxEvent {
        InboxEvent(id: source + id, contact: contact, event: event, payload: payload, at: at)
    }
}

/// Where checked events go: the store's inbox, in one commit per request (all of a request's events or none),
/// after which the ``InboxWorker`` processes them in order. A 202 answers a stored event, not a processed one.
public final class EventIntake: Sendable {
    let store: any CampaignStore
    let metrics: ServiceMetrics
    /// Wakes the inbox worker when events arrive.
    let arrivals = Doorbell()

    init(store: any CampaignStore, metrics: ServiceMetrics) {
        self.store = store
        self.metrics = metrics
    }

    /// Stores the events durably, in order; an id accepted (or processed) before with the same content is
    /// accepted again without a second copy, and with another content throws a 409 problem, storing nothing
    /// of the request. Events about contacts the store does not have throw ``StoreError/unknownContacts(_:)``,
    /// storing nothing either.
    public func submit(_ events: [SubmittedEvent], source: String = "event:") async throws {
        guard !events.isEmpty else { return }
        var unit = EffectUnit()
        unit.inboxAdded = events.map { $0.inboxEvent(source: source) }
        do {
            try await store.commit(unit)
        } catch StoreError.inputConflict(let id) {
            throw Problem.conflict("event id '\(id.dropFirst(source.count))' was already submitted with a different content")
        }
        metrics.accepted(events: events.count)
        arrivals.ring()
    }
}
