import CampaignFlows
import CampaignRuntime
import Foundation
import Hummingbird

/// `PUT`, `PATCH` and `GET /v1/contacts/{id}`: profiles checked against the workspace's contact fields.
enum ContactRoutes {
    static func add(to table: inout RouteTable, _ core: ServiceCore) {
        table.add(.put, "/v1/contacts/{id}", scope: .events) { request, context in
            let id = try contactID(context)
            let body = try await RequestReading.object(of: request)
            var problems = InputProblems()
            let fields = checkedFields(body, id: id, core.schema, allowsMemberships: true, &problems)
            let groups = memberships("groups", body, allowed: Set(core.schema.groups), &problems)
            let personas = memberships("personas", body, allowed: Set(core.schema.personas), &problems)
            try problems.check()
            let existing = try await core.store.contact(id)
            // A profile is replaced; what the service learnt of the contact (consent, history, archiving) stays.
            var contact = existing ?? ContactProfile(id: id)
            contact.fields = fields
            if core.schema.fields["id"] != nil { contact.fields["id"] = .string(id) }
            contact.groups = groups ?? []
            contact.personas = personas ?? []
            try await core.metrics.unit(.contact) { try await core.engine.upsertContact(contact) }
            return try JSONResponse.make(ContactView(contact, core), status: existing == nil ? .created : .ok)
        }
        table.add(.patch, "/v1/contacts/{id}", scope: .events) { request, context in
            let id = try contactID(context)
            let body = try await RequestReading.object(of: request)
            var problems = InputProblems()
            let fields = checkedFields(body, id: id, core.schema, allowsMemberships: false, &problems)
            try problems.check()
            guard try await core.store.contact(id) != nil else { throw Problem.notFound("no contact '\(id)'") }
            if !fields.isEmpty {
                try await core.metrics.unit(.contact) { try await core.engine.updateContact(id, fields: fields) }
            }
            guard let contact = try await core.store.contact(id) else { throw Problem.notFound("no contact '\(id)'") }
            return try JSONResponse.make(ContactView(contact, core))
        }
        table.add(.get, "/v1/contacts/{id}", scope: .events) { _, context in
            let id = try contactID(context)
            guard let contact = try await core.store.contact(id) else { throw Problem.notFound("no contact '\(id)'") }
            var view = ContactView(contact, core)
            view.visits = try await core.store.visits(of: id).filter(\.isActive).map { VisitView($0, core) }
            return try JSONResponse.make(view)
        }
    }

    /// The path's contact id, percent-decoded (the router hands path segments over as sent).
    static func contactID(_ context: BasicRequestContext) throws -> String {
        guard let raw = context.parameters.get("id"), let id = raw.removingPercentEncoding, !id.isEmpty else {
            throw Problem.notFound("no contact id in the path")
        }
        return id
    }

    /// The workspace fields of a contact body, typed; every other member (but `id` equal to the path's, and
    /// `groups` and `personas` where `allowsMemberships`) is recorded as a problem.
    static func checkedFields(_ body: [String: JSONValue], id: String, _ schema: WorkspaceSchema, allowsMemberships: Bool,
                              _ problems: inout InputProblems) -> [String: Value] {
        var fields: [String: Value] = [:]
        for (name, json) in body {
            let pointer = JSONPointer.appending(name, to: "")
            if name == "id" {
                if json != .string(id) { problems.add(pointer, "must equal the id in the path, '\(id)'") }
                continue
            }
            if WorkspaceSchema.membershipMembers.contains(name) {
                if !allowsMemberships { problems.add(pointer, "is set with PUT, which replaces the profile") }
                continue
            }
            guard let field = schema.fields[name] else {
                problems.add(pointer, "is not a contact field of the workspace")
                continue
            }
            if let value = WorkspaceSchema.value(json, as: field.type, allowed: field.allowedValues, at: pointer, &problems) {
                fields[name] = value
            }
        }
        return fields
    }

    /// `groups` or `personas` of a contact body: names the workspace declares.
    static func memberships(_ member: String, _ body: [String: JSONValue], allowed: Set<String>,
                            _ problems: inout InputProblems) -> Set<String>? {
        guard let json = body[member], json != .null else { return nil }
        let pointer = JSONPointer.appending(member, to: "")
        guard case .array(let items) = json else {
            problems.add(pointer, "must be an array of names, found \(json.kindDescription)")
            return nil
        }
        var names = Set<String>()
        for (index, item) in items.enumerated() {
            guard case .string(let name) = item, allowed.contains(name) else {
                problems.add(JSONPointer.appending(index, to: pointer),
                             "must be one of the workspace's \(member) (\(allowed.sorted().joined(separator: ", ")))")
                continue
            }
            names.insert(name)
        }
        return names
    }
}

/// A contact as `GET /v1/contacts/{id}` shows it.
struct ContactView: Encodable {
    struct ConsentView: Encodable {
        var unsubscribed: [String]
        var hard_bounced: [String]
        var archived: Bool
    }

    var id: String
    var fields: [String: JSONValue]
    var groups: [String]
    var personas: [String]
    var consent: ConsentView
    /// Active visits; only `GET` reads them.
    var visits: [VisitView]?

    init(_ contact: ContactProfile, _ core: ServiceCore) {
        id = contact.id
        fields = Dictionary(uniqueKeysWithValues: contact.fields.map { name, value in
            (name, WorkspaceSchema.json(value, as: core.schema.fields[name]?.type))
        })
        groups = contact.groups.sorted()
        personas = contact.personas.sorted()
        consent = ConsentView(unsubscribed: contact.consent.unsubscribed.sorted(), hard_bounced: contact.consent.hardBounced.sorted(),
                              archived: contact.archived)
    }
}

/// An active visit: where it stands and what it waits for.
struct VisitView: Encodable {
    var campaign: String
    var version: Int
    var number: Int
    var step: String?
    var entered_at: String
    /// `waiting`, `waiting_for`, `awaiting_approval`, `scheduled_send`, `awaiting_winner`, `awaiting_duplicates` or
    /// `running`.
    var phase: String
    /// When a wait or a scheduled send ends, or a `wait_for` times out.
    var until: String?

    init(_ visit: Visit, _ core: ServiceCore) {
        campaign = visit.key.flow.campaign
        version = visit.key.flow.version
        number = visit.key.number
        let states = core.definitions[visit.key.flow]?.states ?? []
        step = states.indices.contains(visit.state) ? states[visit.state].id : nil
        entered_at = InstantText.format(visit.enteredAt)
        switch visit.phase {
        case .running: phase = "running"
        case .waiting(let instant, _):
            phase = "waiting"
            until = InstantText.format(instant)
        case .waitingFor(let instant, _, _):
            phase = "waiting_for"
            until = InstantText.format(instant)
        case .awaitingApproval: phase = "awaiting_approval"
        case .scheduledSend(let instant):
            phase = "scheduled_send"
            until = InstantText.format(instant)
        case .awaitingWinner: phase = "awaiting_winner"
        case .awaitingDuplicates: phase = "awaiting_duplicates"
        case .ended(let outcome): phase = "ended:\(outcome)"
        }
    }
}
