import CampaignCompiler
import CampaignFlows
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
@testable import CampaignService

/// `POST /v1/deployments`: plans, atomic application, refusals, and deployed versions surviving a restart.
@Suite struct DeploymentTests {
    /// The bundle of a campaigns folder, as `campaignc bundle` writes it.
    static func bundle(of folder: String) throws -> String {
        let result = try CampaignsFolder.check(paths: [folder], workspace: nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(DeploymentBundle(result)), as: UTF8.self)
    }

    /// A copy of the bundled campaigns with abandoned-cart v3 (v2's steps, published) and v2 draining.
    static func campaignsWithAVersionThree(_ root: URL, v3Total: Int = 20) throws -> String {
        let copy = root.appendingPathComponent("campaigns")
        try FileManager.default.copyItem(atPath: ServiceHarness.campaigns, toPath: copy.path)
        let v2 = copy.appendingPathComponent("abandoned-cart/v2.yaml")
        let text = try String(contentsOf: v2, encoding: .utf8)
        let v3 = text.replacingOccurrences(of: "version: 2", with: "version: 3")
            .replacingOccurrences(of: "event.total >= 20", with: "event.total >= \(v3Total)")
        #expect(v3 != text)
        try v3.write(to: copy.appendingPathComponent("abandoned-cart/v3.yaml"), atomically: true, encoding: .utf8)
        try text.replacingOccurrences(of: "status: published", with: "status: draining").write(to: v2, atomically: true, encoding: .utf8)
        return copy.path
    }

    static func service(database: URL) async throws -> CampaignService {
        var logger = Logger(label: "campaignd-test")
        logger.logLevel = .warning
        return try await CampaignService.load(
            campaignsFolder: ServiceHarness.campaigns,
            options: ServiceOptions(listen: ListenAddress(host: "127.0.0.1", port: 0), database: .sqlite(path: database.path),
                                    clock: .virtual, logger: logger))
    }

