import CampaignFlows
import Foundation
import Testing
@testable import CampaignCompiler

/// `message-budget`: the largest number of a channel's marketing sends one path of a campaign can make within
/// a frequency cap's period, waits at their shortest, against the workspace's caps.
@Suite struct MessageBudgetTests {
    /// A workspace with one cap, and the messages the campaigns below send.
    static func workspace(_ cap: String = "{ channel: email, max: 3, per: 7d }") -> InputFile {
        InputFile(path: "workspace.yaml", bytes: Array("""
            contact:
              fields:
                id:    { type: string, key: true }
                score: { type: int }
            messages:
              news:    { channel: email }
              promo:   { channel: email }
              receipt: { channel: email, transactional: true }
              flash:   { channel: sms }
            policies:
              frequency:
                - \(cap)
            """.utf8))
    }

    static func check(_ steps: String, start: String = "news", workspace: InputFile = workspace()) -> [Diagnostic] {
        let campaign = """
            campaign: c
            version: 1
            status: published
            trigger: { event: contact_created }
            repeat: once
            start: \(start)
            steps:
            \(steps)
            """
        return Checker.check(workspace: workspace, files: [InputFile(path: "c/v1.yaml", bytes: Array(campaign.utf8))]).diagnostics
    }

    static func budget(_ diagnostics: [Diagnostic]) -> [Diagnostic] { diagnostics.filter { $0.rule == .messageBudget } }

    /// An email every lap of a loop that a score condition leaves, with `wait` between laps.
    static func loop(waiting wait: String, message: String = "news") -> String {
        """
          news:    { send_email: \(message), next: pause }
          pause:   { wait: \(wait), next: engaged }
          engaged: { if: contact.score > 10, then: done, else: news }
          done:    { end: success }
        """
    }

