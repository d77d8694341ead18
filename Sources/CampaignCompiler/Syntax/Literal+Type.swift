import CampaignFlows

extension Literal {
    /// The literal's type.
    public var type: ValueType {
        switch self {
        case .string: .string
        case .int: .int
        case .decimal: .decimal
        case .bool: .bool
        case .null: .null
        case .duration: .duration
        case .date: .date
        case .dateTime: .datetime
        }
    }
}
