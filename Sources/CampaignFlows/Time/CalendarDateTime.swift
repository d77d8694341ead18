import Foundation

/// A date or date-time as campaign and scenario files write it: `YYYY-MM-DD`, or
/// `YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM]` (a space may stand for the `T`).
///
/// The one parser behind the checker's `bad-date` and the runtime's instants, so that a text the checker
/// accepts is the text the runtime reads.
public struct CalendarDateTime: Hashable, Sendable {
    public let date: CivilDate
    /// Seconds since local midnight; 0 for a date alone.
    public let secondsOfDay: Int
    /// Whether a time of day was written.
    public let hasTime: Bool
    /// The written offset from UTC in seconds (`Z` is 0); nil when none was written and the text is read in
    /// the campaign's time zone.
    public let offset: Int?

    /// The largest offset a date-time may carry, ±18:00 as ISO 8601 and `java.time` allow.
    public static let maximumOffset = 18 * 3600

    /// Nil for anything but the forms above with a real date, hour 0-23, minute and second 0-59 and an
    /// offset within ±18:00.
    public static func parse(_ text: String) -> CalendarDateTime? {
        let characters = Array(text.utf8)
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= characters.count else { return nil }
            var value = 0
            for byte in characters[start..<start + count] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        func character(_ index: Int) -> UInt8? { index < characters.count ? characters[index] : nil }

        guard let year = number(0, 4), character(4) == UInt8(ascii: "-"), let month = number(5, 2),
              character(7) == UInt8(ascii: "-"), let day = number(8, 2),
              let date = CivilDate(year: year, month: month, day: day) else { return nil }
        if characters.count == 10 { return CalendarDateTime(date: date, secondsOfDay: 0, hasTime: false, offset: nil) }
        guard character(10) == UInt8(ascii: "T") || character(10) == UInt8(ascii: " "),
              let hour = number(11, 2), character(13) == UInt8(ascii: ":"), let minute = number(14, 2),
              hour < 24, minute < 60 else { return nil }
        var index = 16, second = 0
        if character(index) == UInt8(ascii: ":") {
            guard let value = number(index + 1, 2), value < 60 else { return nil }
            second = value
            index += 3
        }
        var offset: Int?
        switch character(index) {
        case nil:
            break
        case UInt8(ascii: "Z"):
            guard index + 1 == characters.count else { return nil }
            offset = 0
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == characters.count, let hours = number(index + 1, 2), character(index + 3) == UInt8(ascii: ":"),
                  let minutes = number(index + 4, 2), minutes < 60 else { return nil }
            let magnitude = hours * 3600 + minutes * 60
            guard magnitude <= maximumOffset else { return nil }
            offset = character(index) == UInt8(ascii: "-") ? -magnitude : magnitude
        default:
            return nil
        }
        return CalendarDateTime(date: date, secondsOfDay: hour * 3600 + minute * 60 + second, hasTime: true, offset: offset)
    }

    /// The local wall-clock time written, in seconds since 1970-01-01 00:00 (see ``ZoneClock``).
    public var wallTime: Int { date.dayNumber * 86_400 + secondsOfDay }

    /// The instant meant: with the written offset, or else read in `timeZone` as a `wait_until` `at` reads a
    /// local time (the first pass of an overlap; inside a gap, the offset before the gap).
    public func instant(in timeZone: TimeZone) -> Double {
        if let offset { return Double(wallTime - offset) }
        return Double(ZoneClock(timeZone).instant(ofWallTime: wallTime))
    }
}
