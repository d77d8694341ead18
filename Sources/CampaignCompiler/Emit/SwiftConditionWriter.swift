import CampaignFlows

extension FlowExpression {
    enum ChainOperator { case and, or }

    /// The operands of the chain of `op` this expression heads, in evaluation order: `a or b or c` gives
    /// `[a, b, c]` however the parser nested it. Walks with a stack, so a long chain costs no recursion.
    func chainOperands(of op: ChainOperator) -> [FlowExpression] {
        func split(_ expression: FlowExpression) -> (FlowExpression, FlowExpression)? {
            switch (op, expression) {
            case (.and, .and(let left, let right)), (.or, .or(let left, let right)): (left, right)
            default: nil
            }
        }
        var operands: [FlowExpression] = []
        var pending = [self]
        while let next = pending.popLast() {
            if let (left, right) = split(next) {
                pending.append(right)
                pending.append(left)
            } else {
                operands.append(next)
            }
        }
        return operands
    }

    /// A literal that is not a number: equality with it needs no numeric conversion.
    var isNonNumericLiteral: Bool {
        if case .literal(let value) = self { return value.number == nil }
        return false
    }
}

/// Writes the lowered form's conditions as Swift expressions that hold exactly when the interpreter's
/// `holds` does, over the `context: inout FlowContext` of the function they appear in. A chain of more
/// than ``flatChainLength`` operands becomes a function of its own, `chainN`, which the flow's type
/// declares from ``functions``.
struct SwiftConditionWriter {
    /// The bodies of `chain0`, `chain1`, ...: one statement a line.
    private(set) var functions: [[String]] = []

    /// A Swift `Bool` expression that holds exactly when the interpreter's `holds` does.
    mutating func condition(_ expression: FlowExpression) -> String {
        switch expression {
        case .not(let operand): return "!\(condition(operand))"
        case .and(let left, let right):
            let operands = expression.chainOperands(of: .and)
            guard operands.count > Self.flatChainLength else { return "(\(condition(left)) && \(condition(right)))" }
            return function(operands.map { "if !(\(condition($0))) { return false }" } + ["return true"])
        case .or(let left, let right):
            let operands = expression.chainOperands(of: .or)
            guard operands.count > Self.flatChainLength else { return "(\(condition(left)) || \(condition(right)))" }
            return function(operands.map { "if \(condition($0)) { return true }" } + ["return false"])
        case .compare(let op, let left, let right) where (op == .equal || op == .notEqual) && (left.isNonNumericLiteral || right.isNonNumericLiteral):
            // Against text, a boolean or null, `Value.equal` is plain equality (only numbers compare across
            // int and decimal), so the generated code compares directly.
            return "(\(value(left)) \(op == .equal ? "==" : "!=") \(value(right)))"
        case .compare(let op, let left, let right):
            let function = switch op {
            case .equal: "Value.equal"
            case .notEqual: "!Value.equal"
            case .less: "Value.less"
            case .lessOrEqual: "Value.lessOrEqual"
            case .greater: "Value.greater"
            case .greaterOrEqual: "Value.greaterOrEqual"
            }
            return "\(function)(\(value(left)), \(value(right)))"
        case .contains(let item, let list): return "Value.contained(\(value(item)), in: \(value(list)))"
        case .call(let function, let arguments) where function.declaration.result == .bool: return call(function, arguments)
        case .literal(.bool(let flag)): return String(flag)
        default: return "((\(value(expression)) as Value) == .bool(true))"
        }
    }

    /// From how many operands on: a chain of `and` or `or` becomes a function of its own.
    static let flatChainLength = 8

    /// A call of a new function whose body is `lines`: a long chain becomes one short `if` an operand,
    /// evaluated in order and stopping as the chain does. The type checker checks each statement alone:
    /// one expression of 300 `||` took it half a second, the same as statements in a closure 1.5 s, as
    /// statements of a function 60 ms. The nesting of the source does not grow with the chain either
    /// (Swift's parser stops at 256 levels).
    private mutating func function(_ lines: [String]) -> String {
        functions.append(lines)
        return "Self.chain\(functions.count - 1)(&context)"
    }

    /// A Swift `Value` expression.
    mutating func value(_ expression: FlowExpression) -> String {
        switch expression {
        case .literal(let literal): return SwiftValuePrinter.value(literal)
        case .field(let name): return "context.field(\(SwiftLiteral.string(name)))"
        case .eventField(let name): return "context.eventField(\(SwiftLiteral.string(name)))"
        case .list(let items):
            var elements: [String] = []
            for item in items { elements.append(value(item)) }
            return ".list([\(elements.joined(separator: ", "))])"
        case .call(let function, let arguments) where function.declaration.result != .bool: return call(function, arguments)
        default: return ".bool(\(condition(expression)))"
        }
    }

    /// A language function's call: the ``FlowContext`` method named after it, with its declared labels; a
    /// bool function's method returns `Bool`, the others' a `Value`.
    private mutating func call(_ function: ExpressionFunction, _ arguments: [FlowArgument]) -> String {
        var written: [String] = []
        for (parameter, argument) in zip(function.declaration.parameters, arguments) {
            let text: String
            switch argument {
            case .name(let name) where parameter.kind == .name(.channel):
                // A channel campaignc would not write is one the contact never left, as the interpreter reads it.
                guard let channel = MessageChannel(rawValue: name) else { return "true" }
                text = SwiftValuePrinter.member(channel)
            case .name(let name): text = SwiftLiteral.string(name)
            case .state(let state): text = String(state)
            case .value(let expression): text = value(expression)
            case .absent: continue
            }
            written.append((parameter.label.map { "\($0): " } ?? "") + text)
        }
        return "context.\(function.swiftName)(\(written.joined(separator: ", ")))"
    }
}
