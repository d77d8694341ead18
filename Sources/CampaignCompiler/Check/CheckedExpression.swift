import CampaignFlows

/// An expression of a checked campaign, resolved and typed: fields with their declared types, literals as
/// runtime values (dates already instants in the campaign's zone), operators as the lowered form names
/// them, and calls as language functions with one argument per declared parameter.
///
/// ``ExpressionTypeChecker`` builds one for every expression it can resolve; a campaign that checks
/// without errors has one for each of its expressions, which lowering turns into ``FlowExpression`` as is.
public indirect enum CheckedExpression: Sendable, Equatable {
    /// A literal's value and its type (a date and a date-time are both instants; the type tells them apart).
    case literal(Value, ValueType)
    /// `contact.FIELD`, of the field's declared type.
    case contactField(String, ValueType)
    /// `event.FIELD`, of the type every payload that may be read gives the field.
    case eventField(String, ValueType)
    /// A list literal of items of one type (`null` for an empty list).
    case list([CheckedExpression], element: ValueType)
    /// `not A`.
    case not(CheckedExpression)
    /// `A and B`.
    case and(CheckedExpression, CheckedExpression)
    /// `A or B`.
    case or(CheckedExpression, CheckedExpression)
    /// `A == B`, `A < B`, ...
    case compare(ComparisonOperator, CheckedExpression, CheckedExpression)
    /// `item in list`.
    case contains(CheckedExpression, list: CheckedExpression)
    /// A call, one argument per parameter of the function's declaration, in declaration order.
    case call(ExpressionFunction, [CheckedArgument])

    /// The expression's type.
    public var type: ValueType {
        switch self {
        case .literal(_, let type), .contactField(_, let type), .eventField(_, let type): type
        case .list(_, let element): .list(element)
        case .not, .and, .or, .compare, .contains: .bool
        case .call(let function, _): function.declaration.result
        }
    }
}

/// One argument of a checked call.
public enum CheckedArgument: Sendable, Equatable {
    /// A group, persona, tag, channel or message category, as written.
    case name(String)
    /// A send step of the campaign, by its index in ``CheckedCampaign/steps``.
    case sendStep(Int)
    /// A value of one of the parameter's types.
    case value(CheckedExpression)
    /// An optional parameter left out.
    case absent
}
