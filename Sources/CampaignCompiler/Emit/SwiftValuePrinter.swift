import CampaignRuntime

/// Prints runtime values as Swift expressions that rebuild them, for the `lowered` definition embedded in
/// generated files. Strings go through ``SwiftLiteral``.
enum SwiftValuePrinter {
    static func strings(_ items: [String]) -> String { "[" + items.map(SwiftLiteral.string).joined(separator: ", ") + "]" }

    /// A `Double` expression holding exactly `value`: Swift reads back the shortest form `description` gives;
    /// infinities and NaN, which have no literal, are spelled as the type's members.
    static func double(_ value: Double) -> String {
        if value.isNaN { return "Double.nan" }
        if value.isInfinite { return value < 0 ? "-Double.infinity" : "Double.infinity" }
        return "\(value)"
    }

    static func value(_ value: Value) -> String {
        switch value {
        case .null: ".null"
        case .bool(let flag): ".bool(\(flag))"
        case .int(let number): ".int(\(number))"
        case .decimal(let number): ".decimal(\(double(number)))"
        case .string(let text): ".string(\(SwiftLiteral.string(text)))"
        case .instant(let seconds): ".instant(\(double(seconds)))"
        case .duration(let seconds): ".duration(\(seconds))"
        case .list(let items): ".list([\(items.map(Self.value).joined(separator: ", "))])"
        }
    }

    static func comparison(_ op: ComparisonOperator) -> String {
        switch op {
        case .equal: "equal"
        case .notEqual: "notEqual"
        case .less: "less"
        case .lessOrEqual: "lessOrEqual"
        case .greater: "greater"
        case .greaterOrEqual: "greaterOrEqual"
        }
    }

    static func expression(_ expression: FlowExpression) -> String {
        switch expression {
        case .literal(let literal): ".literal(\(value(literal)))"
        case .field(let name): ".field(\(SwiftLiteral.string(name)))"
        case .eventField(let name): ".eventField(\(SwiftLiteral.string(name)))"
        case .not(let operand): ".not(\(Self.expression(operand)))"
        case .and, .or: chain(expression)
        case .compare(let op, let left, let right): ".compare(.\(comparison(op)), \(Self.expression(left)), \(Self.expression(right)))"
        case .contains(let item, let list): ".contains(\(Self.expression(item)), \(Self.expression(list)))"
        case .list(let items): ".list([\(items.map(Self.expression).joined(separator: ", "))])"
        case .call(let function, let arguments): ".call(.\(function.swiftName), [\(arguments.map(argument).joined(separator: ", "))])"
        }
    }

    static func argument(_ argument: FlowArgument) -> String {
        switch argument {
        case .name(let name): ".name(\(SwiftLiteral.string(name)))"
        case .state(let state): ".state(\(state))"
        case .value(let value): ".value(\(expression(value)))"
        case .absent: ".absent"
        }
    }

    /// An `and` or `or`, rebuilt to the same tree. A long chain along the left (as the parser builds `a or b
    /// or c`) or the right is printed flat, as a fold over an array of its operands, so that its nesting in
    /// the generated source does not grow with its length (Swift's parser stops at 256 levels).
    private static func chain(_ expression: FlowExpression) -> String {
        let name: String
        func split(_ expression: FlowExpression) -> (FlowExpression, FlowExpression)? {
            switch expression {
            case .and(let left, let right) where name == "and": (left, right)
            case .or(let left, let right) where name == "or": (left, right)
            default: nil
            }
        }
        if case .and = expression { name = "and" } else { name = "or" }
        var rights: [FlowExpression] = []
        var leftmost = expression
        while let (left, right) = split(leftmost) {
            rights.append(right)
            leftmost = left
        }
        if rights.count >= flatChainLength {
            let operands = rights.reversed().map { Self.expression($0) }.joined(separator: ", ")
            return "([\(operands)] as [FlowExpression]).reduce(\(Self.expression(leftmost)), FlowExpression.\(name))"
        }
        var lefts: [FlowExpression] = []
        var rightmost = expression
        while let (left, right) = split(rightmost) {
            lefts.append(left)
            rightmost = right
        }
        if lefts.count >= flatChainLength {
            let operands = lefts.reversed().map { Self.expression($0) }.joined(separator: ", ")
            return "([\(operands)] as [FlowExpression]).reduce(\(Self.expression(rightmost))) { FlowExpression.\(name)($1, $0) }"
        }
        guard let (left, right) = split(expression) else { return Self.expression(expression) }
        return ".\(name)(\(Self.expression(left)), \(Self.expression(right)))"
    }

    /// From how many operators on: a chain printed flat rather than nested.
    static let flatChainLength = 8

    static func option(_ option: FlowOption) -> String {
        "FlowOption(amount: \(double(option.amount)), condition: \(option.condition.map(expression) ?? "nil"), next: \(option.next))"
    }

