import CampaignFlows
import Foundation
import Testing
@testable import CampaignCompiler

/// `trigger:` as a list (v1.2): read with positions, `event.FIELD` typed against every trigger's event, each
/// trigger's `where` against its own, and lowered so that any of them enters.
@Suite struct SeveralTriggersTests {
    /// The fixtures' workspace, with an event whose `total` is text where `purchase`'s is a decimal.
    static let workspace = InputFile(path: "workspace.yaml", bytes: Array(String(decoding: Fixtures.workspace.bytes, as: UTF8.self)
        .replacingOccurrences(of: "events:\n", with: "events:\n  refund: { fields: { total: string, reason: string } }\n").utf8))

    private func check(_ text: String) -> CheckResult {
        Checker.check(workspace: Self.workspace, files: [InputFile(path: "c/v1.yaml", bytes: Array(text.utf8))])
    }

    private static func campaign(trigger: String, condition: String = "contact.orders > 1", exits: String = "  - event: purchase\n    where: event.total > 100\n") -> String {
        "campaign: c\nversion: 1\nstatus: draft\n\(trigger)repeat: many\nexit_when:\n\(exits)start: check\nsteps:\n"
            + "  check: { if: \(condition), then: done, else: done }\n  done: { end: success }\n"
    }

    @Test func aListOfEventTriggersIsReadInOrderWithEachWhere() throws {
        let result = check(Self.campaign(trigger: "trigger:\n  - event: purchase\n    where: event.total > 10\n  - event: refund\n    where: event.reason == \"late\"\n"))
        #expect(result.diagnostics.isEmpty, "\(Fixtures.golden(result.diagnostics))")
        let campaign = try #require(result.campaigns.first)
        #expect(campaign.triggerEvents.map(\.value) == ["purchase", "refund"])
        #expect(campaign.triggerEvents.map(\.location.line) == [5, 7])
        let lowered = CompiledModule.lowered(result)[0].trigger
        #expect(lowered.eventTriggers.map(\.event) == ["purchase", "refund"])
        #expect(lowered.eventTriggers.allSatisfy { $0.filter != nil }, "each trigger keeps its own where")
    }

    @Test func aSingleTriggerInAListOrAloneLowersAsBefore() {
        for trigger in ["trigger: { event: purchase }\n", "trigger:\n  - event: purchase\n"] {
            let result = check(Self.campaign(trigger: trigger))
            #expect(result.diagnostics.isEmpty, "\(Fixtures.golden(result.diagnostics))")
            #expect(CompiledModule.lowered(result).map(\.trigger) == [.event("purchase", filter: nil)])
        }
    }

    @Test func aListRefusesAudienceTriggersBesideOthersAndNeedsOneTrigger() {
        let mixed = check(Self.campaign(trigger: "trigger:\n  - event: purchase\n  - schedule: \"0 8 * * MON\"\n  - { evnt: signup }\n"))
        #expect(Fixtures.golden(mixed.diagnostics) == """
            c/v1.yaml:6:5: error: a 'schedule' trigger enters the whole audience and stands alone; a 'trigger' list holds only event triggers [wrong-type]
            c/v1.yaml:7:5: error: 'trigger' needs one of 'event', 'schedule', 'at', 'manual' or 'api' [missing-key]
            c/v1.yaml:7:7: error: unknown key 'evnt' in 'trigger'; did you mean 'event'? [unknown-key]

            """)
        #expect(Fixtures.golden(check(Self.campaign(trigger: "trigger: []\n")).diagnostics)
                    == "c/v1.yaml:4:10: error: 'trigger' lists no trigger; a campaign needs at least one [missing-key]\n")
        #expect(Fixtures.golden(check(Self.campaign(trigger: "trigger: signup\n")).diagnostics)
                    == "c/v1.yaml:4:10: error: 'trigger' must be a mapping or a list of mappings, found a scalar [wrong-type]\n")
        #expect(check(Self.campaign(trigger: "trigger:\n  - schedule: \"0 8 * * MON\"\n")).diagnostics.isEmpty,
                "one audience trigger in a list is that trigger")
    }

    @Test func eventFieldsAreTypedAgainstEveryTriggersEvent() {
        let trigger = "trigger:\n  - event: purchase\n  - event: refund\n  - event: signup\n"
        #expect(Fixtures.golden(check(Self.campaign(trigger: trigger, condition: "event.totl == 3")).diagnostics) == """
            c/v1.yaml:14:16: error: none of the trigger events ('purchase', 'refund', 'signup') has a field 'totl'; did you mean 'total'? [unknown-name]

            """)
        let twoTypes = check(Self.campaign(trigger: trigger, condition: "event.total == 3"))
        #expect(Fixtures.golden(twoTypes.diagnostics) == """
            c/v1.yaml:14:16: error: 'event.total' is decimal in event 'purchase' but string in event 'refund' [type-mismatch]
                note: c/v1.yaml:5:12: the trigger on 'purchase' is here
                note: c/v1.yaml:6:12: the trigger on 'refund' is here

            """)
        let someLack = check(Self.campaign(trigger: "trigger:\n  - event: refund\n  - event: signup\n  - event: link_clicked\n",
                                           condition: "event.reason == \"late\""))
        #expect(Fixtures.golden(someLack.diagnostics) == """
            c/v1.yaml:14:16: error: 'event.reason' is absent when a contact enters by 'signup', 'link_clicked': those events have no field 'reason' [trigger-event-field]
                note: c/v1.yaml:6:12: the trigger on 'signup' is here
                note: c/v1.yaml:7:12: the trigger on 'link_clicked' is here

            """)
        // The type is still known, so the rest of the condition is checked against it.
        #expect(check(Self.campaign(trigger: "trigger:\n  - event: refund\n  - event: signup\n", condition: "event.reason == 3"))
                    .diagnostics.map(\.rule) == [.triggerEventField, .typeMismatch])
    }

    @Test func eachTriggersWhereReadsItsOwnEvent() {
        let result = check(Self.campaign(trigger: "trigger:\n  - event: refund\n    where: event.reason == \"late\"\n  - event: link_clicked\n    where: event.reason == \"late\"\n"))
        #expect(Fixtures.golden(result.diagnostics) == """
            c/v1.yaml:8:12: error: event 'link_clicked' has no field 'reason' [unknown-name]

            """)
    }

    @Test func exitRulesSeeEveryTrigger() {
        let onTrigger = check(Self.campaign(trigger: "trigger:\n  - event: refund\n  - event: purchase\n", exits: "  - event: purchase\n"))
        #expect(Fixtures.golden(onTrigger.diagnostics) == """
            c/v1.yaml:9:12: error: exit on the trigger's own event 'purchase' with no 'where': every contact would leave at once [exit-on-trigger]
                note: c/v1.yaml:6:12: the trigger is 'purchase' here

            """)
        let noExit = check(Self.campaign(trigger: "trigger:\n  - event: refund\n  - event: purchase\n", exits: "")
            .replacingOccurrences(of: "exit_when:\n", with: ""))
        #expect(Fixtures.golden(noExit.diagnostics) == """
            c/v1.yaml:5:5: error: campaign triggered by 'refund' or 'purchase' with 'repeat: many' declares no 'exit_when' [exit-required]

            """)
    }
}
