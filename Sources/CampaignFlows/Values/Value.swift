import Foundation

/// A value of a contact field, an event payload field or an expression.
///
/// Comparisons follow the campaign language: anything compared with an absent value (`null`) is false
/// except `== null` and `!= null`, numbers compare across int and decimal, and dates compare as instants.
public enum Value: Hashable, Sendable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case decimal(Double)
    case string(String)
    /// A date or date-time, as seconds since 1970 (UTC).
    case instant(Double)
    /// A duration in seconds.
    case duration(Int)
    case list([Value])

    /// The value as a number, for comparisons across int and decimal.
    @inlinable public var number: Double? {
        switch self {
        case .int(let value): Double(value)
        case .decimal(let value): value
        default: nil
        }
    }

    /// `==` as the language defines it.
    @inlinable public static func equal(_ a: Value, _ b: Value) -> Bool {
        if let x = a.number, let y = b.number { return x == y }
        return a == b
    }

    /// `<`, `<=`, `>`, `>=`: false when either side is absent or they are not comparable.
    @inlinable public static func order(_ a: Value, _ b: Value) -> Int? {
        switch (a, b) {
        case (.instant(let x), .instant(let y)): return x < y ? -1 : x > y ? 1 : 0
        case (.duration(let x), .duration(let y)): return x < y ? -1 : x > y ? 1 : 0
        default:
            guard let x = a.number, let y = b.number else { return nil }
            return x < y ? -1 : x > y ? 1 : 0
        }
    }

    @inlinable public static func less(_ a: Value, _ b: Value) -> Bool { order(a, b).map { $0 < 0 } ?? false }
    @inlinable public static func lessOrEqual(_ a: Value, _ b: Value) -> Bool { order(a, b).map { $0 <= 0 } ?? false }
    @inlinable public static func greater(_ a: Value, _ b: Value) -> Bool { order(a, b).map { $0 > 0 } ?? false }
    @inlinable public static func greaterOrEqual(_ a: Value, _ b: Value) -> Bool { order(a, b).map { $0 >= 0 } ?? false }

    /// `a in b`: b is a list holding a value equal to a.
    @inlinable public static func contained(_ a: Value, in b: Value) -> Bool {
        guard case .list(let items) = b else { return false }
        return items.contains { equal(a, $0) }
    }

    public var description: String {
        switch self {
        case .null: "null"
        case .bool(let value): String(value)
        case .int(let value): String(value)
        case .decimal(let value): String(value)
        case .string(let value): value
        case .instant(let value): Value.isoFormatter.string(from: Date(timeIntervalSince1970: value))
        case .duration(let value): "\(value)s"
        case .list(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        }
    }

    nonisolated(unsafe) static let isoFormatter: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter
    }()
}

extension Value {
    /// Parses `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM]` with ``CalendarDateTime``; a date or date-time
    /// without an offset is read in `timeZone` (the first pass of an overlap; inside a gap, the offset before
    /// the gap). Nil for anything else, an impossible date or an offset beyond ±18:00.
    public static func parseInstant(_ text: String, timeZone: TimeZone) -> Double? {
        CalendarDateTime.parse(text)?.instant(in: timeZone)
    }
}
