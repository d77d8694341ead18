import CampaignFlows
import Foundation

/// An exact elapsed time written as `30m`, `2h`, `3d`, `1w` or `2h30m`; `1d` is 24 hours.
public struct CampaignDuration: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var seconds: Int

    public init(seconds: Int) { self.seconds = seconds }

    private static let units: [(Character, Int)] = [("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]

    /// Parses the duration syntax; nil for anything else (units must not repeat and go from largest to smallest).
    public init?(parsing text: String) {
        var total = 0
        var digits = ""
        var lastUnit = -1
        var sawUnit = false
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
                guard digits.count <= 9 else { return nil }
            } else if let unit = Self.units.firstIndex(where: { $0.0 == character }) {
                guard let amount = Int(digits), unit > lastUnit else { return nil }
                total += amount * Self.units[unit].1
                lastUnit = unit
                digits = ""
                sawUnit = true
            } else {
                return nil
            }
        }
        guard sawUnit, digits.isEmpty else { return nil }
        seconds = total
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.seconds < rhs.seconds }

    public var description: String {
        var rest = seconds
        var text = ""
        for (unit, size) in Self.units where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text.isEmpty ? "0m" : text
    }
}

/// A wall-clock time `HH:MM` in the campaign's time zone, as minutes since midnight.
public struct TimeOfDay: Hashable, Sendable, Comparable {
    public var minutes: Int

    /// Parses `H:MM` or `HH:MM` with hour 0-23 and minute 0-59.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
              let hour = Int(parts[0]), let minute = Int(parts[1]),
              parts[0].allSatisfy(\.isNumber), parts[1].allSatisfy(\.isNumber),
              (0..<24).contains(hour), (0..<60).contains(minute) else { return nil }
        minutes = hour * 60 + minute
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.minutes < rhs.minutes }
}

/// Calendar checks for the dates and times written in campaign and scenario files, by the runtime's one
/// parser (``CalendarDateTime``), so the checker accepts exactly what the runtime reads.
public enum CalendarText {
    /// Whether `text` is a real date `YYYY-MM-DD` (no 30 February).
    public static func isDate(_ text: Substring) -> Bool {
        CalendarDateTime.parse(String(text)).map { !$0.hasTime } ?? false
    }

    /// Whether `text` is a real date-time `YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM]` with an offset within ±18:00.
    public static func isDateTime(_ text: String) -> Bool {
        CalendarDateTime.parse(text)?.hasTime ?? false
    }
}
