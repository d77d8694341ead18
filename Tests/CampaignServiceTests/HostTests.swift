import CampaignExamples
import CampaignFlows
import CampaignService
import Foundation
import HTTPTypes
import Testing

/// A host package's way in: flows compiled by the build plugin and the schema of its workspace file.
@Suite struct HostTests {
    @Test func servesCompiledFlows() async throws {
        let folder = try ServiceHarness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let schema = try WorkspaceSchema.load(workspaceFile: ServiceHarness.repository.appendingPathComponent("campaigns/workspace.yaml").path)
        #expect(schema.fields["orders"]?.type == .int)
        #expect(schema.events["purchase"]?["total"] == .decimal)
        let service = try await CampaignService(
            flows: CompiledCampaigns.all, schema: schema,
            options: ServiceOptions(listen: ListenAddress(host: "127.0.0.1", port: 0),
                                    database: .sqlite(path: folder.appendingPathComponent("host.sqlite").path), clock: .virtual))
        #expect(service.versionCount == 17)
        try await service.application().test(.live) { client in
            let client = ServiceClient(client: client, token: nil)
            #expect(try await client.put("/v1/contacts/c1", #"{"email": "c1@example.com", "orders": "two"}"#).pointers == ["/orders"])
            #expect(try await client.put("/v1/contacts/c1", #"{"email": "c1@example.com"}"#).status == .created)
            #expect(try await client.post("/v1/events", #"{"id": "p1", "contact": "c1", "event": "purchase", "payload": {"total": 12.5, "currency": "EUR"}}"#).status == .accepted)
            try await client.processAccepted()
            let report = try await client.get("/v1/campaigns/post-purchase-multilingual/versions/2/report")
            #expect((report.json["arrivals_per_step"] as? [String: Int] ?? [:]).isEmpty == false)
        }
    }

    @Test func aBrokenWorkspaceFileIsAStartupError() throws {
        let folder = try ServiceHarness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("workspace.yaml")
        try "contact:\n  fields:\n    id: { type: strin }\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: StartupError.self) { try WorkspaceSchema.load(workspaceFile: file.path) }
    }
}
