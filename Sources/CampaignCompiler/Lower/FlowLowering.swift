import CampaignFlows
import Foundation

/// Lowers a checked campaign to the ``FlowDefinition`` both back ends run.
///
/// It takes a ``CheckedCampaign``, which only a check without errors yields: every step reference is an
/// index, every required field is there, every expression is resolved and typed and every field value
/// read, so lowering is total and nothing here falls back to a default.
public enum FlowLowering {
    public static func lower(_ campaign: CheckedCampaign) -> FlowDefinition {
        let triggers: [FlowTrigger] = campaign.triggers.map { trigger in
            switch trigger {
            case .event(let name, let filter): .event(name.value, filter: filter.map(lower))
            case .schedule(let cron): .schedule(cron.value)
            case .dates(let instants): .dates(instants)
            case .manual: .manual
            case .api: .api
            }
        }
        // Only event triggers come several (the reader refuses the others in a list).
        let trigger = triggers.count == 1 ? triggers[0] : .events(triggers.flatMap(\.eventTriggers))
        let exits: [FlowExit] = campaign.exits.map { exit in
            switch exit {
            case .event(let name, let filter): .event(name.value, filter: filter.map(lower))
            case .condition(let condition): .condition(lower(condition))
            }
        }
        var messages: [String: FlowMessage] = [:]
        let states = campaign.steps.map { step in
            if case .send(let send, let message, _) = step.kind { messages[send.message] = message }
            return FlowState(id: step.id, line: step.source.location.line, note: step.source.note, step: lowerStep(step.kind))
        }
        return FlowDefinition(
            campaign: campaign.id, version: campaign.version, status: campaign.status,
            name: campaign.source.name, source: campaign.file, timezone: campaign.timezone,
            contactTimezoneField: campaign.contactTimezoneField, trigger: trigger,
            audience: campaign.audience.map(lower), leaveWhenOutOfAudience: campaign.source.leaveWhenOutOfAudience,
            repeatPolicy: campaign.repeatPolicy, exits: exits, holdout: campaign.holdout,
            goal: campaign.goal.map { FlowGoal(awaited: lower($0.awaited), within: $0.within.seconds, exit: $0.exit) },
            start: campaign.start, states: states, messages: messages)
    }

    /// A `wait_for`'s or a goal's event and `where`, or condition, in the lowered form.
    private static func lower(_ awaited: CheckedAwaited) -> FlowAwaited {
        switch awaited {
        case .condition(let condition): .condition(lower(condition))
        case .event(let name, let filter): .event(name.value, filter: filter.map(lower))
        }
    }

    private static func lowerStep(_ kind: CheckedStepKind) -> FlowStep {
        switch kind {
        case .send(let send, _, let next):
            return .send(channel: send.channel, message: send.message, approval: send.approval, optimized: send.optimized, next: next)
        case .update(let assignments, let next):
            return .update(assignments, next: next)
        case .tags(let add, let remove, let next):
            return .tags(add: add.map(\.value), remove: remove.map(\.value), next: next)
        case .unsubscribe(let channels, let next):
            return .unsubscribe(channels.map(\.value), next: next)
        case .archive(let next):
            return .archive(next: next)
        case .grantPromo(let bank, let next):
            return .grantPromo(bank.value, next: next)
        case .export(let destination, let fields, let next):
            return .export(destination: destination.value, fields: fields.map(\.value), next: next)
        case .webhook(let destination, let fields, let next):
            return .webhook(destination: destination.value, fields: fields.map(\.value), next: next)
        case .startCampaign(let campaign, let next):
            return .startCampaign(campaign.value, next: next)
        case .exitCampaign(let campaign, let next):
            return .exitCampaign(campaign.value, next: next)
        case .postal(let mode, let next):
            return .postal(mode.value, next: next)
        case .wait(let duration, let next):
            return .wait(seconds: duration.seconds, next: next)
        case .waitUntil(let days, let time, let next):
            switch time {
            case .at(let time): return .waitUntil(days: days, from: time.minutes, to: nil, next: next)
            case .between(let from, let to): return .waitUntil(days: days, from: from.minutes, to: to.minutes, next: next)
            }
        case .waitFor(let awaited, let within, let next, let timeout):
            return .waitFor(lower(awaited), within: within.seconds, next: next, timeout: timeout)
        case .condition(let condition, let then, let otherwise):
            return .condition(lower(condition), then: then, else: otherwise)
        case .branch(let options, let otherwise):
            return .branch(options.map { FlowOption(condition: lower($0.condition), next: $0.next) }, otherwise: otherwise)
        case .split(let options):
            return .split(options.map { FlowOption(amount: Double($0.weight), next: $0.next) })
        case .test(let variants, let winnerBy, let decideAfter):
            return .test(variants: variants.map { FlowOption(amount: $0.share, next: $0.next) },
                         winnerBy: winnerBy, decideAfter: decideAfter.seconds)
        case .distribute(let options, let otherwise):
            return .distribute(options.map { FlowOption(amount: Double($0.maximum), next: $0.next) }, otherwise: otherwise)
        case .dedupe(let by, let keep, let next):
            return .dedupe(by: by.value, keep: keep.value, next: next)
        case .end(let outcome):
            return .end(outcome)
        }
    }

    /// A checked expression in the lowered form: node for node, a send step as its state index.
    static func lower(_ expression: CheckedExpression) -> FlowExpression {
        switch expression {
        case .literal(let value, _): .literal(value)
        case .contactField(let name, _): .field(name)
        case .eventField(let name, _): .eventField(name)
        case .list(let items, _): .list(items.map(lower))
        case .not(let operand): .not(lower(operand))
        case .and(let left, let right): .and(lower(left), lower(right))
        case .or(let left, let right): .or(lower(left), lower(right))
        case .compare(let op, let left, let right): .compare(op, lower(left), lower(right))
        case .contains(let item, let list): .contains(lower(item), lower(list))
        case .call(let function, let arguments):
            .call(function, arguments.map { argument in
                switch argument {
                case .name(let name): .name(name)
                case .sendStep(let index): .state(index)
                case .value(let value): .value(lower(value))
                case .absent: .absent
                }
            })
        }
    }
}
