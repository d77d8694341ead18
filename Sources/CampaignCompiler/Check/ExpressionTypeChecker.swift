import CampaignFlows
import Foundation

/// Type-checks expressions against the workspace: names exist, operand types agree, literals lie inside a
/// field's `values`, and functions get the arguments they take. On the way it resolves each expression to
/// a ``CheckedExpression``, the typed form lowering reads.
///
/// A node whose type cannot be known because of an earlier error has type `nil`, which silences follow-on
/// diagnostics about it.
struct ExpressionTypeChecker {
    /// An expression as checked: its type, nil where an error leaves it unknown, and its resolved form, nil
    /// where some part of it does not resolve (an unknown name, a missing argument, a date in a zone that
    /// does not resolve: each reported, here or by another rule).
    struct Checked {
        var type: ValueType?
        var resolved: CheckedExpression?

        /// Nothing known: an error was reported.
        static let unknown = Checked(type: nil, resolved: nil)
    }

    /// A call to a post-send function (`opened(email_f)`), for the post-send rules.
    struct PostSendCall {
        var function: ExpressionFunction
        var step: Located<String>
        var location: SourceLocation
    }

    /// An event whose payload `event.FIELD` may read: its name for messages, and where it is named (a
    /// trigger or exit), for notes.
    struct Payload {
        var name: Located<String>
        var fields: [String: ValueType]
    }

    let workspace: Workspace
    /// The payloads `event.FIELD` may read: none outside events, one for an exit's `where` or a single
    /// trigger, several where any of several event triggers entered the contact.
    let events: [Payload]
    /// The campaign's steps, for post-send functions.
    let steps: [Step]
    /// Step indices by step id (the first step of an id).
    let stepIndices: [String: Int]
    /// The campaign's zone, in which date literals without an offset are read; nil when it does not resolve.
    let timeZone: TimeZone?
    private(set) var postSendCalls: [PostSendCall] = []

    init(workspace: Workspace, events: [Payload], steps: [Step], stepIndices: [String: Int], timeZone: TimeZone?) {
        self.workspace = workspace
        self.events = events
        self.steps = steps
        self.stepIndices = stepIndices
        self.timeZone = timeZone
    }

    /// Checks a condition, which must be a bool, and gives it resolved (nil when it does not resolve).
    mutating func checkCondition(_ expression: Expression, _ what: String, into diagnostics: inout DiagnosticCollector) -> CheckedExpression? {
        let checked = check(expression, &diagnostics)
        if let type = checked.type, type != .bool {
            diagnostics.emit(.typeMismatch, "\(what) must be a bool condition, found a value of type \(type)",
                             at: expression.location)
        }
        return checked.resolved
    }

    /// The expression's type and resolved form, reporting problems on the way.
    mutating func check(_ expression: Expression, _ diagnostics: inout DiagnosticCollector) -> Checked {
        switch expression {
        case .literal(let literal, _):
            return Checked(type: literal.type, resolved: value(of: literal).map { .literal($0, literal.type) })
        case .contactField(let name, let location):
            guard let field = workspace.fields[name] else {
                diagnostics.emit(.unknownName, "unknown contact field '\(name)'"
                                 + workspace.didYouMeanField(name), at: location)
                return .unknown
            }
            return Checked(type: field.type, resolved: .contactField(name, field.type))
        case .eventField(let name, let location):
            let type = eventFieldType(name, at: location, &diagnostics)
            return Checked(type: type, resolved: type.map { .eventField(name, $0) })
        case .name(let name, let location):
            diagnostics.emit(.unknownName, "unknown name '\(name)'; fields are written 'contact.\(name)' or 'event.\(name)', text in quotes",
                             at: location)
            return .unknown
        case .unknownQualified(let prefix, _, let location):
            diagnostics.emit(.unknownName, "unknown name '\(prefix)'; only 'contact' and 'event' have fields"
                             + Suggestions.didYouMean(prefix, in: ["contact", "event"]), at: location)
            return .unknown
        case .list(let items, _):
            var element: ValueType?
            var resolved: [CheckedExpression]? = []
            for item in items {
                let checked = check(item, &diagnostics)
                if let item = checked.resolved { resolved?.append(item) } else { resolved = nil }
                guard let type = checked.type else { continue }
                if let known = element, !known.isComparable(with: type) {
                    diagnostics.emit(.typeMismatch, "list items must share one type; found \(known) and \(type)", at: item.location)
                } else if element == nil || element == .null {
                    element = type
                }
            }
            return Checked(type: .list(element ?? .null), resolved: resolved.map { .list($0, element: element ?? .null) })
        case .not(let operand, let location):
            let checked = check(operand, &diagnostics)
            if let type = checked.type, type != .bool {
                diagnostics.emit(.typeMismatch, "'not' needs a bool, found \(type)", at: location)
            }
            return Checked(type: .bool, resolved: checked.resolved.map(CheckedExpression.not))
        case .binary(let op, let left, let right, let location):
            return checkBinary(op, left, right, location, &diagnostics)
        case .call(let call):
            return checkCall(call, &diagnostics)
        }
    }

