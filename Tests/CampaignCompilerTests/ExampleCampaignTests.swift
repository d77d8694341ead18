import Foundation
import Testing
import CampaignFlows
@testable import CampaignCompiler

/// The bundled campaigns are the product's showcase: they check clean and, together, use every step kind,
/// trigger kind and function of the language.
@Suite struct ExampleCampaignTests {
    static let result: CheckResult = {
        let folder = Fixtures.repository.appendingPathComponent("campaigns")
        // Paths as `campaignc compile campaigns` sees them from the repository root.
        let files = Fixtures.inputFiles(in: folder).map { InputFile(path: "campaigns/" + $0.path, bytes: $0.bytes) }
        let workspace = files.first { $0.path == "campaigns/workspace.yaml" }!
        return Checker.check(workspace: workspace, files: files)
    }()

    @Test func theyCheckClean() {
        #expect(Self.result.diagnostics.isEmpty, "\(Fixtures.golden(Self.result.diagnostics))")
        #expect(Self.result.campaigns.count >= 8)
    }

    @Test func everyCampaignHasScenarios() {
        let scenarioFolders = Set(Self.result.sources.keys.filter { $0.contains("/tests/") }.map { String($0.split(separator: "/")[1]) })
        for campaign in Self.result.campaigns {
            #expect(scenarioFolders.contains(campaign.id!.value), "\(campaign.id!.value) has no scenarios")
        }
    }

    @Test func everyStepKindAndTriggerAppears() {
        var kinds = Set<String>()
        var triggers = Set<String>()
        for campaign in Self.result.campaigns {
            for step in campaign.steps {
                kinds.insert(step.kind.name)
                if case .end(let outcome) = step.kind { kinds.insert("end: \(outcome.value.rawValue)") }
                if case .waitUntil(let window) = step.kind {
                    if case .at? = window.time { kinds.insert("wait_until at") } else { kinds.insert("wait_until from-to") }
                }
                if case .send(let send) = step.kind, send.approval?.value == true { kinds.insert("approval") }
            }
            triggers.formUnion(campaign.triggers.map(\.key))
            if campaign.triggers.count > 1 { triggers.insert("several") }
        }
        let expected = ["send_email", "send_sms", "send_push", "update_contact", "tags", "unsubscribe", "archive",
                        "grant_promo", "export", "postal", "wait", "wait_until at", "wait_until from-to", "if", "branch",
                        "split", "test", "distribute", "dedupe", "approval"]
            + Outcome.allCases.map { "end: \($0.rawValue)" }
        for kind in expected { #expect(kinds.contains(kind), "no example uses \(kind)") }
        #expect(triggers == ["event", "schedule", "at", "manual", "api", "several"])
    }

    @Test func everyFunctionAppears() throws {
        let folder = Fixtures.repository.appendingPathComponent("campaigns")
        let text = try Fixtures.inputFiles(in: folder).map { String(decoding: $0.bytes, as: UTF8.self) }.joined()
        for function in ExpressionFunction.allCases.map(\.rawValue) {
            #expect(text.contains("\(function)("), "no example calls \(function)")
        }
        #expect(text.contains("clicked(last_email, link:"), "the labelled form of clicked")
    }
}
