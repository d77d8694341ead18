/// A condition or value written in the expression language: `contact.score >= 40 and opened(email_f)`.
///
/// Every node keeps the file position of its first character (an operator's position for binary nodes),
/// mapped back from inside the YAML scalar that holds it.
public indirect enum Expression: Sendable {
    case literal(Literal, SourceLocation)
    /// `contact.FIELD`
    case contactField(String, SourceLocation)
    /// `event.FIELD`: the payload of the event being evaluated (the trigger's, or an exit's).
    case eventField(String, SourceLocation)
    /// A bare name, meaningful only as a function argument: a step, group, persona, category.
    case name(String, SourceLocation)
    /// `NAME.FIELD` for a NAME that is neither `contact` nor `event`.
    case unknownQualified(String, String, SourceLocation)
    case call(Call)
    case list([Expression], SourceLocation)
    case not(Expression, SourceLocation)
    case binary(BinaryOperator, Expression, Expression, SourceLocation)

    /// A function call with positional and labelled arguments.
    public struct Call: Sendable {
        public var name: String
        public var location: SourceLocation
        public var arguments: [Argument]
    }

    /// One argument of a call; `label` is set for `within: 2d`.
    public struct Argument: Sendable {
        public var label: String?
        public var value: Expression
    }

    /// Where the expression's text begins (for a binary expression, its left operand's start): where a
    /// diagnostic about the whole expression points.
    public var startLocation: SourceLocation {
        if case .binary(_, let left, _, _) = self { return left.startLocation }
        return location
    }

    public var location: SourceLocation {
        switch self {
        case .literal(_, let location), .contactField(_, let location), .eventField(_, let location),
             .name(_, let location), .unknownQualified(_, _, let location), .list(_, let location),
             .not(_, let location), .binary(_, _, _, let location):
            location
        case .call(let call): call.location
        }
    }
}

/// A literal value in an expression or a YAML value.
public enum Literal: Hashable, Sendable {
    case string(String)
    case int(Int)
    case decimal(Double)
    case bool(Bool)
    case null
    case duration(CampaignDuration)
    case date(String)
    case dateTime(String)
}

/// The comparison and logical operators.
public enum BinaryOperator: String, Sendable {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case `in`, and, or
}