    /// A literal's runtime value: a date or date-time is the instant it names, read in the campaign's zone
    /// when it has no offset (nil when the zone does not resolve or the text is no date).
    private func value(of literal: Literal) -> Value? {
        switch literal {
        case .string(let text): .string(text)
        case .int(let value): .int(value)
        case .decimal(let value): .decimal(value)
        case .bool(let value): .bool(value)
        case .null: .null
        case .duration(let duration): .duration(duration.seconds)
        case .date(let text), .dateTime(let text): timeZone.flatMap { Value.parseInstant(text, timeZone: $0) }.map(Value.instant)
        }
    }

    private mutating func checkBinary(_ op: BinaryOperator, _ left: Expression, _ right: Expression,
                                      _ location: SourceLocation, _ diagnostics: inout DiagnosticCollector) -> Checked {
        let leftChecked = check(left, &diagnostics)
        let rightChecked = check(right, &diagnostics)
        var resolved: CheckedExpression?
        if let a = leftChecked.resolved, let b = rightChecked.resolved {
            resolved = switch op {
            case .and: .and(a, b)
            case .or: .or(a, b)
            case .in: .contains(a, list: b)
            case .equal: .compare(.equal, a, b)
            case .notEqual: .compare(.notEqual, a, b)
            case .less: .compare(.less, a, b)
            case .lessOrEqual: .compare(.lessOrEqual, a, b)
            case .greater: .compare(.greater, a, b)
            case .greaterOrEqual: .compare(.greaterOrEqual, a, b)
            }
        }
        let checked = Checked(type: .bool, resolved: resolved)
        guard let leftType = leftChecked.type, let rightType = rightChecked.type else { return checked }
        switch op {
        case .and, .or:
            for (side, type) in [(left, leftType), (right, rightType)] where type != .bool {
                diagnostics.emit(.typeMismatch, "'\(op.rawValue)' needs bool operands, found \(type)", at: side.location)
            }
        case .equal, .notEqual:
            if !leftType.isComparable(with: rightType) {
                diagnostics.emit(.typeMismatch, "cannot compare \(leftType) with \(rightType) using '\(op.rawValue)'", at: location)
            } else {
                checkAllowedValue(left, right, &diagnostics)
                checkAllowedValue(right, left, &diagnostics)
            }
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            if !leftType.isComparable(with: rightType) {
                diagnostics.emit(.typeMismatch, "cannot compare \(leftType) with \(rightType) using '\(op.rawValue)'", at: location)
            } else if !leftType.isOrdered || !rightType.isOrdered {
                let unordered = leftType.isOrdered ? rightType : leftType
                diagnostics.emit(.typeMismatch, "'\(op.rawValue)' needs numbers, durations or dates, found \(unordered)", at: location)
            }
        case .in:
            guard case .list(let element) = rightType else {
                diagnostics.emit(.typeMismatch, "'in' needs a list on its right, found \(rightType)", at: right.location)
                return checked
            }
            if !leftType.isComparable(with: element) {
                diagnostics.emit(.typeMismatch, "cannot look for \(leftType) in a list of \(element)", at: location)
            } else if case .list(let items, _) = right {
                for item in items { checkAllowedValue(left, item, &diagnostics) }
            }
        }
        return checked
    }

    /// `value-not-allowed`: a string or int literal compared with a field that declares `values`.
    private func checkAllowedValue(_ field: Expression, _ value: Expression, _ diagnostics: inout DiagnosticCollector) {
        guard case .contactField(let name, _) = field, let allowed = workspace.fields[name]?.allowedValues,
              case .literal(let literal, let location) = value else { return }
        let text: String
        switch literal {
        case .string(let string): text = string
        case .int(let int): text = String(int)
        default: return
        }
        if !allowed.contains(text) {
            diagnostics.emit(.valueNotAllowed, "'\(text)' is not a value of contact field '\(name)' (\(allowed.joined(separator: ", ")))"
                             + Suggestions.didYouMean(text, in: allowed), at: location)
        }
    }