    @Test func aDailyLoopBreaksThreeEmailsPerWeekAtItsFourthLap() throws {
        let diagnostics = Self.check(Self.loop(waiting: "1d"))
        let warning = try #require(Self.budget(diagnostics).first)
        #expect(Self.budget(diagnostics).count == 1)
        #expect(diagnostics.count == 1, "\(Fixtures.golden(diagnostics))")
        #expect(warning.severity == .warning)
        #expect(warning.location == SourceLocation(file: "c/v1.yaml", line: 8, column: 3))
        #expect(warning.message == "'news' can be marketing email number 4 within 1w on one path (3d after the first), over the workspace's frequency cap of 3 per 1w")
        #expect(warning.notes.map(\.message) == [
            "marketing email number 1 of that path is sent here",
            "marketing email number 2 is sent here, 1d after the first",
            "marketing email number 3 is sent here, 2d after the first",
            "the cap is declared here",
        ])
        #expect(warning.notes.last?.location == SourceLocation(file: "workspace.yaml", line: 12, column: 7))
    }

    @Test func aLoopWaitingThreeDaysFitsThreeEmailsPerWeek() {
        #expect(Self.check(Self.loop(waiting: "3d")).isEmpty)
    }

    /// The window is `(now - per, now]`: a send exactly `per` after the first no longer counts it.
    @Test func aSendExactlyThePeriodAfterTheFirstFitsTheCap() {
        #expect(Self.budget(Self.check(Self.loop(waiting: "2d8h"))).isEmpty, "the fourth lap comes exactly 7d after the first")
        #expect(Self.budget(Self.check(Self.loop(waiting: "2d7h59m"))).count == 1)
    }

    @Test func transactionalMessagesDoNotCount() {
        #expect(Self.check(Self.loop(waiting: "1d", message: "receipt")).isEmpty)
        let mixed = """
              news:     { send_email: news, next: receipt1 }
              receipt1: { send_email: receipt, next: receipt2 }
              receipt2: { send_email: receipt, next: promo }
              promo:    { send_email: promo, next: done }
              done:     { end: success }
            """
        #expect(Self.check(mixed).isEmpty)
    }

    /// Every exit of a split is a possible path: the cap is broken on the second branch only.
    @Test func eachBranchOfASplitIsAPath() throws {
        let steps = """
              news:  { send_email: news, next: split }
              split:
                split:
                  - { weight: 50, next: slow }
                  - { weight: 50, next: fast1 }
              slow:  { wait: 7d, next: slow2 }
              slow2: { send_email: promo, next: slow3 }
              slow3: { send_email: promo, next: slow4 }
              slow4: { send_email: promo, next: done }
              fast1: { send_email: promo, next: fast2 }
              fast2: { send_email: promo, next: fast3 }
              fast3: { send_email: promo, next: done }
              done:  { end: success }
            """
        let warnings = Self.budget(Self.check(steps))
        let warning = try #require(warnings.first)
        #expect(warnings.count == 1)
        #expect(warning.location.line == 19, "at 'fast3', the fourth email of the fast branch")
        #expect(warning.message.hasPrefix("'fast3' can be marketing email number 4 within 1w on one path (at the same time as the first)"))
        #expect(warning.notes.dropLast().map(\.location.line) == [8, 17, 18])
    }

    /// A window may open at any send, not only at the first of the visit.
    @Test func theWindowMayOpenAfterALongWait() throws {
        let steps = """
              news:   { send_email: news, next: pause }
              pause:  { wait: 30d, next: burst1 }
              burst1: { send_email: promo, next: burst2 }
              burst2: { send_email: promo, next: burst3 }
              burst3: { send_email: promo, next: burst4 }
              burst4: { send_email: promo, next: done }
              done:   { end: success }
            """
        let warning = try #require(Self.budget(Self.check(steps)).first)
        #expect(warning.message.hasPrefix("'burst4' can be marketing email number 4"))
        #expect(warning.notes.first?.location.line == 10, "the path starts at 'burst1'")
    }

    /// `wait_until`, an approval and an optimized send time may end at once, so they count as no time.
    @Test func waitUntilApprovalAndOptimizedSendTimeCountAsNoTime() {
        let cap = Self.workspace("{ channel: sms, max: 1, per: 1d }")
        let steps = """
              first:  { send_sms: flash, approval: true, next: monday }
              monday: { wait_until: { days: [mon], at: "08:00" }, next: second }
              second: { send_sms: flash, send_time: optimized, next: done }
              done:   { end: success }
            """
        let warnings = Self.budget(Self.check(steps, start: "first", workspace: cap))
        #expect(warnings.map(\.location.line) == [10])
        #expect(Self.check(steps.replacingOccurrences(of: "next: monday", with: "next: pause")
                           + "\n  pause:  { wait: 1d, next: monday }", start: "first", workspace: cap).isEmpty)
    }

    @Test func capsOnOtherChannelsAndUnreachableSendsDoNotCount() {
        let sms = Self.workspace("{ channel: sms, max: 1, per: 1d }")
        #expect(Self.budget(Self.check(Self.loop(waiting: "1d"), workspace: sms)).isEmpty)
        let unreachable = """
              news:  { send_email: news, next: done }
              done:  { end: success }
              spam1: { send_email: promo, next: spam2 }
              spam2: { send_email: promo, next: spam3 }
              spam3: { send_email: promo, next: spam4 }
              spam4: { send_email: promo, next: done }
            """
        #expect(Self.budget(Self.check(unreachable)).isEmpty)
    }

    /// A loop with no wait is a zero-time-cycle error; the budget search still ends, after `max + 1` laps.
    @Test func aZeroTimeLoopEndsTheSearch() {
        let steps = """
              news:    { send_email: news, next: engaged }
              engaged: { if: contact.score > 10, then: done, else: news }
              done:    { end: success }
            """
        let diagnostics = Self.check(steps, workspace: Self.workspace("{ channel: email, max: 100000, per: 52w }"))
        #expect(Set(diagnostics.map(\.rule)) == [.zeroTimeCycle, .messageBudget])
    }

    /// A cap the workspace sets very high against a tight loop: the search stops at its bound rather than
    /// unrolling the loop a million times, and says nothing it has not established (the loop does break this
    /// cap: it can send five million emails in ten years).
    @Test func theSearchIsBounded() throws {
        let hostile = Self.workspace("{ channel: email, max: 1000000, per: 520w }")
        let started = ContinuousClock.now
        #expect(Self.check(Self.loop(waiting: "1m"), workspace: hostile).isEmpty)
        #expect(ContinuousClock.now - started < .seconds(20))
        let reachable = Self.workspace("{ channel: email, max: 100000, per: 520w }")
        let warning = try #require(Self.budget(Self.check(Self.loop(waiting: "1m"), workspace: reachable)).first)
        #expect(warning.notes.count == MessageBudgetRule.notedSends + 2, "the first and last sends, the ones not shown, the cap")
        #expect(warning.notes[5].message == "marketing email numbers 6 to 99995 are sent on the way (not shown)")

        let result = Checker.check(workspace: Self.workspace(), files: [InputFile(path: "c/v1.yaml", bytes: Array("""
            campaign: c
            version: 1
            status: published
            trigger: { event: contact_created }
            repeat: once
            start: news
            steps:
            \(Self.loop(waiting: "1d"))
            """.utf8))])
        let cap = try #require(result.workspace.frequencyCaps.first).value
        let budget = MessageBudget(graph: StepGraph(campaign: result.campaigns[0]), workspace: result.workspace, cap: cap)
        #expect(budget.pathOverTheCap()?.map(\.number) == [1, 2, 3, 4])
        #expect(budget.pathOverTheCap(maximumExpansions: 11) == nil, "three laps expand twelve states, the end included")
        #expect(budget.pathOverTheCap(maximumExpansions: 12)?.count == 4)
    }
}
