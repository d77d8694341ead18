import CampaignService
import Foundation
import Testing

/// `openapi/campaignd.json` describes every route the service registers, and only those plus the routes
/// others are building.
@Suite struct OpenAPITests {
    /// Routes SERVICE.md names that this library does not register yet (erasure, journeys, provider
    /// webhooks, deployments, outbox retries): described, built elsewhere.
    static let describedElsewhere: Set<String> = []

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
        #expect(Set(operations.keys).subtracting(registered) == Self.describedElsewhere, "described but not registered")
        for route in service.routes {
            let operation = operations[route.description] ?? [:]
            // Provider webhooks need the provider's signature, not a token.
            let scope = route.path.hasPrefix("/v1/webhooks/") ? "signature" : route.scope?.rawValue ?? "none"
            #expect(operation["x-campaignd-scope"] as? String == scope, "\(route)")
            let responses = operation["responses"] as? [String: Any] ?? [:]
            #expect(responses["500"] != nil, "\(route) describes its problem answers")
        }
    }
}
