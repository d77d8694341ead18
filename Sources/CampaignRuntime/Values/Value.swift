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
    /// Parses `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM]`; a date-time without a zone is read in
    /// `timeZone`.
    public static func parseInstant(_ text: String, timeZone: TimeZone = TimeZone(identifier: "UTC")!) -> Double? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let datePart = text.prefix(10)
        let parts = datePart.split(separator: "-")
        guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else { return nil }
        var components = DateComponents(year: year, month: month, day: day, hour: 0, minute: 0, second: 0)
        var rest = text.dropFirst(10)
        if let first = rest.first, first == "T" || first == " " {
            rest = rest.dropFirst()
            var offset: Int?
            if rest.hasSuffix("Z") {
                rest = rest.dropLast()
                offset = 0
            } else if let sign = rest.lastIndex(where: { $0 == "+" || $0 == "-" }) {
                let zone = rest[rest.index(after: sign)...].split(separator: ":")
                guard zone.count == 2, let hours = Int(zone[0]), let minutes = Int(zone[1]) else { return nil }
                offset = (hours * 3600 + minutes * 60) * (rest[sign] == "-" ? -1 : 1)
                rest = rest[..<sign]
            }
            let time = rest.split(separator: ":")
            guard time.count >= 2, let hour = Int(time[0]), let minute = Int(time[1]) else { return nil }
            components.hour = hour
            components.minute = minute
            components.second = time.count > 2 ? Int(time[2]) ?? 0 : 0
            if let offset { calendar.timeZone = TimeZone(secondsFromGMT: offset)! }
        }
        return calendar.date(from: components)?.timeIntervalSince1970
    }
}
