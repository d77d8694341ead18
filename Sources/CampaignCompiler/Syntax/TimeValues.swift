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

/// A day of the week as campaign files write it.
public enum Weekday: String, CaseIterable, Sendable, Comparable {
    case mon, tue, wed, thu, fri, sat, sun

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
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

/// Calendar checks for the dates and times written in campaign and scenario files.
public enum CalendarText {
    /// Whether `text` is a real date `YYYY-MM-DD` (no 30 February).
    public static func isDate(_ text: Substring) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month) else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return (1...lengths[month - 1]).contains(day)
    }

    /// Whether `text` is a real date-time `YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM]`.
    public static func isDateTime(_ text: String) -> Bool {
        guard let separator = text.firstIndex(where: { $0 == "T" || $0 == " " }),
              isDate(text[..<separator]) else { return false }
        var time = text[text.index(after: separator)...]
        if time.hasSuffix("Z") {
            time = time.dropLast()
        } else if let sign = time.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            guard TimeOfDay(parsing: String(time[time.index(after: sign)...])) != nil else { return false }
            time = time[..<sign]
        }
        let parts = time.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3,
              TimeOfDay(parsing: "\(parts[0]):\(parts[1])") != nil else { return false }
        if parts.count == 3 {
            guard parts[2].count == 2, let second = Int(parts[2]), (0..<60).contains(second) else { return false }
        }
        return true
    }

    /// Whether the IANA zone exists in this system's time zone database.
    public static func isTimeZone(_ identifier: String) -> Bool {
        identifier == "UTC" || TimeZone(identifier: identifier) != nil
    }
}

/// A five-field cron recurrence (`minute hour day-of-month month day-of-week`).
public enum CronExpression {
    private static let fields: [(name: String, range: ClosedRange<Int>, names: [String])] = [
        ("minute", 0...59, []),
        ("hour", 0...23, []),
        ("day of month", 1...31, []),
        ("month", 1...12, ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]),
        ("day of week", 0...7, ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]),
    ]

    /// Nil when the expression is valid, else a phrase saying what is wrong.
    public static func problem(in text: String) -> String? {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard parts.count == 5 else { return "a schedule has 5 fields (minute hour day month weekday), found \(parts.count)" }
        for (part, field) in zip(parts, fields) {
            for item in part.split(separator: ",", omittingEmptySubsequences: false) {
                if let problem = problem(inItem: item, field: field) { return problem }
            }
        }
        return nil
    }

    private static func problem(inItem item: Substring,
                                field: (name: String, range: ClosedRange<Int>, names: [String])) -> String? {
        let pieces = item.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count <= 2 else { return "'\(item)' is not a valid \(field.name)" }
        if pieces.count == 2 {
            guard let step = Int(pieces[1]), step > 0 else { return "'\(pieces[1])' is not a valid step" }
        }
        if pieces[0] == "*" { return nil }
        let bounds = pieces[0].split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(bounds.count) else { return "'\(item)' is not a valid \(field.name)" }
        var values: [Int] = []
        for bound in bounds {
            if let number = Int(bound), bound.allSatisfy(\.isNumber) {
                guard field.range.contains(number) else {
                    return "\(field.name) \(number) is outside \(field.range.lowerBound)-\(field.range.upperBound)"
                }
                values.append(number)
            } else if let index = field.names.firstIndex(of: bound.uppercased()) {
                values.append(index + (field.name == "month" ? 1 : 0))
            } else {
                return "'\(bound)' is not a valid \(field.name)"
            }
        }
        if values.count == 2, values[0] > values[1] { return "the range '\(pieces[0])' runs backwards" }
        return nil
    }
}