    @Test func aDeploymentIsPlannedThenAppliedAtomicallyAndSurvivesARestart() async throws {
        let folder = try ServiceHarness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("state.sqlite")
        let same = try Self.bundle(of: ServiceHarness.campaigns)
        let next = try Self.bundle(of: try Self.campaignsWithAVersionThree(folder))
        let service = try await Self.service(database: database)
        try await service.application().test(.live) { client in
            let client = ServiceClient(client: client, token: nil)
            let unchanged = try await client.post("/v1/deployments?dry_run=true", same)
            #expect(unchanged.status == .ok)
            #expect(unchanged.json["unchanged"] as? Int == 17)
            #expect((unchanged.json["versions_added"] as? [Any])?.isEmpty == true)

            // A contact waits in v2.
            #expect(try await client.put("/v1/contacts/c1", #"{"email": "c1@example.com"}"#).status == .created)
            #expect(try await client.post("/v1/events", #"{"id": "e1", "contact": "c1", "event": "cart_abandoned", "payload": {"cart_id": "k", "total": 30}}"#).status == .accepted)
            try await client.processAccepted()

            let plan = try await client.post("/v1/deployments?dry_run=true", next)
            #expect(plan.status == .ok)
            #expect(plan.json["applied"] as? Bool == false)
            let added = plan.json["versions_added"] as? [[String: Any]] ?? []
            #expect(added.map { "\($0["campaign"] ?? "") v\($0["version"] ?? "")" } == ["abandoned-cart v3"])
            #expect(added.first?["source"] as? String == "abandoned-cart/v3.yaml")
            let changes = plan.json["status_changes"] as? [[String: Any]] ?? []
            #expect(changes.count == 1)
            #expect(changes.first?["from"] as? String == "published" && changes.first?["to"] as? String == "draining")
            #expect(changes.first?["contacts_in_flight"] as? Int == 1)
            let campaigns = try await client.get("/v1/campaigns")
            #expect((campaigns.json["campaigns"] as? [Any])?.count == 17, "a dry run changes nothing")

            let applied = try await client.post("/v1/deployments", next)
            #expect(applied.status == .ok)
            #expect(applied.json["applied"] as? Bool == true)
            let after = try await client.get("/v1/campaigns")
            let versions = (after.json["campaigns"] as? [[String: Any]] ?? []).filter { $0["campaign"] as? String == "abandoned-cart" }
            #expect(versions.map { "v\($0["version"] ?? "") \($0["status"] ?? "")" } == ["v1 stopped", "v2 draining", "v3 published"]
                    || versions.map { "v\($0["version"] ?? "") \($0["status"] ?? "")" }.suffix(2) == ["v2 draining", "v3 published"])

            // New carts enter v3; the contact in v2 stays there.
            #expect(try await client.put("/v1/contacts/c2", #"{"email": "c2@example.com"}"#).status == .created)
            #expect(try await client.post("/v1/events", #"{"id": "e2", "contact": "c2", "event": "cart_abandoned", "payload": {"cart_id": "k", "total": 30}}"#).status == .accepted)
            try await client.processAccepted()
            let v3 = try await client.get("/v1/campaigns/abandoned-cart/versions/3/report")
            #expect(v3.json["contacts_per_step"] as? [String: Int] == ["wait_2h": 1])
            let v2 = try await client.get("/v1/campaigns/abandoned-cart/versions/2/report")
            #expect(v2.json["contacts_per_step"] as? [String: Int] == ["wait_2h": 1])

            // The same bundle again changes nothing.
            let again = try await client.post("/v1/deployments", next)
            #expect(again.status == .ok)
            #expect((again.json["versions_added"] as? [Any])?.isEmpty == true && (again.json["status_changes"] as? [Any])?.isEmpty == true)
        }
        // A restart on the same database runs v3 again, though the folder has no v3.
        let restarted = try await Self.service(database: database)
        #expect(restarted.versionCount == 18)
        try await restarted.application().test(.live) { client in
            let client = ServiceClient(client: client, token: nil)
            let report = try await client.get("/v1/campaigns/abandoned-cart/versions/3/report")
            #expect(report.status == .ok)
            #expect(report.json["contacts_per_step"] as? [String: Int] == ["wait_2h": 1])
        }
    }

    @Test func aDeployedSchemaKeepsOlderFieldsAndTakesTheNewerPolicies() {
        let older = WorkspaceSchema(fields: ["score": .init(type: .int)], events: [:],
                                    policies: ContactPressurePolicy(frequencyCaps: [FrequencyCap(channel: .email, max: 3, per: 604_800)]))
        let newer = WorkspaceSchema(fields: ["phase": .init(type: .string)], events: [:],
                                    policies: ContactPressurePolicy(frequencyCaps: [FrequencyCap(channel: .sms, max: 1, per: 86_400)]))
        let merged = newer.merged(over: older)
        #expect(Set(merged.fields.keys) == ["score", "phase"])
        #expect(merged.policies == newer.policies)
        let withoutPolicies = WorkspaceSchema(fields: [:], events: [:])
        #expect(withoutPolicies.merged(over: older).policies == nil, "a workspace that drops its policies drops them")
    }

    @Test func deploymentsThatBreakARuleAreRefusedWhole() async throws {
        let folder = try ServiceHarness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try Self.bundle(of: try Self.campaignsWithAVersionThree(folder.appendingPathComponent("a"), v3Total: 20))
        let changed = try Self.bundle(of: try Self.campaignsWithAVersionThree(folder.appendingPathComponent("b"), v3Total: 50))
        // v3 published while v2 stays published: two published versions of abandoned-cart.
        let twoPublished = try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any] ?? [:]
        var campaigns = twoPublished["campaigns"] as? [[String: Any]] ?? []
        for index in campaigns.indices where campaigns[index]["campaign"] as? String == "abandoned-cart" && campaigns[index]["version"] as? Int == 2 {
            campaigns[index]["status"] = "published"
        }
        var edited = twoPublished
        edited["campaigns"] = campaigns
        let twoPublishedText = String(decoding: try JSONSerialization.data(withJSONObject: edited), as: UTF8.self)
        var future = twoPublished
        future["format"] = 99
        let futureText = String(decoding: try JSONSerialization.data(withJSONObject: future), as: UTF8.self)
        let service = try await Self.service(database: folder.appendingPathComponent("state.sqlite"))
        try await service.application().test(.live) { client in
            let client = ServiceClient(client: client, token: nil)
            let refused = try await client.post("/v1/deployments", twoPublishedText)
            #expect(refused.status == .conflict)
            #expect(refused.isProblem)
            #expect(refused.json["detail"] as? String ?? "" == "deployment refused: campaign 'abandoned-cart' would have v2 and v3 published; one published version per campaign")
            #expect((try await client.get("/v1/campaigns").json["campaigns"] as? [Any])?.count == 17, "nothing of a refused deployment is applied")

            #expect(try await client.post("/v1/deployments", first).status == .ok)
            let rewritten = try await client.post("/v1/deployments", changed)
            #expect(rewritten.status == .conflict)
            #expect((rewritten.json["detail"] as? String ?? "").contains("abandoned-cart v3 is already deployed with a different definition"))

            let garbage = try await client.post("/v1/deployments", #"{"format": 1}"#)
            #expect(garbage.status == .badRequest && garbage.isProblem)
            let unknownFormat = try await client.post("/v1/deployments", futureText)
            #expect(unknownFormat.status == .badRequest)
            #expect(unknownFormat.pointers == ["/format"])
        }
    }
}
