import CampaignFlows
import CampaignRuntime
import CampaignService
import Foundation
import Testing

/// `openapi/campaignd.json` describes every route the service registers, and only those plus the routes
/// others are building.
@Suite struct OpenAPITests {

    static func documentedOperations(_ data: Data) throws -> [String: [String: Any]] {
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var operations: [String: [String: Any]] = [:]
        for (path, methods) in paths {
            for (method, operation) in methods {
                operations["\(method.uppercased()) \(path)"] = operation as? [String: Any]
            }
        }
        return operations
    }

    @Test func everyRouteIsDescribedAndViceVersa() async throws {
        try await ServiceHarness.withService { client in
            let served = try await client.get("/openapi.json")
            #expect(served.status == .ok)
            let repositoryCopy = try Data(contentsOf: ServiceHarness.repository.appendingPathComponent("openapi/campaignd.json"))
            #expect(Data(served.text.utf8) == repositoryCopy)
        }
        let folder = try ServiceHarness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let service = try await CampaignService.load(
            campaignsFolder: ServiceHarness.campaigns,
            options: ServiceOptions(listen: ListenAddress(host: "127.0.0.1", port: 0),
                                    database: .sqlite(path: folder.appendingPathComponent("s.sqlite").path), clock: .virtual))
        let operations = try Self.documentedOperations(Data(try OpenAPIDocument.bytes()))
        let registered = Set(service.routes.map(\.description))
        #expect(registered.subtracting(operations.keys).isEmpty, "registered but not described")
        #expect(Set(operations.keys).subtracting(registered).isEmpty, "described but not registered")
        for route in service.routes {
            let operation = operations[route.description] ?? [:]
            // Provider webhooks need the provider's signature, not a token.
            let scope = route.path.hasPrefix("/v1/webhooks/") ? "signature" : route.scope?.rawValue ?? "none"
            #expect(operation["x-campaignd-scope"] as? String == scope, "\(route)")
            let responses = operation["responses"] as? [String: Any] ?? [:]
            #expect(responses["500"] != nil, "\(route) describes its problem answers")
        }
    }

