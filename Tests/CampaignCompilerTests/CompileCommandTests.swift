import Foundation
import Testing
@testable import CampaignCompiler

/// `campaignc compile`: deterministic output, no needless rewrites, staleness checks, refusal on errors.
@Suite struct CompileCommandTests {
    private func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("campaignc-compile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    private func contents(_ folder: URL) throws -> [String: String] {
        var files: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            files[name] = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
        }
        return files
    }

    @Test func outputIsByteIdenticalFromAnyFolderAndMatchesTheCheckedInTarget() throws {
        let first = try temporaryFolder(), second = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: first); try? FileManager.default.removeItem(at: second) }
        #expect(try CampaigncProcess.run(["compile", "campaigns", "--output", first.path]).status == 0)
        let campaigns = Fixtures.repository.appendingPathComponent("campaigns").path
        #expect(try CampaigncProcess.run(["compile", campaigns, "--output", second.path], in: URL(fileURLWithPath: "/")).status == 0)
        let a = try contents(first)
        #expect(a == (try contents(second)))
        #expect(a == (try contents(Fixtures.repository.appendingPathComponent("Sources/CampaignExamples"))))
        #expect(!a.values.contains { $0.contains(Fixtures.repository.path) }, "no absolute path in generated code")
    }

    @Test func unchangedFilesAreNotRewrittenAndStaleOnesAreReported() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try CampaigncProcess.run(["compile", "campaigns", "--output", folder.path])
        let file = folder.appendingPathComponent("AbandonedCartV2.swift")
        let old = Date(timeIntervalSince1970: 1_000_000)
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: file.path)
        let again = try CampaigncProcess.run(["compile", "campaigns", "--output", folder.path])
        #expect(again.stderr.contains("0 written"))
        #expect((try FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate] as? Date) == old)
        #expect(try CampaigncProcess.run(["compile", "campaigns", "--output", folder.path, "--check"]).status == 0)
        try "// edited\n".write(to: file, atomically: true, encoding: .utf8)
        let stale = try CampaigncProcess.run(["compile", "campaigns", "--output", folder.path, "--check"])
        #expect(stale.status == 1)
        #expect(stale.stdout.contains("AbandonedCartV2.swift"))
    }

    @Test func refusesToEmitWhileCheckReportsErrors() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try CampaigncProcess.run(["compile", "err/zero-time-cycle", "--workspace", "workspace.yaml", "--output", folder.path],
                                              in: Fixtures.root)
        #expect(result.status == 1)
        #expect(result.stderr.contains("[zero-time-cycle]"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test func emitsTheLoweredFormAsJSON() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try CampaigncProcess.run(["compile", "campaigns", "--emit", "ir", "--output", folder.path]).status == 0)
        let data = try Data(contentsOf: folder.appendingPathComponent("campaigns.ir.json"))
        let flows = try JSONSerialization.jsonObject(with: data) as? [[String: Any]]
        #expect(flows?.count == ExampleCampaignTests.result.campaigns.count)
        #expect(flows?.first?["campaign"] as? String == "abandoned-cart")
        #expect((flows?.first?["states"] as? [Any])?.isEmpty == false)
    }

    @Test func testCommandPassesOnTheExamplesAndPrintsExpectedBesideActual() throws {
        let passing = try CampaigncProcess.run(["test", "campaigns"])
        #expect(passing.status == 0, "\(passing.stdout)")
        #expect(!passing.stdout.contains("FAIL"))
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let campaigns = Fixtures.repository.appendingPathComponent("campaigns")
        try FileManager.default.copyItem(at: campaigns.appendingPathComponent("workspace.yaml"), to: folder.appendingPathComponent("workspace.yaml"))
        try FileManager.default.copyItem(at: campaigns.appendingPathComponent("welcome-customer"), to: folder.appendingPathComponent("welcome-customer"))
        let scenario = folder.appendingPathComponent("welcome-customer/tests/welcome.yaml")
        let text = try String(contentsOf: scenario, encoding: .utf8).replacingOccurrences(of: "outcome: success", with: "outcome: failure")
        try text.write(to: scenario, atomically: true, encoding: .utf8)
        let failing = try CampaigncProcess.run(["test", folder.path])
        #expect(failing.status == 1)
        #expect(failing.stdout.contains("FAIL"))
        #expect(failing.stdout.contains("outcome: expected failure, got success"))
    }

    @Test func graphAndSimulate() throws {
        let mermaid = try CampaigncProcess.run(["graph", "campaigns/abandoned-cart/v2.yaml"])
        #expect(mermaid.status == 0)
        #expect(mermaid.stdout.hasPrefix("flowchart TD"))
        #expect(mermaid.stdout.contains("s_opened -->|\"yes\"| s_won"))
        let dot = try CampaigncProcess.run(["graph", "campaigns/abandoned-cart/v2.yaml", "--format", "dot"])
        #expect(dot.stdout.contains("\"won\" [label=\"won\\nend: success\", shape=doublecircle"))
        let severalTriggers = try CampaigncProcess.run(["graph", "campaigns/engagement-activity/v1.yaml"])
        #expect(severalTriggers.stdout.contains("start(( )) -->|\"on email_opened<br/>on link_clicked<br/>on page_visited\"| s_was_cold"),
                "\(severalTriggers.stdout)")
        // One file, checked with the campaigns beside its workspace: the campaign its steps name is known.
        let crossCampaign = try CampaigncProcess.run(["graph", "campaigns/engagement-activity/v2.yaml"])
        #expect(crossCampaign.status == 0, "\(crossCampaign.stderr)")
        #expect(crossCampaign.stdout.contains("s_feed_part_1 -.->|\"start\"| c_0"), "\(crossCampaign.stdout)")
        // The holdout leaves from the start point; the goal is a note beside it.
        let holdout = try CampaigncProcess.run(["graph", "campaigns/winter-sale/v2.yaml"])
        #expect(holdout.stdout.contains("start -.->|\"10% held out\"| holdout") && holdout.stdout.contains("start -.- goal"),
                "\(holdout.stdout)")
        let holdoutDot = try CampaigncProcess.run(["graph", "campaigns/winter-sale/v2.yaml", "--format", "dot"])
        #expect(holdoutDot.stdout.contains(#""goal note" [label="goal: on purchase\nwithin 2w of entry\nconverting ends the visit: success", shape=note];"#),
                "\(holdoutDot.stdout)")
        // The campaign its start_campaign step names runs beside it, and its figures follow.
        let crossSimulation = try CampaigncProcess.run(["simulate", "campaigns/engagement-activity/v2.yaml", "--contacts", "20", "--days", "2"])
        #expect(crossSimulation.status == 0, "\(crossSimulation.stderr)")
        #expect(crossSimulation.stdout.contains("run beside it: engagement-tagging v1\n"), "\(crossSimulation.stdout)")
        #expect(crossSimulation.stdout.contains("\nbeside it, engagement-tagging v1: "), "\(crossSimulation.stdout)")
        #expect(crossSimulation.stdout.contains("\nsends per day, all campaigns:\n"), "\(crossSimulation.stdout)")
        // Alone, neither sends over a cap; together, the email cap counts the sends of both.
        let sizes = ["--contacts", "500", "--days", "14"]
        for alone in ["campaigns/welcome-customer/v1.yaml", "campaigns/abandoned-cart/v2.yaml"] {
            let output = try CampaigncProcess.run(["simulate", alone] + sizes)
            #expect(output.status == 0 && !output.stdout.contains("frequency-cap"), "\(output.stdout)")
        }
        let together = try CampaigncProcess.run(["simulate", "campaigns/welcome-customer/v1.yaml", "--with", "abandoned-cart"] + sizes)
        #expect(together.status == 0, "\(together.stderr)")
        #expect(together.stdout.contains("frequency-cap"), "\(together.stdout)")
        let unknown = try CampaigncProcess.run(["simulate", "campaigns/engagement-activity/v2.yaml", "--with", "engagement-taging"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.hasPrefix("campaignc: error: --with: unknown campaign 'engagement-taging'; did you mean 'engagement-tagging'?\n"),
                "\(unknown.stderr)")
        let arguments = ["simulate", "campaigns/abandoned-cart/v2.yaml", "--contacts", "200", "--days", "10", "--seed", "4"]
        let first = try CampaigncProcess.run(arguments)
        #expect(first.status == 0)
        #expect(first.stdout.contains("sends per day"))
        #expect(first.stdout == (try CampaigncProcess.run(arguments)).stdout, "the same seed gives the same figures")
    }
}
