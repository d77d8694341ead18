import CampaignFlows
import Testing
@testable import CampaignCompiler

/// `holdout` and `goal` (v1.2): read with positions and did-you-mean, checked (`holdout-share`, `missing-key` for a
/// goal without `within`, `goal-unknown-event`, a `where` typed against the goal's event, a `when` against the
/// contact), lowered, emitted as Swift and drawn.
@Suite struct HoldoutGoalTests {
    private func check(_ top: String) -> CheckResult {
        let text = "campaign: c\nversion: 1\nstatus: draft\ntrigger: { event: signup }\nrepeat: once\n" + top
            + "start: done\nsteps:\n  done: { end: success }\n"
        return Checker.check(workspace: Fixtures.workspace, files: [InputFile(path: "c/v1.yaml", bytes: Array(text.utf8))])
    }

    @Test func aHoldoutAndAnEventGoalWithItsWhereAreLowered() throws {
        let result = check("holdout: 12.5%\ngoal: { event: purchase, where: event.total > 100, within: 7d, exit: true }\n")
        #expect(result.diagnostics.isEmpty, "\(Fixtures.golden(result.diagnostics))")
        let definition = try #require(CompiledModule.lowered(result).first)
        #expect(definition.holdout == 12.5)
        #expect(definition.goal == FlowGoal(awaited: .event("purchase", filter: .compare(.greater, .eventField("total"), .literal(.int(100)))),
                                            within: 7 * 86_400, exit: true))
    }

    @Test func aConditionGoalIsLoweredAndEmitted() throws {
        let result = check("goal:\n  when: contact.score >= 40\n  within: 30d\n")
        #expect(result.diagnostics.isEmpty, "\(Fixtures.golden(result.diagnostics))")
        let definition = try #require(CompiledModule.lowered(result).first)
        #expect(definition.holdout == nil)
        #expect(definition.goal == FlowGoal(awaited: .condition(.compare(.greaterOrEqual, .field("score"), .literal(.int(40)))),
                                            within: 30 * 86_400, exit: false))
        let swift = try SwiftEmitter(definition, typeName: "C").emit()
        #expect(swift.contains("public func goalHolds(_ context: inout FlowContext) -> Bool {"))
        #expect(!swift.contains("return false  // no goal"))
    }

    @Test func aCampaignWithoutAGoalAnswersNoInGeneratedCode() throws {
        let definition = try #require(CompiledModule.lowered(check("")).first)
        #expect(definition.goal == nil && definition.holdout == nil)
        #expect(try SwiftEmitter(definition, typeName: "C").emit().contains("return false  // no goal"))
    }

    @Test func theHoldoutShareIsAboveZeroAndBelowHalf() {
        for (share, fails) in [("0%", true), ("50%", true), ("-5%", true), ("0.01%", false), ("49.9%", false)] {
            let result = check("holdout: \(share)\n")
            #expect(result.diagnostics.contains { $0.rule == .holdoutShare } == fails, "\(share)")
        }
        #expect(Fixtures.golden(check("holdout: ten\n").diagnostics)
                == "c/v1.yaml:6:10: error: 'holdout' must be a percentage like 10%, found 'ten' [wrong-type]\n")
    }

    @Test func aGoalNeedsWithinAndOneOfEventAndWhenWithPositionsAndSuggestions() {
        #expect(Fixtures.golden(check("goal: { event: purchase, exitt: true }\n").diagnostics) == """
            c/v1.yaml:6:7: error: 'goal' is missing required key 'within' [missing-key]
            c/v1.yaml:6:26: error: unknown key 'exitt' in 'goal'; did you mean 'exit'? [unknown-key]

            """)
        #expect(Fixtures.golden(check("goal: { within: 1d }\n").diagnostics) == """
            c/v1.yaml:6:7: error: 'goal' needs 'event' (an event that converts) or 'when' (a condition on the contact) [missing-key]

            """)
        #expect(Fixtures.golden(check("goal: { when: contact.score > 1, where: event.total > 1, within: 1d }\n").diagnostics) == """
            c/v1.yaml:6:34: error: 'where' filters the goal event's payload and needs 'event' [unknown-key]

            """)
    }

    @Test func aGoalsWhereReadsItsEventAndItsWhenTheContact() {
        let result = check("goal: { event: purchase, where: event.totl > 1, within: 1d }\n")
        #expect(result.diagnostics.map(\.rule) == [.unknownName], "\(Fixtures.golden(result.diagnostics))")
        #expect(result.diagnostics.first?.message.contains("did you mean 'total'?") == true, "\(Fixtures.golden(result.diagnostics))")
        let typed = check("goal: { event: purchase, where: event.total == \"big\", within: 1d }\n")
        #expect(typed.diagnostics.map(\.rule) == [.typeMismatch], "\(Fixtures.golden(typed.diagnostics))")
        let onEvent = check("goal: { when: event.source == \"ads\", within: 1d }\n")
        #expect(onEvent.diagnostics.map(\.rule) == [.unknownName], "a when goal reads the contact, not an event: \(Fixtures.golden(onEvent.diagnostics))")
        let unknown = check("goal: { event: purchse, within: 1d }\n")
        #expect(Fixtures.golden(unknown.diagnostics)
                == "c/v1.yaml:6:16: error: goal on unknown event 'purchse'; did you mean 'purchase'? [goal-unknown-event]\n")
    }

    @Test func theGraphDrawsTheHoldoutLeavingAtEntryAndTheGoalBesideIt() throws {
        let definition = try #require(CompiledModule.lowered(check("holdout: 10%\ngoal: { event: purchase, within: 14d, exit: true }\n")).first)
        #expect(GraphEmitter(definition).emit(.dot) == #"""
            digraph "c v1" {
                rankdir=TB;
                node [fontname="Helvetica", fontsize=11];
                "start" [shape=point, width=0.15];
                "start" -> "done" [label="on signup"];
                "done" [label="done\nend: success", shape=doublecircle, style=filled, fontcolor=white, fillcolor="#2e7d32"];
                "outcome holdout" [label="held out\noutcome: holdout", shape=doublecircle, style=filled, fontcolor=white, fillcolor="#546e7a"];
                "start" -> "outcome holdout" [label="10% held out", style=dashed];
                "goal note" [label="goal: on purchase\nwithin 2w of entry\nconverting ends the visit: success", shape=note];
                "start" -> "goal note" [style=dotted, arrowhead=none];
            }

            """#)
        #expect(GraphEmitter(definition).emit(.mermaid) == #"""
            flowchart TD
                start(( )) -->|"on signup"| s_done
                s_done((("done<br/>end: success")))
                holdout((("held out<br/>outcome: holdout")))
                start -.->|"10% held out"| holdout
                goal>"goal: on purchase<br/>within 2w of entry<br/>converting ends the visit: success"]
                start -.- goal
                style s_done fill:#2e7d32,color:#fff
                style holdout fill:#546e7a,color:#fff

            """#)
        let condition = try #require(CompiledModule.lowered(check("holdout: 12.5%\ngoal: { when: contact.score >= 40, within: 3d }\n")).first)
        let dot = GraphEmitter(condition).emit(.dot)
        #expect(dot.contains(#""start" -> "outcome holdout" [label="12.5% held out", style=dashed];"#), "\(dot)")
        #expect(dot.contains(#""goal note" [label="goal: when contact.score >= 40\nwithin 3d of entry\nconverting does not end the visit", shape=note];"#),
                "\(dot)")
        // A campaign named `goal` keeps a node of its own beside the goal's note.
        var startsGoal = definition
        startsGoal.states = [FlowState(id: "feed", line: 1, step: .startCampaign("goal", next: 1)), FlowState(id: "done", line: 2, step: .end(.success))]
        let both = GraphEmitter(startsGoal).emit(.dot)
        #expect(both.contains(#""feed" -> "campaign goal" [label="start", style=dashed];"#) && both.contains(#""start" -> "goal note" [style=dotted"#),
                "\(both)")
        let neither = try #require(CompiledModule.lowered(check("")).first)
        for format in GraphEmitter.Format.allCases {
            let drawn = GraphEmitter(neither).emit(format)
            #expect(!drawn.contains("holdout") && !drawn.contains("goal"), "\(drawn)")
        }
    }

    @Test func aSimulationCountsConversionsOfBothGroups() async throws {
        let project = ExampleCampaignTests.result
        var definition = try #require(CompiledModule.lowered(project).first { $0.campaign == "abandoned-cart" && $0.version == 2 })
        definition.holdout = 20
        definition.goal = FlowGoal(awaited: .event("purchase", filter: nil), within: 7 * 86_400, exit: false)
        let report = try await PopulationSimulation(definition: definition, workspace: project.workspace, contacts: 300, days: 40,
                                                    seed: 3).run().campaign
        let counts = report.conversions
        #expect(counts.heldOut + counts.treated == report.entered)
        #expect(report.outcomes["holdout"] == counts.heldOut)
        let share = Double(counts.heldOut) / Double(report.entered)
        #expect(share > 0.1 && share < 0.3, "about a fifth of the entries are held out: \(counts)")
        #expect(counts.treatedConverted > 0 && counts.heldOutConverted > 0, "both groups buy: \(counts)")
        #expect(counts.lift != nil)
    }
}