    /// A call against its function's declaration (``ExpressionFunction/declaration``): arguments without a
    /// label fill the positional parameters in order, labelled ones their parameter; names must be declared
    /// (a post-send step must be a send step of the campaign), values of the parameter's types. Resolved, it
    /// has one argument per parameter, a send step as its index.
    private mutating func checkCall(_ call: Expression.Call, _ diagnostics: inout DiagnosticCollector) -> Checked {
        guard let function = ExpressionFunction(rawValue: call.name) else {
            // Bare names are only meaningful to a known function, so only other arguments are checked.
            for argument in call.arguments {
                if case .name = argument.value { continue }
                _ = check(argument.value, &diagnostics)
            }
            diagnostics.emit(.unknownName, "unknown function '\(call.name)'"
                             + Suggestions.didYouMean(call.name, in: ExpressionFunction.allCases.map(\.rawValue)), at: call.location)
            return .unknown
        }
        let declaration = function.declaration
        for argument in call.arguments {
            if let label = argument.label, !declaration.parameters.contains(where: { $0.label == label }) {
                diagnostics.emit(.typeMismatch, "'\(call.name)' has no argument labelled '\(label)'; write \(function.signature)",
                                 at: argument.value.location)
            }
        }
        let positional = call.arguments.filter { $0.label == nil }
        let expected = declaration.positional
        let required = expected.count { !$0.isOptional }
        guard (required...expected.count).contains(positional.count) else {
            let count = required == expected.count ? "\(required)" : "\(required) to \(expected.count)"
            let noun = expected.count == 1 ? "argument" : "arguments"
            let unlabelled = declaration.parameters.count > expected.count ? " without a label" : ""
            diagnostics.emit(.typeMismatch, "'\(call.name)' takes \(count) \(noun)\(unlabelled), found \(positional.count); write \(function.signature)",
                             at: call.location)
            return Checked(type: declaration.result, resolved: nil)
        }
        var arguments: [CheckedArgument]? = []
        for (parameter, argument) in call.arguments(for: declaration) {
            let resolved: CheckedArgument?
            if let argument {
                switch parameter.kind {
                case .value(let types):
                    let checked = check(argument.value, &diagnostics)
                    if let type = checked.type, !types.contains(type) {
                        diagnostics.emit(.typeMismatch, "'\(call.name)' takes a \(types.map(\.description).joined(separator: " or ")), found \(type)",
                                         at: argument.value.location)
                    }
                    resolved = checked.resolved.map(CheckedArgument.value)
                case .name(.sendStep):
                    resolved = checkSendStep(argument, of: function, call, &diagnostics).map(CheckedArgument.sendStep)
                case .name(let kind):
                    resolved = nameArgument(argument, call, kind, in: declaredNames(kind), &diagnostics).map { .name($0.value) }
                }
            } else if parameter.isOptional {
                resolved = .absent
            } else {
                diagnostics.emit(.typeMismatch, "'\(call.name)' needs '\(parameter.label ?? parameter.placeholder):'; write \(function.signature)",
                                 at: call.location)
                resolved = nil
            }
            if let resolved { arguments?.append(resolved) } else { arguments = nil }
        }
        return Checked(type: declaration.result, resolved: arguments.map { .call(function, $0) })
    }

    /// The names a name argument may take, or nil when any name goes (tags).
    private func declaredNames(_ kind: NameKind) -> Set<String>? {
        switch kind {
        case .group: workspace.groups
        case .persona: workspace.personas
        case .channel: Set(MessageChannel.allCases.map(\.rawValue))
        case .messageCategory: workspace.categories
        // Tags are not declared; steps are checked by `checkSendStep`.
        case .tag, .sendStep: nil
        }
    }

    /// A name argument, bare or quoted, reporting one that is not a name or not among `names`.
    private func nameArgument(_ argument: Expression.Argument, _ call: Expression.Call, _ kind: NameKind, in names: Set<String>?,
                              _ diagnostics: inout DiagnosticCollector) -> Located<String>? {
        let located: Located<String>
        switch argument.value {
        case .name(let name, let location), .literal(.string(let name), let location):
            located = Located(name, at: location)
        default:
            diagnostics.emit(.typeMismatch, "'\(call.name)' takes a \(kind.rawValue) name", at: argument.value.location)
            return nil
        }
        if let names, !names.contains(located.value) {
            diagnostics.emit(.unknownName, "unknown \(kind.rawValue) '\(located.value)'" + Suggestions.didYouMean(located.value, in: names),
                             at: located.location)
        }
        return located
    }

