import CampaignFlows
import CampaignSynthesis
import Testing
@testable import CampaignCompiler

/// `wait_for` (v1.2): read with positions, checked (its two exits, its `where` typed against the awaited event,
/// not a wait for `zero-time-cycle`, one for the post-send rules), lowered and drawn with both exits labelled.
@Suite struct WaitForTests {
    private func check(_ steps: String, start: String = "gate") -> CheckResult {
        let text = "campaign: c\nversion: 1\nstatus: draft\ntrigger: { event: signup }\nrepeat: once\nstart: \(start)\nsteps:\n" + steps
        return Checker.check(workspace: Fixtures.workspace, files: [InputFile(path: "c/v1.yaml", bytes: Array(text.utf8))])
    }

    private static let ends = "  done: { end: success }\n  late: { end: neutral }\n"

    @Test func aConditionAndAnEventWithItsWhereAreReadAndLowered() throws {
        let result = check("""
              gate:
                wait_for: { when: contact.score >= 40, within: 120d }
                next: bought
                timeout: late
              bought:
                wait_for: { event: purchase, where: event.total > 100, within: 2h }
                next: done
                timeout: late

            """ + Self.ends)
        #expect(result.diagnostics.isEmpty, "\(Fixtures.golden(result.diagnostics))")
        let states = try #require(CompiledModule.lowered(result).first).states
        #expect(states[0].step == .waitFor(.condition(.compare(.greaterOrEqual, .field("score"), .literal(.int(40)))),
                                           within: 120 * 86_400, next: 1, timeout: 3))
        #expect(states[1].step == .waitFor(.event("purchase", filter: .compare(.greater, .eventField("total"), .literal(.int(100)))),
                                           within: 7_200, next: 2, timeout: 3))
    }

    @Test func itTakesExactlyOneOfWhenAndEventWithPositionsAndSuggestions() {
        let result = check("""
              gate:
                wait_for: { within: 1d, whn: contact.score > 1 }
                next: both
                timeout: done
              both:
                wait_for: { when: contact.score > 1, event: purchase, within: 1d }
                next: lonely
                timeout: done
              lonely:
                wait_for: { when: contact.score > 1, where: event.total > 1, within: 0d }
                next: done
                timeout: done

            """ + Self.ends)
        #expect(Fixtures.golden(result.diagnostics) == """
            c/v1.yaml:9:15: error: 'wait_for' needs 'when' (a condition) or 'event' (an event to wait for) [missing-key]
            c/v1.yaml:9:29: error: unknown key 'whn' in 'wait_for'; did you mean 'when'? [unknown-key]
            c/v1.yaml:13:17: error: 'wait_for' waits for either 'when' or 'event', not both; write two steps [wrong-type]
            c/v1.yaml:17:42: error: 'where' filters the awaited event's payload and needs 'event' [unknown-key]
            c/v1.yaml:17:74: error: 'within' must be longer than zero [bad-duration]
            c/v1.yaml:21:3: warning: step 'late' is never reached from start step 'gate' [unreachable-step]

            """)
    }

    @Test func itsWhereReadsTheAwaitedEventAndItsEventMustExist() {
        let result = check("""
              gate:
                wait_for: { event: purchase, where: event.totl > 1, within: 1d }
                next: other
                timeout: done
              other:
                wait_for: { event: purchse, within: 1d }
                next: done
                timeout: done

            """ + Self.ends)
        let golden = Fixtures.golden(result.diagnostics)
        #expect(golden.contains("c/v1.yaml:9:41: error:") && golden.contains("'totl'") && golden.contains("did you mean 'total'?"), "\(golden)")
        #expect(golden.contains("c/v1.yaml:13:24: error: unknown event 'purchse'; did you mean 'purchase'? [unknown-name]"), "\(golden)")
    }

    @Test func withinAndTimeoutAreRequiredByTheirOwnRule() {
        let result = check("""
              gate:
                wait_for: { when: contact.score > 1 }
                next: done
              other:
                wait_for: { when: contact.score > 1, within: soon }
                next: done

            """ + Self.ends)
        #expect(Fixtures.golden(result.diagnostics) == """
            c/v1.yaml:8:3: error: step 'gate' (wait_for) is missing 'within' and 'timeout'; a wait_for needs how long to wait at most ('within') and where to go then ('timeout') [wait-for-timeout]
            c/v1.yaml:11:3: error: step 'other' (wait_for) is missing 'timeout'; a wait_for needs how long to wait at most ('within') and where to go then ('timeout') [wait-for-timeout]
            c/v1.yaml:11:3: warning: step 'other' is never reached from start step 'gate' [unreachable-step]
            c/v1.yaml:12:50: error: 'soon' is not a duration; write it like 30m, 2h, 3d, 1w or 2h30m [bad-duration]
            c/v1.yaml:15:3: warning: step 'late' is never reached from start step 'gate' [unreachable-step]

            """)
    }

    @Test func aCycleThroughAWaitForIsAZeroTimeCycle() {
        let result = check("""
              gate:
                wait_for: { when: contact.score > 1, within: 1d }
                next: tag
                timeout: done
              tag: { add_tags: [warm], next: gate }

            """ + Self.ends)
        #expect(result.diagnostics.map(\.rule).contains(.zeroTimeCycle), "\(Fixtures.golden(result.diagnostics))")
    }

    @Test func itGivesRecipientsTimeForPostSendConditionsAndBothExitsCount() {
        let result = check("""
              gate: { send_email: welcome, next: opened }
              opened:
                wait_for: { when: opened(gate), within: 2d }
                next: check
                timeout: stuck
              check: { if: clicked(gate), then: done, else: late }
              stuck: { if: contact.score > 1, then: stuck, else: stuck }

            """ + Self.ends)
        let rules = result.diagnostics.map(\.rule)
        #expect(!rules.contains(.postSendWithoutWait) && !rules.contains(.postSendWithoutSend), "\(Fixtures.golden(result.diagnostics))")
        #expect(rules.contains(.noEnd), "the timeout exit leads to a step with no end")
    }

    @Test func theGraphLabelsBothExits() throws {
        let result = check("""
              gate:
                wait_for: { event: purchase, where: event.total > 100, within: 3d }
                next: done
                timeout: late

            """ + Self.ends)
        let flow = try #require(CompiledModule.lowered(result).first)
        let dot = GraphEmitter(flow).emit(.dot)
        #expect(dot.contains("\"gate\" -> \"done\" [label=\"next\"]"), "\(dot)")
        #expect(dot.contains("\"gate\" -> \"late\" [label=\"timeout\"]"), "\(dot)")
        #expect(dot.contains("wait for purchase where event.total > 100, 3d at most"), "\(dot)")
        let mermaid = GraphEmitter(flow).emit(.mermaid)
        #expect(mermaid.contains("s_gate -->|\"next\"| s_done") && mermaid.contains("s_gate -->|\"timeout\"| s_late"), "\(mermaid)")
    }

    @Test func aSimulationOfSmartNurturingTakesBothExitsOfItsGates() async throws {
        let project = ExampleCampaignTests.result
        let definition = try #require(CompiledModule.lowered(project).first { $0.campaign == "smart-nurturing" && $0.version == 2 })
        let report = try await PopulationSimulation(definition: definition, workspace: project.workspace, contacts: 200, days: 240,
                                                    seed: 7).run().campaign
        let arrivals = Dictionary(uniqueKeysWithValues: report.steps.map { ($0.id, $0.arrivals) })
        #expect(arrivals["evaluation", default: 0] > 0, "leads scored 40 or more pass discovery's gate at once")
        #expect(arrivals["timed_out", default: 0] > 0, "the others time out after 120 days")
        #expect(arrivals["to_sales", default: 0] > 0, "a click on the purchase email ends its wait")
    }

    @Test func theFuzzGrammarWritesWaitForStepsThatCheck() {
        var random = SeededRandom(seed: 12)
        // (A loop back through a wait_until alone is a zero-time cycle the grammar writes on purpose.)
        let shapeRules: Set<RuleID> = [.unknownKey, .missingKey, .wrongType, .missingExit, .waitForTimeout, .noEnd]
        var written = 0
        for _ in 0..<300 {
            let (text, faulty) = CampaignGrammar.writtenCampaign(using: &random, maximumSteps: 30)
            guard text.contains("wait_for:"), !faulty else { continue }
            written += 1
            let result = Checker.check(workspace: InputFile(path: "workspace.yaml", bytes: Array(CampaignGrammar.workspace.utf8)),
                                       files: [InputFile(path: "campaigns/gen/v1.yaml", bytes: Array(text.utf8))])
            let broken = result.diagnostics.filter { shapeRules.contains($0.rule) }
            #expect(broken.isEmpty, "\(Fixtures.golden(broken))\n\(text)")
        }
        #expect(written > 15)
    }

    /// The grammar also writes the other v1.2 keys: trigger lists, holdouts, goals and contact time zones, which
    /// read without shape errors in the campaigns it meant to be valid, and often check clean.
    @Test func theFuzzGrammarWritesTriggerListsHoldoutsGoalsAndContactZonesThatRead() {
        var random = SeededRandom(seed: 21)
        let shapeRules: Set<RuleID> = [.unknownKey, .missingKey, .wrongType]
        var lists = 0, holdouts = 0, goals = 0, zones = 0, clean = 0
        for _ in 0..<400 {
            let (text, faulty) = CampaignGrammar.writtenCampaign(using: &random, maximumSteps: 20)
            guard !faulty else { continue }
            let list = text.contains("trigger:\n  - event:"), holdout = text.contains("\nholdout:"), goal = text.contains("\ngoal:")
            let zone = text.contains("\ntimezone: contact.timezone\nfallback_timezone: ")
            guard list || holdout || goal || zone else { continue }
            if list { lists += 1 }
            if zone { zones += 1 }
            if holdout { holdouts += 1 }
            if goal { goals += 1 }
            let result = Checker.check(workspace: InputFile(path: "workspace.yaml", bytes: Array(CampaignGrammar.workspace.utf8)),
                                       files: [InputFile(path: "campaigns/gen/v1.yaml", bytes: Array(text.utf8))])
            let broken = result.diagnostics.filter { shapeRules.contains($0.rule) }
            #expect(broken.isEmpty, "\(Fixtures.golden(broken))\n\(text)")
            if result.errorCount == 0 { clean += 1 }
        }
        #expect(lists > 10 && holdouts > 10 && goals > 10 && zones > 10,
                "lists \(lists), holdouts \(holdouts), goals \(goals), contact zones \(zones)")
        #expect(clean > 20, "campaigns with these keys that check clean: \(clean)")
    }
}
