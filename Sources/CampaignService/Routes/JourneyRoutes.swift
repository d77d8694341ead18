import CampaignFlows
import CampaignRuntime
import Foundation
import Hummingbird

/// `GET /v1/contacts/{id}/journey`, `DELETE /v1/contacts/{id}` and `POST /v1/outbox/{key}/retry`: what
/// happened to a contact and why, erasing it, and sending a dead action again.
enum JourneyRoutes {
    /// One line of a visit's timeline.
    struct Line: Encodable {
        var at: String
        var kind: String
        var step: String?
        var detail: String

        enum CodingKeys: String, CodingKey { case at, kind, step, detail }

        /// Every member always, `step` null for a line about no step, as SERVICE.md's shape has it.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(at, forKey: .at)
            try container.encode(kind, forKey: .kind)
            try container.encode(step, forKey: .step)
            try container.encode(detail, forKey: .detail)
        }
    }

    /// A visit with its timeline.
    struct VisitJourney: Encodable {
        var campaign: String
        var version: Int
        var number: Int
        var active: Bool
        var step: String?
        var outcome: String?
        var timeline: [Line]

        enum CodingKeys: String, CodingKey { case campaign, version, number, active, step, outcome, timeline }

        /// Every member always, `step` and `outcome` null when unknown, as SERVICE.md's shape has them.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(campaign, forKey: .campaign)
            try container.encode(version, forKey: .version)
            try container.encode(number, forKey: .number)
            try container.encode(active, forKey: .active)
            try container.encode(step, forKey: .step)
            try container.encode(outcome, forKey: .outcome)
            try container.encode(timeline, forKey: .timeline)
        }
    }

    /// A trigger that fired for the contact and did not enter them.
    struct Refusal: Encodable {
        var campaign: String
        var version: Int
        var at: String
        var detail: String
    }

    struct Journey: Encodable {
        var contact: String
        var visits: [VisitJourney]
        var not_entered: [Refusal]
    }

    static func add(to table: inout RouteTable, _ core: ServiceCore) {
        table.add(.get, "/v1/contacts/{id}/journey", scope: .events) { _, context in
            let id = try ContactRoutes.contactID(context)
            let visits = try await core.store.visits(of: id)
            let journal = try await core.store.journal(of: id)
            guard try await core.store.contact(id) != nil || !visits.isEmpty || !journal.isEmpty else {
                throw Problem.notFound("no contact '\(id)'")
            }
            return try JSONResponse.make(journey(of: id, visits: visits, journal: journal, core))
        }
        table.add(.delete, "/v1/contacts/{id}", scope: .admin) { _, context in
            let id = try ContactRoutes.contactID(context)
            guard try await core.store.contact(id) != nil else { throw Problem.notFound("no contact '\(id)'") }
            try await core.metrics.unit(.contact) { try await core.engine.erase(contact: id) }
            return Response(status: .noContent)
        }
        table.add(.post, "/v1/outbox/{key}/retry", scope: .admin) { _, context in
            guard let raw = context.parameters.get("key"), let text = raw.removingPercentEncoding,
                  let key = IdempotencyKey(parsing: text) else {
                throw Problem.notFound("not an action key (CONTACT/CAMPAIGN/vVERSION/STEP/VISIT, percent-encoded in the path)")
            }
            guard try await core.engine.retry(key) else { throw Problem.notFound("no dead action '\(text)'") }
            return try JSONResponse.make(["key": text, "state": "pending"])
        }
    }

    /// The visits in entry order, each with its lines, and the refusals.
    static func journey(of contact: String, visits: [Visit], journal: [JournalEntry], _ core: ServiceCore) -> Journey {
        var lines: [VisitKey: [Line]] = [:]
        var refusals: [Refusal] = []
        for entry in journal {
            let at = InstantText.format(entry.at)
            guard let number = entry.visit else {
                refusals.append(Refusal(campaign: entry.flow.campaign, version: entry.flow.version, at: at, detail: entry.detail))
                continue
            }
            lines[VisitKey(contact: contact, flow: entry.flow, number: number), default: []]
                .append(Line(at: at, kind: entry.kind.rawValue, step: entry.step, detail: entry.detail))
        }
        let ordered = visits.sorted { ($0.enteredAt, $0.key) < ($1.enteredAt, $1.key) }
        return Journey(contact: contact, visits: ordered.map { visit in
            let states = core.definitions[visit.key.flow]?.states ?? []
            return VisitJourney(campaign: visit.key.flow.campaign, version: visit.key.flow.version, number: visit.key.number,
                                active: visit.isActive,
                                step: visit.isActive && states.indices.contains(visit.state) ? states[visit.state].id : nil,
                                outcome: visit.outcome?.rawValue, timeline: lines[visit.key] ?? [])
        }, not_entered: refusals)
    }
}
