import CampaignFlows
import Foundation
import Testing

@testable import CampaignCompiler

/// The typed hand-off: a check without errors yields every expression resolved and typed and every
/// `update_contact` value read, and resolution refuses what it cannot resolve rather than guess.
@Suite struct CheckedCampaignTests {
    static let campaign = """
        campaign: typed
        version: 1
        status: published
        timezone: Europe/Paris
        trigger: { event: purchase, where: 'event.total >= 20' }
        audience: 'contact.created_at < 2026-01-01 and in_group(vip)'
        exit_when:
          - when: 'subscribed(sms) == false'
        start: send
        steps:
          send:   { send_email: welcome, next: update }
          update: { update_contact: { score: 5, tags: [a, b], gender: ~ }, next: wait }
          wait:   { wait: 2d, next: check }
          check:  { if: 'opened(send) and contact.score in [1, 2]', then: won, else: lost }
          won:    { end: success }
          lost:   { end: failure }
        """

    static func check() -> CheckResult {
        Checker.check(workspace: Fixtures.workspace, files: [InputFile(path: "typed/v1.yaml", bytes: Array(campaign.utf8))])
    }

    @Test func everyExpressionIsResolvedAndTyped() throws {
        let result = Self.check()
        #expect(result.diagnostics.isEmpty, "\(Fixtures.golden(result.diagnostics))")
        let checked = try #require(result.checked.first)

        guard case .event(_, let filter?) = try #require(checked.triggers.first) else {
            Issue.record("the trigger lost its filter")
            return
        }
        #expect(filter == .compare(.greaterOrEqual, .eventField("total", .decimal), .literal(.int(20), .int)))

        // The date has no offset: it is midnight in Paris, an hour before midnight UTC.
        #expect(checked.audience == .and(
            .compare(.less, .contactField("created_at", .datetime), .literal(.instant(1_767_222_000), .date)),
            .call(.inGroup, [.name("vip")])))

        guard case .condition(let exit) = try #require(checked.exits.first) else {
            Issue.record("the exit is not a condition")
            return
        }
        #expect(exit == .compare(.equal, .call(.subscribed, [.name("sms")]), .literal(.bool(false), .bool)))

        guard case .condition(let condition, let then, let otherwise) = checked.steps[3].kind else {
            Issue.record("step 'check' is not a condition")
            return
        }
        let list = CheckedExpression.list([.literal(.int(1), .int), .literal(.int(2), .int)], element: .int)
        #expect(condition == .and(.call(.opened, [.sendStep(0)]), .contains(.contactField("score", .int), list: list)))
        #expect(condition.type == .bool && list.type == .list(.int))
        #expect((then, otherwise) == (4, 5))
    }

    @Test func updateValuesAreReadAsTheirFieldsTypes() throws {
        let checked = try #require(Self.check().checked.first)
        guard case .update(let assignments, _) = checked.steps[1].kind else {
            Issue.record("step 'update' is not an update")
            return
        }
        #expect(assignments == [FieldAssignment(field: "score", value: .int(5)),
                                FieldAssignment(field: "tags", value: .list([.string("a"), .string("b")])),
                                FieldAssignment(field: "gender", value: .null)])
    }

    @Test func aSendCarriesItsMessage() throws {
        let checked = try #require(Self.check().checked.first)
        guard case .send(let send, let message, let next) = checked.steps[0].kind else {
            Issue.record("step 'send' is not a send")
            return
        }
        #expect(send == FlowSend(channel: .email, message: "welcome"))
        #expect(message == FlowMessage(channel: .email, category: "welcome"))
        #expect(next == 1)
    }

    /// Expressions the rule did not resolve are refused, not lowered with a stand-in.
    @Test func anExpressionLeftUnresolvedIsRefused() throws {
        let result = Self.check()
        let campaign = try #require(result.campaigns.first)
        var diagnostics = DiagnosticCollector()
        let expressions = ExpressionRule.check(campaign, workspace: result.workspace, into: &diagnostics)
        #expect(throws: Never.self) {
            try CheckedCampaign(resolving: campaign, expressions: expressions, workspace: result.workspace)
        }
        var withoutCondition = expressions
        withoutCondition.conditions[3] = [nil]
        #expect(throws: UnresolvedCampaign.self) {
            try CheckedCampaign(resolving: campaign, expressions: withoutCondition, workspace: result.workspace)
        }
        var withoutAudience = expressions
        withoutAudience.audience = nil
        #expect(throws: UnresolvedCampaign.self) {
            try CheckedCampaign(resolving: campaign, expressions: withoutAudience, workspace: result.workspace)
        }
    }

    /// A value the field checker let through but that does not read as the field's type is refused.
    @Test func aFieldValueThatDoesNotReadIsNone() {
        let zone = TimeZone(identifier: "UTC")!
        let scalar = YAMLNode.scalar(YAMLScalar(text: "soon", style: .plain, location: .start(of: "x.yaml")))
        #expect(FieldValueChecker.value(scalar, as: .datetime, zone: zone) == nil)
        #expect(FieldValueChecker.value(scalar, as: .int, zone: zone) == nil)
        #expect(FieldValueChecker.value(scalar, as: .string, zone: zone) == .string("soon"))
        #expect(FieldValueChecker.value(scalar, as: .list(.string), zone: zone) == nil)
    }
}
