import CampaignFlows
import Testing
@testable import CampaignCompiler

/// `start_campaign`, `exit_campaign` and `webhook` (v1.2): read with positions and suggestions, checked against
/// the whole workspace's campaigns (`unknown-name`, `campaign-cycle`) and its destinations, lowered, emitted as
/// Swift and drawn with an edge to the other campaign.
@Suite struct CrossCampaignStepTests {
    /// Checks campaign `c` (its steps given) beside other campaign files (path and text).
    private func check(_ steps: String, start: String = "feed", status: String = "published",
                       others: [(path: String, text: String)] = []) -> CheckResult {
        let text = "campaign: c\nversion: 1\nstatus: \(status)\ntrigger: { event: signup }\nrepeat: once\nstart: \(start)\nsteps:\n" + steps
        let files = [InputFile(path: "c/v1.yaml", bytes: Array(text.utf8))]
            + others.map { InputFile(path: $0.path, bytes: Array($0.text.utf8)) }
        return Checker.check(workspace: Fixtures.workspace, files: files)
    }

    /// Campaign `id` version `version` in `status`, started by hand, whose steps are given.
    private static func campaign(_ id: String, version: Int = 1, status: String, start: String, _ steps: String) -> (path: String, text: String) {
        ("\(id)/v\(version).yaml",
         "campaign: \(id)\nversion: \(version)\nstatus: \(status)\ntrigger: { manual: true }\nstart: \(start)\nsteps:\n" + steps)
    }

    private static let tagging = campaign("tagging", status: "published", start: "done", "  done: { end: neutral }\n")

