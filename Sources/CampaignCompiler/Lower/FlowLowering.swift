import CampaignRuntime
import Foundation

/// Lowers a checked campaign to the ``FlowDefinition`` both back ends run.
///
/// It takes a ``CheckedCampaign``, which only a check without errors yields: every step reference is an
/// index, every required field is there and the zone resolves, so nothing here falls back to a default.
public enum FlowLowering {
    public static func lower(_ campaign: CheckedCampaign, workspace: Workspace) -> FlowDefinition {
        let zone = campaign.timeZone
        let lowering = ExpressionLowering(indexByID: campaign.indexByID, timeZone: zone)

        let triggers: [FlowTrigger] = campaign.triggers.map { trigger in
            switch trigger {
            case .event(let name, let filter): .event(name.value, filter: filter.map(lowering.lower))
            case .schedule(let cron): .schedule(cron.value)
            case .dates(let instants): .dates(instants)
            case .manual: .manual
            case .api: .api
            }
        }
        // Only event triggers come several (the reader refuses the others in a list).
        let trigger = triggers.count == 1 ? triggers[0] : .events(triggers.flatMap(\.eventTriggers))
        let exits: [FlowExit] = campaign.source.exits.map { exit in
            switch exit.kind {
            case .event(let name, let filter): .event(name.value, filter: filter.map(lowering.lower))
            case .condition(let condition): .condition(lowering.lower(condition))
            }
        }
        var messages: [String: FlowMessage] = [:]
        let states = campaign.steps.map { step in
            if case .send(let send, _) = step.kind, let message = workspace.messages[send.message.value] {
                messages[send.message.value] = FlowMessage(channel: message.channel, category: message.category,
                                                             transactional: message.isTransactional)
            }
            return FlowState(id: step.id, line: step.source.location.line, note: step.source.note,
                             step: lowerStep(step.kind, lowering: lowering, workspace: workspace, zone: zone))
        }
        return FlowDefinition(
            campaign: campaign.id, version: campaign.version, status: campaign.status,
            name: campaign.source.name, source: campaign.file, timezone: campaign.timezone, trigger: trigger,
            audience: campaign.source.audience.map(lowering.lower), leaveWhenOutOfAudience: campaign.source.leaveWhenOutOfAudience,
            repeatPolicy: campaign.repeatPolicy, exits: exits, start: campaign.start, states: states, messages: messages)
    }

