/// The type of a contact field, event field or expression: one vocabulary for the compiler, which checks
/// campaigns with it, and the service, which checks the profiles and events it is sent.
public indirect enum ValueType: Hashable, Sendable, CustomStringConvertible {
    case string, int, decimal, bool, date, datetime, duration
    case list(ValueType)
    /// The type of the literal `null`, which any absent field may hold.
    case null

    /// Parses `string`, `int`, ..., `[T]` as the workspace writes types.
    public init?(parsing text: String) {
        if text.hasPrefix("["), text.hasSuffix("]"), text.count > 2 {
            guard let element = ValueType(parsing: String(text.dropFirst().dropLast())),
                  !element.isList else { return nil }
            self = .list(element)
            return
        }
        switch text {
        case "string": self = .string
        case "int": self = .int
        case "decimal": self = .decimal
        case "bool": self = .bool
        case "date": self = .date
        case "datetime": self = .datetime
        case "duration": self = .duration
        default: return nil
        }
    }

    /// The names the workspace may use, for suggestions.
    public static let names = ["string", "int", "decimal", "bool", "date", "datetime", "duration",
                               "[string]", "[int]", "[decimal]", "[date]"]

    public var isList: Bool {
        if case .list = self { return true }
        return false
    }

    public var isNumeric: Bool { self == .int || self == .decimal }

    /// Whether values of the two types can be compared for equality: the same type, numbers with numbers,
    /// dates with date-times, or anything with null.
    public func isComparable(with other: ValueType) -> Bool {
        switch (self, other) {
        case (.null, _), (_, .null): true
        case (.list(let a), .list(let b)): a.isComparable(with: b)
        case _ where self == other: true
        case _ where isNumeric && other.isNumeric: true
        case (.date, .datetime), (.datetime, .date): true
        default: false
        }
    }

    /// Whether `<`, `<=`, `>`, `>=` apply.
    public var isOrdered: Bool {
        switch self {
        case .int, .decimal, .date, .datetime, .duration, .null: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .string: "string"
        case .int: "int"
        case .decimal: "decimal"
        case .bool: "bool"
        case .date: "date"
        case .datetime: "datetime"
        case .duration: "duration"
        case .list(let element): "[\(element)]"
        case .null: "null"
        }
    }
}