    @Test func theThreeStepsAreReadLoweredAndEmitted() throws {
        let result = check("""
              feed: { start_campaign: tagging, next: leave }
              leave: { exit_campaign: tagging, next: notify }
              notify: { webhook: crm-hook, fields: [email, score], next: done }
              done: { end: success }

            """, others: [Self.tagging])
        #expect(result.diagnostics.isEmpty, "\(Fixtures.golden(result.diagnostics))")
        let flow = try #require(CompiledModule.lowered(result).first { $0.campaign == "c" })
        #expect(flow.states.map(\.step) == [.startCampaign("tagging", next: 1), .exitCampaign("tagging", next: 2),
                                            .webhook(destination: "crm-hook", fields: ["email", "score"], next: 3), .end(.success)])
        let swift = try SwiftEmitter(flow, typeName: "CV1").emit()
        #expect(swift.contains("return .act(.webhook(destination: \"crm-hook\", fields: [\"email\", \"score\"]), next: 3)"), "\(swift)")
        #expect(swift.components(separatedBy: "return .engine").count == 3, "start_campaign and exit_campaign are the engine's")
        var context = FlowContext(now: 0, contact: ContactProfile(id: "a"), campaign: "c", version: 1, timeZone: .gmt)
        #expect(FlowInterpreter(flow).step(0, &context) == .engine)
        #expect(FlowInterpreter(flow).step(2, &context) == .act(.webhook(destination: "crm-hook", fields: ["email", "score"]), next: 3))
    }

    @Test func namesArePositionedWithSuggestions() {
        let result = check("""
              feed: { start_campaign: taging, next: leave }
              leave: { exit_campaing: tagging, next: notify }
              notify: { webhook: crm-hook, fields: [emal], next: done }
              done: { end: success }

            """, others: [Self.tagging])
        #expect(Fixtures.golden(result.diagnostics) == """
            c/v1.yaml:8:27: error: unknown campaign 'taging'; did you mean 'tagging'? [unknown-name]
            c/v1.yaml:8:41: error: 'next' of step 'feed' names step 'leave', which does not exist [unknown-step]
            c/v1.yaml:9:3: error: step 'leave' has no kind; give it one of \(CampaignReader.kindKeys.map { "'\($0)'" }.joined(separator: ", ")) [missing-key]
            c/v1.yaml:9:12: error: unknown key 'exit_campaing' in step 'leave'; did you mean 'exit_campaign'? [unknown-key]
            c/v1.yaml:10:41: error: unknown contact field 'emal'; did you mean 'email'? [unknown-name]

            """)
    }

    @Test func aWebhookNeedsAWebhookDestination() {
        let result = check("""
              feed: { webhook: sftp-main, next: done }
              done: { end: success }

            """)
        #expect(Fixtures.golden(result.diagnostics) == """
            c/v1.yaml:8:20: error: 'sftp-main' is an sftp destination; 'webhook' needs a webhook one [type-mismatch]
                note: workspace.yaml:26:3: 'sftp-main' is declared here

            """)
    }

    @Test func aCycleFollowsThePublishedVersionsAndWaitsBreakIt() {
        // b's published version starts c again at once; its draft, which waits first, is not followed.
        let published = Self.campaign("b", version: 2, status: "published", start: "back", """
              back: { start_campaign: c, next: done }
              done: { end: neutral }

            """)
        let draft = Self.campaign("b", version: 3, status: "draft", start: "pause", """
              pause: { wait: 1d, next: back }
              back: { start_campaign: c, next: done }
              done: { end: neutral }

            """)
        let steps = """
              feed: { start_campaign: b, next: done }
              done: { end: success }

            """
        let cycle = check(steps, others: [published, draft])
        #expect(Fixtures.golden(cycle.diagnostics) == """
            b/v2.yaml:7:3: error: start_campaign steps form the cycle 'b'.'back' -> 'c'.'feed' -> 'b'.'back', which passes through no wait or approval [campaign-cycle]
                note: c/v1.yaml:8:3: 'feed' of campaign 'c' is on the cycle

            """)
        // With b's published version drained, its draft is what start_campaign would reach once published.
        let drained = Self.campaign("b", version: 2, status: "draining", start: "back", """
              back: { start_campaign: c, next: done }
              done: { end: neutral }

            """)
        #expect(check(steps, others: [drained, draft]).diagnostics.isEmpty)
        // An approval breaks the cycle; a wait_for does not.
        let approved = check("""
              feed: { send_email: welcome, approval: true, next: again }
              again: { start_campaign: c, next: done }
              done: { end: success }

            """)
        #expect(approved.diagnostics.isEmpty, "\(Fixtures.golden(approved.diagnostics))")
        let awaited = check("""
              feed:
                wait_for: { when: contact.score > 1, within: 1d }
                next: again
                timeout: again
              again: { start_campaign: c, next: done }
              done: { end: success }

            """)
        #expect(awaited.diagnostics.map(\.rule) == [.campaignCycle], "\(Fixtures.golden(awaited.diagnostics))")
    }

    @Test func aScenarioRunsBesideTheCampaignsItNamesUnderWith() {
        let scenario = """
            campaign: c
            version: 1
            with: [tagging, taging]
            cases:
              - name: fed
                contact: { id: a, email: a@example.com }
                events: [{ at: 2026-02-01T09:00:00Z, event: signup }]
                expect: { outcome: success }

            """
        let steps = "  feed: { start_campaign: tagging, next: done }\n  done: { end: success }\n"
        let text = "campaign: c\nversion: 1\nstatus: published\ntrigger: { event: signup }\nrepeat: once\nstart: feed\nsteps:\n" + steps
        let result = Checker.check(workspace: Fixtures.workspace, files: [
            InputFile(path: "c/v1.yaml", bytes: Array(text.utf8)), InputFile(path: Self.tagging.path, bytes: Array(Self.tagging.text.utf8)),
            InputFile(path: "c/tests/fed.yaml", bytes: Array(scenario.utf8)),
        ])
        #expect(Fixtures.golden(result.diagnostics) == """
            c/tests/fed.yaml:3:17: error: unknown campaign 'taging'; did you mean 'tagging'? [unknown-name]

            """)
        #expect(result.scenarios.first?.with.map(\.value) == ["tagging", "taging"])
    }

    @Test func theGraphPointsAtTheOtherCampaign() throws {
        let result = check("""
              feed: { start_campaign: tagging, next: leave }
              leave: { exit_campaign: tagging, next: done }
              done: { end: success }

            """, others: [Self.tagging])
        let flow = try #require(CompiledModule.lowered(result).first { $0.campaign == "c" })
        let dot = GraphEmitter(flow).emit(.dot)
        #expect(dot.contains("\"campaign tagging\" [label=\"campaign tagging\", shape=component, style=dashed];"), "\(dot)")
        #expect(dot.contains("\"feed\" -> \"campaign tagging\" [label=\"start\", style=dashed];"), "\(dot)")
        #expect(dot.contains("\"leave\" -> \"campaign tagging\" [label=\"exit\", style=dashed];"), "\(dot)")
        let mermaid = GraphEmitter(flow).emit(.mermaid)
        #expect(mermaid.contains("c_0[[\"campaign tagging\"]]"), "\(mermaid)")
        #expect(mermaid.contains("s_feed -.->|\"start\"| c_0") && mermaid.contains("s_leave -.->|\"exit\"| c_0"), "\(mermaid)")
    }
}
