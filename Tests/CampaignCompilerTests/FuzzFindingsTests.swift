import CampaignFlows
import CampaignSynthesis
import Testing
@testable import CampaignCompiler

/// Regression tests for what the fuzzers (Fuzz/, scripts/fuzz) found, each with the smallest campaign that
/// shows it.
@Suite struct FuzzFindingsTests {
    static func check(_ campaign: String) -> CheckResult {
        Checker.check(workspace: InputFile(path: "workspace.yaml", bytes: Array(CampaignGrammar.workspace.utf8)),
                      files: [InputFile(path: "campaigns/gen/v1.yaml", bytes: Array(campaign.utf8))])
    }

    static func loop(through wait: String) -> String {
        """
        campaign: gen
        version: 1
        status: published
        trigger: { event: signup }
        repeat: once
        start: pause
        steps:
          pause: { \(wait), next: mail }
          mail: { send_email: welcome, next: check }
          check: { if: contact.score > 1000, then: done, else: pause }
          done: { end: success }

        """
    }

    /// The grammar fuzzer's first finding: a cycle whose only time-taking step was a wait_until checked
    /// clean, and the interpreter went round it 10,000 times at one instant, sending on every turn (inside
    /// the window the wait_until ends at once; at the minute it names, which is when its own timer wakes the
    /// contact, too). Now the checker refuses it.
    @Test(arguments: [#"wait_until: { days: [mon, tue, wed, thu, fri, sat, sun], at: "09:00" }"#,
                      #"wait_until: { days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "23:00" }"#])
    func aCycleThroughAWaitUntilOnlyIsAZeroTimeCycle(wait: String) {
        let result = Self.check(Self.loop(through: wait))
        #expect(result.diagnostics.map(\.rule) == [.zeroTimeCycle])
        #expect(result.diagnostics.first?.message
                == "the cycle 'pause' -> 'mail' -> 'check' -> 'pause' passes through no wait or approval (a wait_until can end at once)")
    }

    /// With a wait on the cycle it checks clean, and running it keeps the checker's promises: no step is
    /// reached twice at one instant.
    @Test func aCycleThroughAWaitChecksCleanAndKeepsItsPromises() async throws {
        let result = Self.check(Self.loop(through: "wait: 1d"))
        #expect(result.errorCount == 0)
        let definition = FlowLowering.lower(try #require(result.checked.first))
        var contact = ContactProfile(id: "c")
        contact.fields = ["email": .string("c@example.com"), "score": .int(1)]
        let script = RandomScript(contacts: [contact], entries: [(after: 0, contact: 0, entry: .event("signup", [:]))])
        #expect(await FlowPromises.violations(running: script, on: definition) == [])
    }

    /// What FlowPromises reports on the loop the checker used to accept, run anyway.
    @Test func theLoopBreaksThePromisesWhenRun() async throws {
        // The checker refuses this loop, so nothing lowers it: lower the loop through a one-day wait, then make
        // that wait the wait_until the checker refused (every day, 00:00 to 23:00).
        let result = Self.check(Self.loop(through: "wait: 1d"))
        var definition = FlowLowering.lower(try #require(result.checked.first))
        let pause = try #require(definition.states.firstIndex { $0.id == "pause" })
        guard case .wait(_, let next) = definition.states[pause].step else {
            Issue.record("'pause' is not a wait")
            return
        }
        definition.states[pause].step = .waitUntil(days: Weekday.allCases, from: 0, to: 23 * 60, next: next)
        var contact = ContactProfile(id: "c")
        contact.fields = ["email": .string("c@example.com"), "score": .int(1)]
        let script = RandomScript(contacts: [contact], entries: [(after: 0, contact: 0, entry: .event("signup", [:]))])
        let broken = await FlowPromises.violations(running: script, on: definition)
        #expect(broken.count == 1)
        #expect(broken.first?.contains("loops at one instant") == true)
        #expect(broken.first?.contains("'pause' -> 'mail' -> 'check' -> 'pause'") == true)
    }

    /// Found by the interpret target's promise check on a hand-written chain: a straight run of more than
    /// 10,000 instant steps checks clean (no cycle, under 1 MiB), and the engine used to end every contact on it
    /// with outcome `stopped` at step 10,000. Its bound is now at least the flow's number of steps.
    @Test func aStraightRunOfMoreThan10000InstantStepsEnds() async throws {
        var text = "campaign: gen\nversion: 1\nstatus: published\ntrigger: { event: signup }\nrepeat: once\nstart: s0\nsteps:\n"
        let steps = 10_005
        for index in 0..<steps { text += "  s\(index): { add_tags: [t], next: s\(index + 1) }\n" }
        text += "  s\(steps): { end: success }\n"
        let result = Self.check(text)
        #expect(result.errorCount == 0)
        let definition = FlowLowering.lower(try #require(result.checked.first))
        let script = RandomScript(contacts: [ContactProfile(id: "c")], entries: [(after: 0, contact: 0, entry: .event("signup", [:]))])
        let broken = await FlowPromises.violations(running: script, on: definition)
        #expect(broken == [])
    }
}