    /// The step of a post-send function: a step of the campaign that is a send (`post-send-not-a-send`
    /// otherwise), recorded for the post-send rules; its index, nil when it is none.
    private mutating func checkSendStep(_ argument: Expression.Argument, of function: ExpressionFunction, _ call: Expression.Call,
                                        _ diagnostics: inout DiagnosticCollector) -> Int? {
        guard let step = nameArgument(argument, call, .sendStep, in: nil, &diagnostics) else { return nil }
        guard let index = stepIndices[step.value] else {
            diagnostics.emit(.unknownName, "unknown step '\(step.value)'" + Suggestions.didYouMean(step.value, in: stepIndices.keys),
                             at: step.location)
            return nil
        }
        let target = steps[index]
        guard case .send = target.kind else {
            diagnostics.emit(.postSendNotASend, "'\(call.name)' needs a send step, but '\(step.value)' is \(target.kind.nameWithArticle) step",
                             at: step.location, notes: [.init("'\(step.value)' is defined here", at: target.location)])
            return nil
        }
        postSendCalls.append(PostSendCall(function: function, step: step, location: call.location))
        return index
    }

    /// The type of `event.FIELD`: every payload must have the field, with one type. With several triggers, a
    /// field some of their events lack is `trigger-event-field` (its type is still known, so the rest of the
    /// expression is checked), one whose types differ `type-mismatch`.
    private func eventFieldType(_ name: String, at location: SourceLocation, _ diagnostics: inout DiagnosticCollector) -> ValueType? {
        guard let first = events.first else {
            diagnostics.emit(.unknownName, "'event.\(name)' has no event to refer to; only event triggers and event exits have a payload",
                             at: location)
            return nil
        }
        let having = events.filter { $0.fields[name] != nil }
        guard let typed = having.first, let type = typed.fields[name] else {
            let known = Set(events.flatMap(\.fields.keys))
            let message = events.count == 1 ? "event '\(first.name.value)' has no field '\(name)'"
                : "none of the trigger events (" + events.map { "'\($0.name.value)'" }.joined(separator: ", ") + ") has a field '\(name)'"
            diagnostics.emit(.unknownName, message + Suggestions.didYouMean(name, in: known), at: location)
            return nil
        }
        if let other = having.first(where: { $0.fields[name] != type }), let otherType = other.fields[name] {
            diagnostics.emit(.typeMismatch, "'event.\(name)' is \(type) in event '\(typed.name.value)' but \(otherType) in event '\(other.name.value)'",
                             at: location, notes: [.init("the trigger on '\(typed.name.value)' is here", at: typed.name.location),
                                                   .init("the trigger on '\(other.name.value)' is here", at: other.name.location)])
            return nil
        }
        let lacking = events.filter { $0.fields[name] == nil }
        if !lacking.isEmpty {
            let names = lacking.map { "'\($0.name.value)'" }.joined(separator: ", ")
            diagnostics.emit(.triggerEventField,
                             "'event.\(name)' is absent when a contact enters by \(names): \(lacking.count == 1 ? "that event has" : "those events have") no field '\(name)'",
                             at: location, notes: lacking.map { .init("the trigger on '\($0.name.value)' is here", at: $0.name.location) })
        }
        return type
    }
}

extension Expression {
    /// The value of an expression that depends on no contact, event or function, or nil if it does.
    var constantValue: Literal? {
        switch self {
        case .literal(let literal, _): return literal
        case .not(let operand, _):
            if case .bool(let value)? = operand.constantValue { return .bool(!value) }
            return nil
        case .binary(let op, let left, let right, _):
            guard let a = left.constantValue, let b = right.constantValue else { return nil }
            switch (op, a, b) {
            case (.and, .bool(let x), .bool(let y)): return .bool(x && y)
            case (.or, .bool(let x), .bool(let y)): return .bool(x || y)
            case (.equal, _, _): return .bool(a == b)
            case (.notEqual, _, _): return .bool(a != b)
            case (.less, .int(let x), .int(let y)): return .bool(x < y)
            case (.lessOrEqual, .int(let x), .int(let y)): return .bool(x <= y)
            case (.greater, .int(let x), .int(let y)): return .bool(x > y)
            case (.greaterOrEqual, .int(let x), .int(let y)): return .bool(x >= y)
            default: return nil
            }
        default: return nil
        }
    }
}
