import CampaignCompiler
import CampaignFlows
import CampaignRuntime
import Foundation
import Hummingbird

/// `POST /v1/events`: one event or `{ "events": [...] }`, every one checked before any is stored.
enum EventRoutes {
    /// The most events one request may carry.
    static let batchLimit = 1_000

    static func add(to table: inout RouteTable, _ core: ServiceCore) {
        table.add(.post, "/v1/events", scope: .events) { request, _ in
            let body = try await RequestReading.object(of: request)
            let (events, pointers) = try await check(body, core)
            do {
                try await core.intake.submit(events)
            } catch StoreError.unknownContacts(let contacts) {
                let unknown = Set(contacts)
                throw Problem.invalidInput(zip(events, pointers).filter { unknown.contains($0.0.contact) }.map {
                    .init(pointer: JSONPointer.appending("contact", to: $0.1), detail: unknownContact($0.0.contact))
                })
            }
            // `{"accepted":N}`, written without an encoder: every accepted request answers it.
            return Response(status: .accepted, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: "{\"accepted\":\(events.count)}")))
        }
    }

    /// The request's events, checked against the workspace, with the pointer of each: an unknown event, a
    /// payload of the wrong types or an `at` in the future is a 400 naming each problem (and then unknown
    /// contacts too); one id given twice with different contents is a 409. Whether the contacts exist is
    /// checked again by the store's commit, in its transaction, so a request without other problems does
    /// not read the contacts first.
    static func check(_ body: [String: JSONValue], _ core: ServiceCore) async throws -> (events: [SubmittedEvent], pointers: [String]) {
        var problems = InputProblems()
        let items: [(JSONValue, String)]
        if let batch = body["events"] {
            problems.rejectUnknown(in: body, known: ["events"])
            guard case .array(let list) = batch else {
                throw Problem.invalidInput([.init(pointer: "/events", detail: "must be an array of events, found \(batch.kindDescription)")])
            }
            guard (1...batchLimit).contains(list.count) else {
                throw Problem.invalidInput([.init(pointer: "/events", detail: "must hold from 1 to \(batchLimit) events, found \(list.count)")])
            }
            items = list.enumerated().map { ($1, JSONPointer.appending($0, to: "/events")) }
        } else {
            items = [(.object(body), "")]
        }
        let now = core.now
        var events: [SubmittedEvent] = [], pointers: [String] = [], contactPointers: [(String, String)] = []
        for (item, pointer) in items {
            guard case .object(let object) = item else {
                problems.add(pointer, "must be an event object, found \(item.kindDescription)")
                continue
            }
            problems.rejectUnknown(in: object, known: ["id", "contact", "event", "at", "payload"], at: pointer)
            let id = problems.requiredString("id", in: object, at: pointer)
            let contact = problems.requiredString("contact", in: object, at: pointer)
            let name = problems.requiredString("event", in: object, at: pointer)
            var at = now
            if let text = problems.optionalString("at", in: object, at: pointer) {
                if let instant = InstantText.parse(text) {
                    if instant > now {
                        problems.add(JSONPointer.appending("at", to: pointer), "is in the future (now is \(InstantText.format(now)))")
                    }
                    at = instant
                } else {
                    problems.add(JSONPointer.appending("at", to: pointer), "must be a date-time with an offset (as 2026-03-02T12:00:00Z), found '\(text)'")
                }
            }
            if let contact { contactPointers.append((contact, pointer)) }
            var payload: [String: Value] = [:]
            if let name {
                if let fields = core.schema.events[name] {
                    payload = checkedPayload(object["payload"], fields: fields, event: name, at: JSONPointer.appending("payload", to: pointer), &problems)
                } else {
                    problems.add(JSONPointer.appending("event", to: pointer), "'\(name)' is not an event of the workspace")
                }
            }
            if let id, let contact, let name {
                events.append(SubmittedEvent(id: id, contact: contact, event: name, at: at, payload: payload))
                pointers.append(pointer)
            }
        }
        if !problems.isEmpty {
            // The request is refused anyway: name its unknown contacts with the rest.
            var exists: [String: Bool] = [:]
            for (contact, pointer) in contactPointers {
                if exists[contact] == nil { exists[contact] = try await core.store.contact(contact) != nil }
                if exists[contact] == false { problems.add(JSONPointer.appending("contact", to: pointer), unknownContact(contact)) }
            }
        }
        try problems.check()
        var byID: [String: SubmittedEvent] = [:]
        for event in events {
            if let earlier = byID[event.id], earlier != event {
                throw Problem.conflict("event id '\(event.id)' is given twice in the request with different contents")
            }
            byID[event.id] = event
        }
        return (events, pointers)
    }

    /// The problem of an event about a contact the store does not have.
    static func unknownContact(_ contact: String) -> String {
        "no contact '\(contact)'; create it with PUT /v1/contacts/\(contact) first"
    }

    /// An event's payload typed by the workspace's declaration of the event.
    static func checkedPayload(_ json: JSONValue?, fields: [String: ValueType], event: String, at pointer: String,
                               _ problems: inout InputProblems) -> [String: Value] {
        guard let json, json != .null else { return [:] }
        guard case .object(let members) = json else {
            problems.add(pointer, "must be an object, found \(json.kindDescription)")
            return [:]
        }
        var payload: [String: Value] = [:]
        for (name, value) in members {
            let fieldPointer = JSONPointer.appending(name, to: pointer)
            guard let type = fields[name] else {
                let declared = fields.keys.sorted()
                problems.add(fieldPointer, "is not a field of event '\(event)'"
                             + (declared.isEmpty ? " (it has none)" : " (\(declared.joined(separator: ", ")))"))
                continue
            }
            if let checked = WorkspaceSchema.value(value, as: type, at: fieldPointer, &problems) { payload[name] = checked }
        }
        return payload
    }
}