    private static func lowerStep(_ kind: CheckedStepKind, lowering: ExpressionLowering, workspace: Workspace,
                                  zone: TimeZone) -> FlowStep {
        switch kind {
        case .send(let send, let next):
            return .send(channel: send.channel, message: send.message.value, approval: send.approval?.value ?? false,
                         optimized: send.sendTime?.value == "optimized", next: next)
        case .update(let assignments, let next):
            return .update(assignments.map { field, node in
                FieldAssignment(field: field.value, value: Self.value(node, type: workspace.fields[field.value]?.type, zone: zone))
            }, next: next)
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
            let lowered: FlowAwaited = switch awaited {
            case .condition(let condition): .condition(lowering.lower(condition))
            case .event(let name, let filter): .event(name.value, filter: filter.map(lowering.lower))
            }
            return .waitFor(lowered, within: within.seconds, next: next, timeout: timeout)
        case .condition(let condition, let then, let otherwise):
            return .condition(lowering.lower(condition), then: then, else: otherwise)
        case .branch(let options, let otherwise):
            return .branch(options.map { FlowOption(condition: lowering.lower($0.condition), next: $0.next) }, otherwise: otherwise)
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

    /// A YAML value written for a field of `type` (or guessed from its text when the type is unknown).
    static func value(_ node: YAMLNode, type: ValueType?, zone: TimeZone) -> Value {
        value(node, type: type, zone: Optional(zone))
    }

    /// The instant a date or date-time text stands for: nil when it is not one, or when it has no offset and
    /// there is no zone to read it in.
    static func instant(_ text: String, zone: TimeZone?) -> Double? {
        guard let dateTime = CalendarDateTime.parse(text) else { return nil }
        if let offset = dateTime.offset { return Double(dateTime.wallTime - offset) }
        return zone.map { dateTime.instant(in: $0) }
    }

    private static func value(_ node: YAMLNode, type: ValueType?, zone: TimeZone?) -> Value {
        switch node {
        case .scalar(let scalar):
            if scalar.isNull { return .null }
            let elementType: ValueType? = if case .list(let element)? = type { element } else { type }
            switch elementType {
            case .int?: return scalar.int.map(Value.int) ?? .string(scalar.text)
            case .decimal?: return scalar.number.map(Value.decimal) ?? .string(scalar.text)
            case .bool?: return scalar.bool.map(Value.bool) ?? .string(scalar.text)
            case .date?, .datetime?: return instant(scalar.text, zone: zone).map(Value.instant) ?? .string(scalar.text)
            case .duration?: return CampaignDuration(parsing: scalar.text).map { .duration($0.seconds) } ?? .string(scalar.text)
            case .string?: return .string(scalar.text)
            case .list?, .null?, nil:
                if scalar.style == .plain {
                    if let int = scalar.int { return .int(int) }
                    if let number = scalar.number { return .decimal(number) }
                    if let bool = scalar.bool { return .bool(bool) }
                }
                return .string(scalar.text)
            }
        case .sequence(let items, _):
            let element: ValueType? = if case .list(let element)? = type { element } else { nil }
            return .list(items.map { value($0, type: element, zone: zone) })
        case .mapping:
            return .null
        }
    }
}

/// Lowers checked expressions; step names in post-send calls become state indices.
struct ExpressionLowering {
    let indexByID: [String: Int]
    let timeZone: TimeZone

    func lower(_ expression: Expression) -> FlowExpression {
        switch expression {
        case .literal(let literal, _): return .literal(value(literal))
        case .contactField(let name, _): return .field(name)
        case .eventField(let name, _): return .eventField(name)
        case .name(let name, _), .unknownQualified(_, let name, _): return .literal(.string(name))
        case .list(let items, _): return .list(items.map(lower))
        case .not(let operand, _): return .not(lower(operand))
        case .binary(let op, let left, let right, _):
            switch op {
            case .and: return .and(lower(left), lower(right))
            case .or: return .or(lower(left), lower(right))
            case .in: return .contains(lower(left), lower(right))
            default: return .compare(ComparisonOperator(rawValue: op.rawValue)!, lower(left), lower(right))
            }
        case .call(let call):
            return lowerCall(call)
        }
    }

    private func name(_ argument: Expression.Argument) -> String {
        switch argument.value {
        case .name(let name, _), .literal(.string(let name), _): name
        default: ""
        }
    }

    /// A checked call, one argument per declared parameter: names as written, a send step as its state
    /// index, values lowered, an optional parameter left out as `absent`.
    private func lowerCall(_ call: Expression.Call) -> FlowExpression {
        // The checker refuses unknown functions, so this is never reached on a checked campaign.
        guard let function = ExpressionFunction(rawValue: call.name) else { return .literal(.null) }
        let arguments = call.arguments(for: function.declaration).map { parameter, argument -> FlowArgument in
            guard let argument else { return .absent }
            switch parameter.kind {
            case .name(.sendStep): return .state(indexByID[name(argument)] ?? 0)
            case .name: return .name(name(argument))
            case .value: return .value(lower(argument.value))
            }
        }
        return .call(function, arguments)
    }

    private func value(_ literal: Literal) -> Value {
        switch literal {
        case .string(let text): .string(text)
        case .int(let value): .int(value)
        case .decimal(let value): .decimal(value)
        case .bool(let value): .bool(value)
        case .null: .null
        case .duration(let duration): .duration(duration.seconds)
        case .date(let text), .dateTime(let text): FlowLowering.instant(text, zone: timeZone).map(Value.instant) ?? .null
        }
    }
}
