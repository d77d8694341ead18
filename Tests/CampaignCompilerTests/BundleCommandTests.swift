import CampaignFlows
import Foundation
import Testing
@testable import CampaignCompiler

/// `campaignc bundle`, and what `plan` and `deploy` do when the server cannot take the bundle.
@Suite struct BundleCommandTests {
    private func temporaryFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("campaignc-bundle-\(UUID().uuidString).json")
    }

    @Test func theBundleHoldsTheSchemaAndEveryVersionAndIsTheSameBytesEachTime() throws {
        let first = temporaryFile(), second = temporaryFile()
        defer { try? FileManager.default.removeItem(at: first); try? FileManager.default.removeItem(at: second) }
        #expect(try CampaigncProcess.run(["bundle", "campaigns", "-o", first.path]).status == 0)
        let campaigns = Fixtures.repository.appendingPathComponent("campaigns").path
        #expect(try CampaigncProcess.run(["bundle", campaigns, "-o", second.path], in: URL(fileURLWithPath: "/")).status == 0)
        let data = try Data(contentsOf: first)
        #expect(data == (try Data(contentsOf: second)))
        let bundle = try JSONDecoder().decode(DeploymentBundle.self, from: data)
        #expect(bundle.format == DeploymentBundle.currentFormat)
        #expect(bundle.campaigns.map { "\($0.campaign) v\($0.version)" }.contains("abandoned-cart v2"))
        #expect(bundle.campaigns.map(\.source).contains("abandoned-cart/v2.yaml"))
        #expect(bundle.workspace.fields["email"]?.type == .string)
        #expect(bundle.workspace.events["cart_abandoned"]?["total"] == .decimal)
        #expect(bundle.workspace.events["link_clicked"]?["link"] == .string, "built-in events are in the schema")
    }

    @Test func noBundleIsWrittenWhileCheckReportsErrors() throws {
        let file = temporaryFile()
        let result = try CampaigncProcess.run(["bundle", "err/zero-time-cycle", "--workspace", "workspace.yaml", "-o", file.path],
                                              in: Fixtures.root)
        #expect(result.status == 1)
        #expect(result.stderr.contains("[zero-time-cycle]"))
        #expect(!FileManager.default.fileExists(atPath: file.path))
    }

    @Test func planExitsTwoWhenTheServerCannotBeReached() throws {
        // Port 9 (discard) on loopback: nothing listens there on a test machine.
        let result = try CampaigncProcess.run(["plan", "campaigns", "--server", "http://127.0.0.1:9"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("cannot reach http://127.0.0.1:9"))
        let invalid = try CampaigncProcess.run(["deploy", "campaigns", "--server", "ftp://example.com"])
        #expect(invalid.status == 2)
        #expect(invalid.stderr.contains("--server must be an http:// or https:// URL"))
    }

    @Test func thePlanIsSnakeCaseJSON() throws {
        let plan = DeploymentPlan(
            versionsAdded: [.init(campaign: "abandoned-cart", version: 3, status: .published, source: "abandoned-cart/v3.yaml")],
            statusChanges: [.init(campaign: "abandoned-cart", version: 2, from: .published, to: .draining, contactsInFlight: 1_204)],
            unchanged: 12, applied: false)
        let encoded = String(decoding: try JSONEncoder().encode(plan), as: UTF8.self)
        #expect(encoded.contains("\"contacts_in_flight\":1204"))
        #expect(encoded.contains("\"versions_added\""))
        #expect(try JSONDecoder().decode(DeploymentPlan.self, from: Data(encoded.utf8)) == plan)
    }
}
