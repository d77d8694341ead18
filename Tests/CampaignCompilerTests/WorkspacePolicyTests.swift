import CampaignFlows
import Foundation
import Testing
@testable import CampaignCompiler

/// The workspace's v1.2 additions read into the model and carried to the runtime's ``WorkspaceSchema``:
/// frequency caps, quiet hours and typed destinations. Their diagnostics are in the golden fixtures
/// (`w/workspace.yaml` of bad-window, bad-duration, unknown-key and wrong-type).
@Suite struct WorkspacePolicyTests {
    @Test func theFixturesPoliciesAndDestinationsAreRead() throws {
        let workspace = Checker.check(workspace: Fixtures.workspace, files: []).workspace
        #expect(workspace.frequencyCaps.map(\.value) == [FrequencyCap(channel: .email, max: 3, per: 7 * 86_400),
                                                         FrequencyCap(channel: .sms, max: 1, per: 86_400)])
        #expect(workspace.quietHours == QuietHours(from: 21 * 60, to: 8 * 60, channels: [.sms, .push]))
        #expect(workspace.destinations["crm-hook"]?.kind == .webhook)
        #expect(workspace.destinations["sftp-main"]?.kind == .sftp)
        #expect(workspace.messages["receipt"]?.isTransactional == true)

        let schema = workspace.schema
        #expect(schema.policies == ContactPressurePolicy(frequencyCaps: workspace.frequencyCaps.map(\.value),
                                                         quietHours: workspace.quietHours))
        let stored = try JSONEncoder().encode(schema)
        #expect(try JSONDecoder().decode(WorkspaceSchema.self, from: stored) == schema)
    }

    @Test func aWorkspaceWithoutPoliciesKeepsItsStoredFormAndTheV1ListOfDestinations() throws {
        let v1 = InputFile(path: "workspace.yaml", bytes: Array("""
            contact:
              fields:
                id: { type: string, key: true }
            destinations: [sftp-main]
            """.utf8))
        let workspace = Checker.check(workspace: v1, files: []).workspace
        let destination = try #require(workspace.destinations["sftp-main"])
        #expect(destination.kind == nil)
        #expect(workspace.schema.policies == nil)
        let stored = String(decoding: try JSONEncoder().encode(workspace.schema), as: UTF8.self)
        #expect(!stored.contains("policies"), "a schema stored before v1.2 and one without policies read the same")
        #expect(try JSONDecoder().decode(WorkspaceSchema.self, from: Data(stored.utf8)) == workspace.schema)
    }

    @Test func destinationsThatAreNeitherAListNorAMappingAreLocated() {
        let broken = InputFile(path: "workspace.yaml", bytes: Array("destinations: sftp-main\n".utf8))
        let diagnostics = Checker.check(workspace: broken, files: []).diagnostics
        #expect(Fixtures.golden(diagnostics) == """
            workspace.yaml:1:15: error: 'destinations' must be a list of names or a mapping of names to kinds, found a scalar [wrong-type]

            """)
    }
}