    static func step(_ step: FlowStep) -> String {
        switch step {
        case .send(let channel, let message, let approval, let optimized, let next):
            ".send(channel: \(SwiftLiteral.string(channel)), message: \(SwiftLiteral.string(message)), approval: \(approval), optimized: \(optimized), next: \(next))"
        case .update(let assignments, let next):
            ".update([\(assignments.map { "FieldAssignment(field: \(SwiftLiteral.string($0.field)), value: \(value($0.value)))" }.joined(separator: ", "))], next: \(next))"
        case .tags(let add, let remove, let next): ".tags(add: \(strings(add)), remove: \(strings(remove)), next: \(next))"
        case .unsubscribe(let channels, let next): ".unsubscribe(\(strings(channels)), next: \(next))"
        case .archive(let next): ".archive(next: \(next))"
        case .grantPromo(let bank, let next): ".grantPromo(\(SwiftLiteral.string(bank)), next: \(next))"
        case .export(let destination, let fields, let next): ".export(destination: \(SwiftLiteral.string(destination)), fields: \(strings(fields)), next: \(next))"
        case .postal(let mode, let next): ".postal(\(SwiftLiteral.string(mode)), next: \(next))"
        case .wait(let seconds, let next): ".wait(seconds: \(seconds), next: \(next))"
        case .waitUntil(let days, let from, let to, let next): ".waitUntil(days: \(days), from: \(from), to: \(to.map(String.init) ?? "nil"), next: \(next))"
        case .condition(let condition, let then, let otherwise): ".condition(\(expression(condition)), then: \(then), else: \(otherwise))"
        case .branch(let options, let otherwise): ".branch([\(options.map(option).joined(separator: ", "))], otherwise: \(otherwise))"
        case .split(let options): ".split([\(options.map(option).joined(separator: ", "))])"
        case .test(let variants, let winnerBy, let decideAfter): ".test(variants: [\(variants.map(option).joined(separator: ", "))], winnerBy: \(SwiftLiteral.string(winnerBy)), decideAfter: \(decideAfter))"
        case .distribute(let buckets, let otherwise): ".distribute([\(buckets.map(option).joined(separator: ", "))], otherwise: \(otherwise))"
        case .dedupe(let by, let keep, let next): ".dedupe(by: \(SwiftLiteral.string(by)), keep: \(SwiftLiteral.string(keep)), next: \(next))"
        case .end(let outcome): ".end(\(SwiftLiteral.string(outcome)))"
        }
    }

    /// The whole definition, one state per line.
    static func definition(_ d: FlowDefinition) -> String {
        let trigger: String = switch d.trigger {
        case .event(let name, let filter): ".event(\(SwiftLiteral.string(name)), filter: \(filter.map(expression) ?? "nil"))"
        case .schedule(let cron): ".schedule(\(SwiftLiteral.string(cron)))"
        case .dates(let dates): ".dates([\(dates.map(double).joined(separator: ", "))])"
        case .manual: ".manual"
        case .api: ".api"
        }
        let exits = d.exits.map { exit in
            switch exit {
            case .event(let name, let filter): ".event(\(SwiftLiteral.string(name)), filter: \(filter.map(expression) ?? "nil"))"
            case .condition(let condition): ".condition(\(expression(condition)))"
            }
        }
        let states = d.states.map { state in
            let note = state.note.map { ", note: \(SwiftLiteral.string($0))" } ?? ""
            return "        FlowState(id: \(SwiftLiteral.string(state.id)), line: \(state.line)\(note), step: \(step(state.step))),"
        }
        let messages = d.messages.keys.sorted().map { key in
            "        \(SwiftLiteral.string(key)): FlowMessage(channel: \(SwiftLiteral.string(d.messages[key]!.channel)), category: \(d.messages[key]!.category.map(SwiftLiteral.string) ?? "nil")\(d.messages[key]!.transactional ? ", transactional: true" : "")),"
        }
        return """
            FlowDefinition(
                campaign: \(SwiftLiteral.string(d.campaign)), version: \(d.version), status: .\(d.status.rawValue),
                name: \(d.name.map(SwiftLiteral.string) ?? "nil"), source: \(SwiftLiteral.string(d.source)),
                timezone: \(SwiftLiteral.string(d.timezone)), trigger: \(trigger),
                audience: \(d.audience.map(expression) ?? "nil"),
                leaveWhenOutOfAudience: \(d.leaveWhenOutOfAudience), repeatPolicy: .\(d.repeatPolicy == .afterExit ? "afterExit" : d.repeatPolicy.rawValue),
                exits: [\(exits.joined(separator: ", "))],
                start: \(d.start),
                states: [
            \(states.joined(separator: "\n"))
                ],
                messages: [\(messages.isEmpty ? ":" : "\n" + messages.joined(separator: "\n") + "\n    ")])
            """
    }
}
