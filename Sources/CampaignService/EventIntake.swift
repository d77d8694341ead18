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
}

/// Where `POST /v1/events` hands its checked events: the one place that stores them.
///
/// For now each event is processed at once, in order, by ``CampaignEngine/handle(event:contact:payload:input:)``
/// under its id (prefixed `event:`, apart from the ids of firings and approvals): an id processed before is
/// skipped, and the same id with a different content throws ``EngineError/inputConflict(_:)`` (409). Events
/// run at the engine's clock time; `at` is checked and carried for the durable inbox that replaces this body.
public struct EventIntake: Sendable {
    let engine: CampaignEngine
    let metrics: ServiceMetrics

    /// Stores the events in order.
    public func submit(_ events: [SubmittedEvent]) async throws {
        for event in events {
            do {
                try await metrics.unit(.event) {
                    try await engine.handle(event: event.event, contact: event.contact, payload: event.payload, input: "event:" + event.id)
                }
            } catch EngineError.inputConflict {
                throw EngineError.inputConflict(event.id)
            }
        }
    }
}