    /// The places where `value` departs from `schema`, a schema of the description, by JSON pointer. It reads
    /// the keywords the description's answers use: `$ref` (to `#/components/...`), `allOf`, `type`, `enum`,
    /// `const`, `properties`, `required`, `additionalProperties` and `items`. (scripts/fuzz-api checks every
    /// answer with schemathesis's full JSON Schema validation; this keeps the shapes honest in `swift test`.)
    static func departures(of value: JSONValue, from schema: JSONValue, in document: JSONValue, at pointer: String = "") -> [String] {
        guard case .object(let keywords) = schema else { return [] }
        var found: [String] = []
        if case .string(let reference)? = keywords["$ref"] {
            var target = document
            for token in reference.dropFirst(2).split(separator: "/") {
                guard case .object(let members) = target, let next = members[String(token)] else { return ["\(pointer): unresolved \(reference)"] }
                target = next
            }
            found += departures(of: value, from: target, in: document, at: pointer)
        }
        if case .array(let parts)? = keywords["allOf"] {
            for part in parts { found += departures(of: value, from: part, in: document, at: pointer) }
        }
        let types: [String] = switch keywords["type"] {
        case .string(let name)?: [name]
        case .array(let names)?: names.compactMap { (item: JSONValue) -> String? in if case .string(let name) = item { name } else { nil } }
        default: []
        }
        let kind: String = switch value {
        case .null: "null"
        case .bool: "boolean"
        case .integer: "integer"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
        if !types.isEmpty, !types.contains(kind), !(kind == "integer" && types.contains("number")) {
            found.append("\(pointer): \(kind), described as \(types.joined(separator: " or "))")
        }
        if case .array(let allowed)? = keywords["enum"], !allowed.contains(value) { found.append("\(pointer): not one of the enum") }
        if let constant = keywords["const"], constant != value { found.append("\(pointer): not the const") }
        if case .object(let members) = value {
            let properties: [String: JSONValue] = if case .object(let described)? = keywords["properties"] { described } else { [:] }
            if case .array(let required)? = keywords["required"] {
                for case .string(let name) in required where members[name] == nil { found.append("\(pointer)/\(name): missing") }
            }
            for (name, member) in members {
                if let property = properties[name] {
                    found += departures(of: member, from: property, in: document, at: "\(pointer)/\(name)")
                } else if keywords["additionalProperties"] == .bool(false) {
                    found.append("\(pointer)/\(name): not described")
                } else if let additional = keywords["additionalProperties"] {
                    found += departures(of: member, from: additional, in: document, at: "\(pointer)/\(name)")
                }
            }
        }
        if case .array(let items) = value, let item = keywords["items"] {
            for (index, element) in items.enumerated() { found += departures(of: element, from: item, in: document, at: "\(pointer)/\(index)") }
        }
        return found
    }

    /// The departures of an answer's JSON from the schema the description gives it (a component's name).
    static func departures(of answer: Answer, from component: String, in document: JSONValue) throws -> [String] {
        let value = try JSONValue(parsing: Array(answer.text.utf8))
        return departures(of: value, from: .object(["$ref": .string("#/components/schemas/\(component)")]), in: document)
    }

    @Test func answersHaveTheirDescribedShapes() async throws {
        let document = try JSONValue(parsing: try OpenAPIDocument.bytes())
        try await ServiceHarness.withService { client in
            #expect(try await client.put("/v1/contacts/c1", #"{"email": "c1@example.com", "gender": "female", "tags": ["a"]}"#).status == .created)
            #expect(try await client.post("/v1/events", """
                {"events": [{"id": "a", "contact": "c1", "event": "signup", "payload": {"source": "web"}},
                            {"id": "b", "contact": "c1", "event": "cart_abandoned", "payload": {"cart_id": "k", "total": 30}}]}
                """).status == .accepted)
            try await client.processAccepted()
            let journey = try await client.get("/v1/contacts/c1/journey")
            #expect(journey.status == .ok)
            #expect(try Self.departures(of: journey, from: "Journey", in: document) == [])
            let visits = journey.json["visits"] as? [[String: Any]] ?? []
            #expect(!visits.isEmpty)
            // `step` and `outcome` are always there, null when unknown, as SERVICE.md writes the journey.
            #expect(visits.allSatisfy { $0.keys.contains("step") && $0.keys.contains("outcome") })
            #expect(visits.flatMap { $0["timeline"] as? [[String: Any]] ?? [] }.allSatisfy { $0.keys.contains("step") })

            let contact = try await client.get("/v1/contacts/c1")
            #expect(try Self.departures(of: contact, from: "ContactWithVisits", in: document) == [])
            #expect(!(contact.json["visits"] as? [Any] ?? []).isEmpty)
            let patched = try await client.patch("/v1/contacts/c1", #"{"orders": 2}"#)
            #expect(try Self.departures(of: patched, from: "Contact", in: document) == [])
            let campaigns = try await client.get("/v1/campaigns")
            #expect(try Self.departures(of: campaigns, from: "CampaignList", in: document) == [])
            let report = try await client.get("/v1/campaigns/abandoned-cart/versions/v2/report")
            #expect(try Self.departures(of: report, from: "Report", in: document) == [])
            #expect(try Self.departures(of: try await client.get("/v1/clock"), from: "Clock", in: document) == [])
            // An instant whose UTC form has no four-digit year could not be answered as a date-time: refused
            // (everywhere the service reads instants: fields, an event's `at`, the clock's `now`).
            for instant in ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"] {
                let beyond = try await client.patch("/v1/contacts/c1", #"{"created_at": "\#(instant)"}"#)
                #expect(beyond.status == .badRequest)
                #expect(beyond.pointers == ["/created_at"])
            }
            let invalid = try await client.post("/v1/events", #"{"id": "c", "contact": "nobody", "event": "signup"}"#)
            #expect(try Self.departures(of: invalid, from: "Problem", in: document) == [])
            let notDead = try await client.post("/v1/outbox/c1%2Fabandoned-cart%2Fv2%2Freminder%2F1/retry", "")
            #expect(notDead.status == .notFound)
            #expect(try Self.departures(of: notDead, from: "Problem", in: document) == [])

            // Erasure: 204 with no body, then the contact is unknown.
            let erased = try await client.request(.delete, "/v1/contacts/c1")
            #expect(erased.status == .noContent)
            #expect(erased.text.isEmpty)
            #expect(try await client.get("/v1/contacts/c1").status == .notFound)
            #expect(try await client.request(.delete, "/v1/contacts/c1").status == .notFound)
        }
    }

    @Test func theOpenAPIDescriptionIsCheckedAgainstItsSchemas() throws {
        let document = try JSONValue(parsing: try OpenAPIDocument.bytes())
        // The checker itself departs where it should: a member the journey does not describe, a missing one,
        // a wrong type.
        let journey: JSONValue = .object(["contact": .string("c1"), "visits": .array([]), "not_entered": .array([]), "extra": .null])
        #expect(Self.departures(of: journey, from: .object(["$ref": .string("#/components/schemas/Journey")]), in: document) == ["/extra: not described"])
        let wrong: JSONValue = .object(["contact": .integer(1), "visits": .array([])])
        #expect(Set(Self.departures(of: wrong, from: .object(["$ref": .string("#/components/schemas/Journey")]), in: document))
                == ["/contact: integer, described as string", "/not_entered: missing"])
    }

    /// A journey's line may be of every kind the journal writes, and of no other.
    @Test func journeyLinesAreDescribedWithEveryKindOfTheJournal() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(try OpenAPIDocument.bytes())) as? [String: Any])
        let schemas = (document["components"] as? [String: Any])?["schemas"] as? [String: Any]
        let line = (schemas?["TimelineLine"] as? [String: Any])?["properties"] as? [String: Any]
        let kind = try #require(line?["kind"] as? [String: Any])
        #expect(kind["enum"] as? [String] == JournalEntry.Kind.allCases.map(\.rawValue))
    }
}
