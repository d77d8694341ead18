/// Type-checks every expression of a campaign (audience, trigger filters, exits, step conditions, what a
/// `wait_for` waits for), warns
/// about conditions that cannot depend on the contact (`constant-condition`; exits have `exit-constant`),
/// and gathers the post-send calls of each condition step for ``PostSendRule``.
enum ExpressionRule {
    private static func warnIfConstant(_ condition: Expression, _ what: String, into diagnostics: inout DiagnosticCollector) {
        guard case .bool(let value)? = condition.constantValue else { return }
        diagnostics.emit(.constantCondition, "\(what) \(value ? "always" : "never") holds", at: condition.startLocation)
    }

    static func check(_ campaign: Campaign, workspace: Workspace,
                      into diagnostics: inout DiagnosticCollector) -> [Int: [ExpressionTypeChecker.PostSendCall]] {
        func payload(_ name: Located<String>) -> ExpressionTypeChecker.Payload? {
            workspace.events[name.value].map { ExpressionTypeChecker.Payload(name: name, fields: $0.fields) }
        }
        // Steps read the payload of whichever trigger entered the contact; an unknown trigger event is
        // reported by `ReferenceRule` and left out here.
        let payloads = campaign.triggerEvents.compactMap(payload)
        var stepsByID: [String: Step] = [:]
        stepsByID.reserveCapacity(campaign.steps.count)
        for step in campaign.steps where stepsByID[step.id.value] == nil { stepsByID[step.id.value] = step }

        var general = ExpressionTypeChecker(workspace: workspace, events: payloads, steps: stepsByID)
        if let audience = campaign.audience {
            general.checkCondition(audience, "'audience'", into: &diagnostics)
            warnIfConstant(audience, "the audience", into: &diagnostics)
        }
        for trigger in campaign.triggers {
            // A trigger's `where` reads its own event only.
            guard case .event(let name, let filter?) = trigger.kind, let event = payload(name) else { continue }
            var checker = ExpressionTypeChecker(workspace: workspace, events: [event], steps: stepsByID)
            checker.checkCondition(filter, "the trigger's 'where'", into: &diagnostics)
            warnIfConstant(filter, "the trigger's 'where'", into: &diagnostics)
        }
        for exit in campaign.exits {
            switch exit.kind {
            case .event(let name, let filter?):
                if let event = payload(name) {
                    var checker = ExpressionTypeChecker(workspace: workspace, events: [event], steps: stepsByID)
                    checker.checkCondition(filter, "an exit's 'where'", into: &diagnostics)
                }
            case .condition(let condition):
                general.checkCondition(condition, "an exit's 'when'", into: &diagnostics)
            case .event:
                break
            }
        }

        var calls: [Int: [ExpressionTypeChecker.PostSendCall]] = [:]
        for (index, step) in campaign.steps.enumerated() {
            if case .waitFor(let waitFor) = step.kind, case .event(let name, let filter?)? = waitFor.awaited {
                // The `where` of a wait_for reads the awaited event, not the trigger's.
                if let event = payload(name) {
                    var checker = ExpressionTypeChecker(workspace: workspace, events: [event], steps: stepsByID)
                    checker.checkCondition(filter, "the 'where' of step '\(step.id.value)'", into: &diagnostics)
                    warnIfConstant(filter, "the 'where' of step '\(step.id.value)'", into: &diagnostics)
                    if !checker.postSendCalls.isEmpty { calls[index] = checker.postSendCalls }
                }
                continue
            }
            let conditions: [Expression] = switch step.kind {
            case .condition(let condition?): [condition]
            case .branch(let conditions): conditions.compactMap { $0 }
            case .waitFor(let waitFor): if case .condition(let condition)? = waitFor.awaited { [condition] } else { [] }
            default: []
            }
            guard !conditions.isEmpty else { continue }
            var checker = ExpressionTypeChecker(workspace: workspace, events: payloads, steps: stepsByID)
            for condition in conditions {
                checker.checkCondition(condition, "the condition of step '\(step.id.value)'", into: &diagnostics)
                warnIfConstant(condition, "the condition of step '\(step.id.value)'", into: &diagnostics)
            }
            if !checker.postSendCalls.isEmpty { calls[index] = checker.postSendCalls }
        }
        return calls
    }
}
