import Foundation

/// A five-field cron recurrence (`minute hour day-of-month month day-of-week`), evaluated in a time zone.
///
/// Fields take `*`, numbers, ranges `a-b`, lists `a,b`, steps `*/n` or `a-b/n`, and the names `JAN`...`DEC`
/// and `SUN`...`SAT`; day of week 0 and 7 are both Sunday. As in cron, when both day of month and day of week
/// are restricted, a day matching either fires.
public struct CronSchedule: Sendable, Equatable {
    public let minutes: Set<Int>
    public let hours: Set<Int>
    public let daysOfMonth: Set<Int>
    public let months: Set<Int>
    /// 0 (Sunday) to 6 (Saturday).
    public let daysOfWeek: Set<Int>
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool

    private static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    private static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    /// Nil when the text is not a valid five-field expression (the checker reports why).
    public init?(_ text: String) {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5,
              let minutes = Self.parse(fields[0], 0...59, names: [], offset: 0),
              let hours = Self.parse(fields[1], 0...23, names: [], offset: 0),
              let days = Self.parse(fields[2], 1...31, names: [], offset: 0),
              let months = Self.parse(fields[3], 1...12, names: Self.monthNames, offset: 1),
              let weekdays = Self.parse(fields[4], 0...7, names: Self.dayNames, offset: 0) else { return nil }
        self.minutes = minutes
        self.hours = hours
        daysOfMonth = days
        self.months = months
        daysOfWeek = Set(weekdays.map { $0 % 7 })
        dayOfMonthRestricted = fields[2] != "*"
        dayOfWeekRestricted = fields[4] != "*"
    }

    private static func parse(_ field: String, _ range: ClosedRange<Int>, names: [String], offset: Int) -> Set<Int>? {
        var values = Set<Int>()
        for item in field.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count) else { return nil }
            let step = parts.count == 2 ? Int(parts[1]) : 1
            guard let step, step > 0 else { return nil }
            var low = range.lowerBound, high = range.upperBound
            if parts[0] != "*" {
                let bounds = parts[0].split(separator: "-", omittingEmptySubsequences: false).map { bound -> Int? in
                    if let number = Int(bound) { return number }
                    return names.firstIndex(of: bound.uppercased()).map { $0 + offset }
                }
                guard (1...2).contains(bounds.count), let first = bounds[0], let last = bounds.last!,
                      range.contains(first), range.contains(last), first <= last else { return nil }
                low = first
                // `a-b` runs to b; `a/n` runs to the end of the range; a lone `a` is just a.
                high = bounds.count == 2 ? last : parts.count == 2 ? range.upperBound : first
            }
            values.formUnion(stride(from: low, through: high, by: step))
        }
        return values
    }

    /// The first firing strictly after `instant`, within five years.
    public func next(after instant: Double, timeZone: TimeZone) -> Double? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let start = Date(timeIntervalSince1970: instant)
        let firstDay = calendar.startOfDay(for: start)
        let sortedHours = hours.sorted(), sortedMinutes = minutes.sorted()
        for offset in 0..<(5 * 366) {
            guard let day = calendar.date(byAdding: .day, value: offset, to: firstDay) else { return nil }
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            guard months.contains(parts.month!) else { continue }
            let byMonthDay = daysOfMonth.contains(parts.day!), byWeekDay = daysOfWeek.contains(parts.weekday! - 1)
            let matches = dayOfMonthRestricted && dayOfWeekRestricted ? (byMonthDay || byWeekDay)
                : dayOfMonthRestricted ? byMonthDay : dayOfWeekRestricted ? byWeekDay : true
            guard matches else { continue }
            for hour in sortedHours {
                for minute in sortedMinutes {
                    var moment = DateComponents(year: parts.year, month: parts.month, day: parts.day, hour: hour, minute: minute)
                    moment.second = 0
                    if let date = calendar.date(from: moment), date > start { return date.timeIntervalSince1970 }
                }
            }
        }
        return nil
    }
}
