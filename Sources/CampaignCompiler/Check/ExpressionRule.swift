import CampaignFlows

/// The expressions of a campaign as ``ExpressionRule`` resolved them, each nil where it does not resolve,
/// and the post-send calls of each condition step.
struct CampaignExpressions {
    var audience: CheckedExpression?
    /// The `where` of each trigger, by its index in ``Campaign/triggers``.
    var triggerFilters: [Int: CheckedExpression] = [:]
    /// The `where` of an event exit or the `when` of a condition exit, by its index in ``Campaign/exits``.
    var exits: [Int: CheckedExpression] = [:]
    /// The goal's `where` (on its event) or `when` (on the contact).
    var goal: CheckedExpression?
    /// The conditions of `if` and `branch` steps, and a `wait_for`'s condition or the `where` of the event it
    /// awaits, by step index, in the order written.
    var conditions: [Int: [CheckedExpression?]] = [:]
    var postSendCalls: [Int: [ExpressionTypeChecker.PostSendCall]] = [:]
}

/// Type-checks every expression of a campaign (audience, trigger filters, exits, the goal, step conditions,
/// what a `wait_for` waits for), warns about conditions that cannot depend on the contact
/// (`constant-condition`; exits have `exit-constant`), resolves them, and gathers the post-send calls of each
/// condition step for ``PostSendRule``.
enum ExpressionRule {
    private static func warnIfConstant(_ condition: Expression, _ what: String, into diagnostics: inout DiagnosticCollector) {
        guard case .bool(let value)? = condition.constantValue else { return }
        diagnostics.emit(.constantCondition, "\(what) \(value ? "always" : "never") holds", at: condition.startLocation)
    }

    static func check(_ campaign: Campaign, workspace: Workspace, into diagnostics: inout DiagnosticCollector) -> CampaignExpressions {
        func payload(_ name: Located<String>) -> ExpressionTypeChecker.Payload? {
            workspace.events[name.value].map { ExpressionTypeChecker.Payload(name: name, fields: $0.fields) }
        }
        // Steps read the payload of whichever trigger entered the contact; an unknown trigger event is
        // reported by `ReferenceRule` and left out here.
        let payloads = campaign.triggerEvents.compactMap(payload)
        let indexByID = campaign.stepIndices
        // A zone that does not resolve is reported by the reader; dates written in its campaign do not resolve.
        let timeZone = campaign.resolvedTimeZone
        func checker(reading events: [ExpressionTypeChecker.Payload]) -> ExpressionTypeChecker {
            ExpressionTypeChecker(workspace: workspace, events: events, steps: campaign.steps, stepIndices: indexByID, timeZone: timeZone)
        }

        var expressions = CampaignExpressions()
        var general = checker(reading: payloads)
        if let audience = campaign.audience {
            expressions.audience = general.checkCondition(audience, "'audience'", into: &diagnostics)
            warnIfConstant(audience, "the audience", into: &diagnostics)
        }
        for (index, trigger) in campaign.triggers.enumerated() {
            // A trigger's `where` reads its own event only.
            guard case .event(let name, let filter?) = trigger.kind, let event = payload(name) else { continue }
            var checker = checker(reading: [event])
            expressions.triggerFilters[index] = checker.checkCondition(filter, "the trigger's 'where'", into: &diagnostics)
            warnIfConstant(filter, "the trigger's 'where'", into: &diagnostics)
        }
        for (index, exit) in campaign.exits.enumerated() {
            switch exit.kind {
            case .event(let name, let filter?):
                if let event = payload(name) {
                    var checker = checker(reading: [event])
                    expressions.exits[index] = checker.checkCondition(filter, "an exit's 'where'", into: &diagnostics)
                }
            case .condition(let condition):
                expressions.exits[index] = general.checkCondition(condition, "an exit's 'when'", into: &diagnostics)
            case .event:
                break
            }
        }
        switch campaign.goal?.awaited {
        case .event(let name, let filter?)?:
            // The goal's `where` reads its own event; an unknown one is `goal-unknown-event`.
            if let event = payload(name) {
                var checker = checker(reading: [event])
                expressions.goal = checker.checkCondition(filter, "the goal's 'where'", into: &diagnostics)
                warnIfConstant(filter, "the goal's 'where'", into: &diagnostics)
            }
        case .condition(let condition)?:
            // A condition on the contact: it is checked on events and profile changes, not on one event's payload.
            var checker = checker(reading: [])
            expressions.goal = checker.checkCondition(condition, "the goal's 'when'", into: &diagnostics)
            warnIfConstant(condition, "the goal's 'when'", into: &diagnostics)
        default:
            break
        }

        for (index, step) in campaign.steps.enumerated() {
            // A missing condition, reported by the reader, stays in its place so that the others keep theirs.
            var conditions: [Expression?] = []
            var events = payloads
            var what = "the condition of step '\(step.id.value)'"
            switch step.kind {
            case .condition(let condition): conditions = [condition]
            case .branch(let written): conditions = written
            case .waitFor(let waitFor):
                switch waitFor.awaited {
                case .condition(let condition)?: conditions = [condition]
                case .event(let name, let filter?)?:
                    // The `where` of a wait_for reads the awaited event, not the trigger's; an unknown event is
                    // reported by `ReferenceRule`.
                    guard let event = payload(name) else { continue }
                    events = [event]
                    conditions = [filter]
                    what = "the 'where' of step '\(step.id.value)'"
                default: break
                }
            default: break
            }
            guard !conditions.isEmpty else { continue }
            var checker = checker(reading: events)
            var resolved: [CheckedExpression?] = []
            for condition in conditions {
                guard let condition else {
                    resolved.append(nil)
                    continue
                }
                resolved.append(checker.checkCondition(condition, what, into: &diagnostics))
                warnIfConstant(condition, what, into: &diagnostics)
            }
            expressions.conditions[index] = resolved
            if !checker.postSendCalls.isEmpty { expressions.postSendCalls[index] = checker.postSendCalls }
        }
        return expressions
    }
}
