import Foundation

/// Runs a ``FlowDefinition`` directly, walking its expressions: `campaignc test` and `simulate` use it so that
/// no Swift compile is needed, and the differential tests hold compiled flows to its traces.
public struct FlowInterpreter: CampaignFlow {
    public let definition: FlowDefinition

    public init(_ definition: FlowDefinition) {
        self.definition = definition
    }

    public func step(_ state: Int, _ context: inout FlowContext) -> StepResult {
        let current = definition.states[state]
        switch current.step {
        case .send(let channel, let message, let approval, let optimized, let next):
            return .send(FlowSend(channel: channel, message: message, approval: approval, optimized: optimized), next: next)
        case .update(let assignments, let next):
            return .act(.update(assignments), next: next)
        case .tags(let add, let remove, let next):
            return .act(.tags(add: add, remove: remove), next: next)
        case .unsubscribe(let channels, let next):
            return .act(.unsubscribe(channels), next: next)
        case .archive(let next):
            return .act(.archive, next: next)
        case .grantPromo(let bank, let next):
            return .act(.grantPromo(bank), next: next)
        case .export(let destination, let fields, let next):
            return .act(.export(destination: destination, fields: fields), next: next)
        case .postal(let mode, let next):
            return .act(.postal(mode), next: next)
        case .webhook(let destination, let fields, let next):
            return .act(.webhook(destination: destination, fields: fields), next: next)
        case .wait(let seconds, let next):
            return .wait(until: context.now + Double(seconds), next: next)
        case .waitUntil(let days, let from, let to, let next):
            return .wait(until: context.waitUntil(days: days, from: from, to: to), next: next)
        case .waitFor(_, let within, let next, let timeout):
            return .waitFor(until: context.now + Double(within), next: next, timeout: timeout)
        case .condition(let condition, let then, let otherwise):
            return .go(Self.holds(condition, &context) ? then : otherwise)
        case .branch(let options, let otherwise):
            for option in options where Self.holds(option.condition!, &context) { return .go(option.next) }
            return .go(otherwise)
        case .split(let options):
            return .go(context.splitTarget(current.id, weights: options.map(\.amount), nexts: options.map(\.next)))
        case .test, .distribute, .dedupe, .startCampaign, .exitCampaign:
            return .engine
        case .end(let outcome):
            return .end(outcome)
        }
    }

    public func audience(_ context: inout FlowContext) -> Bool {
        definition.audience.map { Self.holds($0, &context) } ?? true
    }

    public func triggerFilter(_ index: Int, _ context: inout FlowContext) -> Bool {
        let triggers = definition.trigger.eventTriggers
        guard triggers.indices.contains(index) else { return false }  // as compiled flows answer
        return triggers[index].filter.map { Self.holds($0, &context) } ?? true
    }

    public func exitHolds(_ index: Int, _ context: inout FlowContext) -> Bool {
        switch definition.exits[index] {
        case .event(_, let filter): filter.map { Self.holds($0, &context) } ?? true
        case .condition(let condition): Self.holds(condition, &context)
        }
    }

    public func awaitedHolds(_ state: Int, _ context: inout FlowContext) -> Bool {
        guard definition.states.indices.contains(state), case .waitFor(let awaited, _, _, _) = definition.states[state].step
        else { return false }  // as compiled flows answer
        return awaited.expression.map { Self.holds($0, &context) } ?? true
    }

    public func goalHolds(_ context: inout FlowContext) -> Bool {
        guard let goal = definition.goal else { return false }  // as compiled flows answer
        return goal.awaited.expression.map { Self.holds($0, &context) } ?? true
    }

    static func holds(_ expression: FlowExpression, _ context: inout FlowContext) -> Bool {
        evaluate(expression, &context) == .bool(true)
    }

    static func evaluate(_ expression: FlowExpression, _ context: inout FlowContext) -> Value {
        switch expression {
        case .literal(let value): return value
        case .field(let name): return context.field(name)
        case .eventField(let name): return context.eventField(name)
        case .not(let operand): return .bool(!holds(operand, &context))
        case .and(let left, let right): return .bool(holds(left, &context) && holds(right, &context))
        case .or(let left, let right): return .bool(holds(left, &context) || holds(right, &context))
        case .compare(let op, let left, let right):
            let a = evaluate(left, &context), b = evaluate(right, &context)
            switch op {
            case .equal: return .bool(Value.equal(a, b))
            case .notEqual: return .bool(!Value.equal(a, b))
            case .less: return .bool(Value.less(a, b))
            case .lessOrEqual: return .bool(Value.lessOrEqual(a, b))
            case .greater: return .bool(Value.greater(a, b))
            case .greaterOrEqual: return .bool(Value.greaterOrEqual(a, b))
            }
        case .contains(let item, let list):
            return .bool(Value.contained(evaluate(item, &context), in: evaluate(list, &context)))
        case .list(let items):
            return .list(items.map { evaluate($0, &context) })
        case .call(let function, let arguments):
            return call(function, arguments, &context)
        }
    }

    /// The evaluator's case of each language function: its ``FlowContext`` method (the one generated code
    /// calls) on the evaluated arguments. A missing or mistyped argument, which campaignc never writes, reads
    /// as absent rather than trapping.
    static func call(_ function: ExpressionFunction, _ arguments: [FlowArgument], _ context: inout FlowContext) -> Value {
        func argument(_ index: Int) -> FlowArgument { arguments.indices.contains(index) ? arguments[index] : .absent }
        func name(_ index: Int) -> String {
            if case .name(let name) = argument(index) { return name }
            return ""
        }
        func state(_ index: Int) -> Int {
            if case .state(let state) = argument(index) { return state }
            return -1
        }
        func value(_ index: Int) -> Value? {
            if case .value(let expression) = argument(index) { return evaluate(expression, &context) }
            return nil
        }
        switch function {
        case .inGroup: return .bool(context.inGroup(name(0)))
        case .hasPersona: return .bool(context.hasPersona(name(0)))
        case .hasTag: return .bool(context.hasTag(name(0)))
        case .since: return context.since(value(0) ?? .null)
        case .received: return context.received(category: name(0), within: value(1) ?? .null)
        case .engagedWithin: return .bool(context.engagedWithin(value(0) ?? .null))
        case .unopenedStreak: return context.unopenedStreak()
        // A channel campaignc would not write is one the contact never left.
        case .subscribed: return .bool(MessageChannel(rawValue: name(0)).map(context.subscribed) ?? true)
        case .archived: return .bool(context.archived())
        case .delivered: return .bool(context.delivered(state(0)))
        case .opened: return .bool(context.opened(state(0)))
        case .clicked: return .bool(context.clicked(state(0), link: value(1)))
        case .unsubscribedFrom: return .bool(context.unsubscribedFrom(state(0)))
        case .complained: return .bool(context.complained(state(0)))
        }
    }
}
