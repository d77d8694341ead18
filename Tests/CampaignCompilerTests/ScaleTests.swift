import Testing
import CampaignSynthesis
@testable import CampaignCompiler

/// The path rules on graphs whose paths cannot be enumerated: they must still be exact.
@Suite struct ScaleTests {
    private func check(_ text: String, id: String) -> [Diagnostic] {
        Checker.check(workspace: InputFile(path: "workspace.yaml", bytes: Array(SyntheticCampaigns.workspace.utf8)),
                      files: [InputFile(path: "\(id)/v1.yaml", bytes: Array(text.utf8))]).diagnostics
    }

    @Test func aChainOfTwentyDiamondsWithAWaitAfterTheSendIsClean() {
        let diagnostics = check(SyntheticCampaigns.diamondChain(id: "diamonds", diamonds: 20), id: "diamonds")
        #expect(diagnostics.isEmpty, "\(Fixtures.golden(diagnostics))")
    }

    @Test func theOneInstantPathThroughTwentyDiamondsIsFound() {
        let diagnostics = check(SyntheticCampaigns.diamondChain(id: "diamonds", diamonds: 20, waitFirst: false), id: "diamonds")
        #expect(diagnostics.map(\.rule) == [.postSendWithoutWait])
    }

    @Test func generatedCampaignsAreClean() {
        let typical = check(SyntheticCampaigns.typical(id: "typical"), id: "typical")
        #expect(typical.isEmpty, "\(Fixtures.golden(typical))")
        let long = check(SyntheticCampaigns.long(id: "long", steps: 10_000), id: "long")
        #expect(long.isEmpty, "\(Fixtures.golden(long))")
    }
}
