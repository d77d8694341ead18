import CampaignRuntime
import Foundation

/// Lowers a checked campaign to the ``FlowDefinition`` both back ends run.
///
/// It assumes the campaign checked without errors: every name resolves, every exit exists, every literal
/// has the type its field needs.
public enum FlowLowering {
    public static func lower(_ campaign: Campaign, workspace: Workspace) -> FlowDefinition {
        let timezone = campaign.timezone?.value ?? "UTC"
        // A checked campaign's zone resolves. Were it not to, date-times without an offset stay unread (as any
        // unreadable text) rather than being read in UTC; the definition keeps the name, which the engine refuses.
        let zone = try? CampaignTimeZone.resolve(timezone).get()
        var indexByID: [String: Int] = [:]
        for (index, step) in campaign.steps.enumerated() where indexByID[step.id.value] == nil {
            indexByID[step.id.value] = index
        }
        let lowering = ExpressionLowering(indexByID: indexByID, timeZone: zone)

        let trigger: FlowTrigger = switch campaign.trigger?.kind {
        case .event(let name, let filter)?: .event(name.value, filter: filter.map(lowering.lower))
        case .schedule(let cron)?: .schedule(cron.value)
        case .dates(let dates)?: .dates(dates.compactMap { instant($0.value, zone: zone) })
        case .manual?, nil: .manual
        case .api?: .api
        }
        let exits: [FlowExit] = campaign.exits.map { exit in
            switch exit.kind {
            case .event(let name, let filter): .event(name.value, filter: filter.map(lowering.lower))
            case .condition(let condition): .condition(lowering.lower(condition))
            }
        }
        var messages: [String: FlowMessage] = [:]
        let states = campaign.steps.map { step in
            if case .send(let send) = step.kind, let message = workspace.messages[send.message.value] {
                messages[send.message.value] = FlowMessage(channel: message.channel, category: message.category,
                                                             transactional: message.isTransactional)
            }
            return FlowState(id: step.id.value, line: step.location.line, note: step.note,
                             step: lowerStep(step, indexByID: indexByID, lowering: lowering, workspace: workspace, zone: zone))
        }
        return FlowDefinition(
            campaign: campaign.id?.value ?? "", version: campaign.version?.value ?? 0,
            status: CampaignStatus(rawValue: campaign.status?.value.rawValue ?? "draft") ?? .draft,
            name: campaign.name, source: campaign.file, timezone: timezone, trigger: trigger,
            audience: campaign.audience.map(lowering.lower), leaveWhenOutOfAudience: campaign.leaveWhenOutOfAudience,
            repeatPolicy: RepeatPolicy(rawValue: campaign.repeatPolicy?.value.rawValue ?? "many") ?? .many,
            exits: exits, start: campaign.start.flatMap { indexByID[$0.value] } ?? 0, states: states, messages: messages)
    }

    private static func lowerStep(_ step: Step, indexByID: [String: Int], lowering: ExpressionLowering,
                                  workspace: Workspace, zone: TimeZone?) -> FlowStep {
        func target(_ label: StepExit.Label) -> Int {
            step.exits.first { $0.label == label }.flatMap { indexByID[$0.target.value] } ?? 0
        }
        let options = step.exits.compactMap { exit -> Int? in
            if case .option = exit.label { return indexByID[exit.target.value] ?? 0 }
            return nil
        }
        let next = target(.next)
        switch step.kind {
        case .send(let send):
            return .send(channel: send.channel, message: send.message.value, approval: send.approval?.value ?? false,
                         optimized: send.sendTime?.value == "optimized", next: next)
        case .update(let assignments):
            return .update(assignments.map { field, node in
                FieldAssignment(field: field.value, value: Self.value(node, type: workspace.fields[field.value]?.type, zone: zone))
            }, next: next)
        case .tags(let add, let remove):
            return .tags(add: add.map(\.value), remove: remove.map(\.value), next: next)
        case .unsubscribe(let channels):
            return .unsubscribe(channels.map(\.value), next: next)
        case .archive:
            return .archive(next: next)
        case .grantPromo(let bank):
            return .grantPromo(bank.value, next: next)
        case .export(let destination, let fields):
            return .export(destination: destination.value, fields: fields.map(\.value), next: next)
        case .postal(let mode):
            return .postal(mode.value, next: next)
        case .wait(let duration):
            return .wait(seconds: duration.value.seconds, next: next)
        case .waitUntil(let window):
            let days = window.days
            switch window.time {
            case .at(let time)?: return .waitUntil(days: days, from: time.minutes, to: nil, next: next)
            case .between(let from, let to)?: return .waitUntil(days: days, from: from.minutes, to: to.minutes, next: next)
            case nil: return .waitUntil(days: days, from: 0, to: nil, next: next)
            }
        case .condition(let condition):
            return .condition(condition.map(lowering.lower) ?? .literal(.bool(false)), then: target(.then), else: target(.else))
        case .branch(let conditions):
            return .branch(zip(conditions, options).map { condition, next in
                FlowOption(condition: condition.map(lowering.lower) ?? .literal(.bool(false)), next: next)
            }, otherwise: target(.otherwise))
        case .split(let weights):
            return .split(zip(weights, options).map { FlowOption(amount: Double($0.value), next: $1) })
        case .test(let test):
            return .test(variants: zip(test.shares, options).map { FlowOption(amount: $0.value, next: $1) },
                         winnerBy: test.winnerBy?.value ?? "opens", decideAfter: test.decideAfter?.value.seconds ?? 0)
        case .distribute(let maxima):
            return .distribute(zip(maxima, options).map { FlowOption(amount: Double($0.value), next: $1) },
                               otherwise: target(.otherwise))
        case .dedupe(let by, let keep):
            return .dedupe(by: by.value, keep: keep.value, next: next)
        case .end(let outcome):
            return .end(outcome.value)
        case .unreadable:
            return .end(.neutral)
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
    /// Nil only when the campaign's zone did not resolve (see ``FlowLowering/lower(_:workspace:)``).
    let timeZone: TimeZone?

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
