import Foundation

/// A five-field cron recurrence (`minute hour day-of-month month day-of-week`), evaluated in a time zone as
/// cronie does.
///
/// Fields take `*`, numbers, ranges `a-b`, lists `a,b`, steps `*/n`, `a-b/n` or `a/n` (from a to the end of the
/// field), and the names `JAN`...`DEC` and `SUN`...`SAT`; day of week 0 and 7 are both Sunday. When both day of
/// month and day of week are restricted (neither starts with `*`), a day matching either fires; otherwise a
/// day must match both.
///
/// Daylight saving, as cronie: a *fixed-time* entry (no `*` in its minute or hour field) whose slot a
/// spring-forward gap skips fires once, when the gap ends, and a slot a fall-back overlap repeats fires once,
/// in the first pass. An entry with `*` in its minute or hour field runs on elapsed time: it fires in both
/// passes of an overlap and not at all for slots inside a gap.
public struct CronSchedule: Sendable, Hashable {
    public let minutes: Set<Int>
    public let hours: Set<Int>
    public let daysOfMonth: Set<Int>
    public let months: Set<Int>
    /// 0 (Sunday) to 6 (Saturday).
    public let daysOfWeek: Set<Int>
    /// Day of month does not start with `*` (cronie's `DOM_STAR` unset).
    public let dayOfMonthRestricted: Bool
    /// Day of week does not start with `*` (cronie's `DOW_STAR` unset).
    public let dayOfWeekRestricted: Bool
    /// Neither the minute nor the hour field has a `*`: the entry runs at wall-clock slots, not on elapsed time.
    public let isFixedTime: Bool

    private let sortedMinutes: [Int]
    private let sortedHours: [Int]

    private static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    private static let fullMonthNames = ["January", "February", "March", "April", "May", "June", "July", "August",
                                         "September", "October", "November", "December"]
    private static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
    private static let fields: [(name: String, range: ClosedRange<Int>, names: [String], firstName: Int)] = [
        ("minute", 0...59, [], 0),
        ("hour", 0...23, [], 0),
        ("day of month", 1...31, [], 0),
        ("month", 1...12, monthNames, 1),
        ("day of week", 0...7, dayNames, 0),
    ]

    /// How many years ahead `next(after:)` looks. A day of month that is also restricted to a weekday (`*/29 2
    /// MON`: a 29 February that is a Monday) can be 40 years apart.
    public static let searchYears = 50

    /// Nil when the text is not a schedule that can fire; ``parse(_:)`` says why.
    public init?(_ text: String) {
        guard case .success(let schedule) = Self.parse(text) else { return nil }
        self = schedule
    }

    private init(fields: [Set<Int>], texts: [Substring]) {
        minutes = fields[0]
        hours = fields[1]
        daysOfMonth = fields[2]
        months = fields[3]
        daysOfWeek = Set(fields[4].map { $0 % 7 })
        dayOfMonthRestricted = !texts[2].hasPrefix("*")
        dayOfWeekRestricted = !texts[4].hasPrefix("*")
        isFixedTime = !texts[0].contains("*") && !texts[1].contains("*")
        sortedMinutes = minutes.sorted()
        sortedHours = hours.sorted()
    }

    /// The schedule `text` describes, or a phrase saying why there is none (the checker's `bad-cron`).
    public static func parse(_ text: String) -> Result<CronSchedule, CronProblem> {
        let texts = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard texts.count == 5 else {
            return .failure(CronProblem("a schedule has 5 fields (minute hour day month weekday), found \(texts.count)"))
        }
        var values: [Set<Int>] = []
        for (part, field) in zip(texts, fields) {
            switch parse(part, field: field) {
            case .success(let set): values.append(set)
            case .failure(let problem): return .failure(problem)
            }
        }
        let schedule = CronSchedule(fields: values, texts: texts)
        if let problem = schedule.neverFires() { return .failure(problem) }
        return .success(schedule)
    }

    private static func parse(_ text: Substring, field: (name: String, range: ClosedRange<Int>, names: [String], firstName: Int))
        -> Result<Set<Int>, CronProblem> {
        var values = Set<Int>()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = item.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { return .failure(CronProblem("'\(item)' is not a valid \(field.name)")) }
            var step = 1
            if pieces.count == 2 {
                guard pieces[1].allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(pieces[1]), number > 0 else {
                    return .failure(CronProblem("'\(pieces[1])' is not a valid step"))
                }
                step = number
            }
            var low = field.range.lowerBound, high = field.range.upperBound
            if pieces[0] != "*" {
                let bounds = pieces[0].split(separator: "-", omittingEmptySubsequences: false)
                guard (1...2).contains(bounds.count) else { return .failure(CronProblem("'\(item)' is not a valid \(field.name)")) }
                var numbers: [Int] = []
                for bound in bounds {
                    if bound.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(bound) {
                        guard field.range.contains(number) else {
                            return .failure(CronProblem(
                                "\(field.name) \(number) is outside \(field.range.lowerBound)-\(field.range.upperBound)"))
                        }
                        numbers.append(number)
                    } else if let index = field.names.firstIndex(of: bound.uppercased()) {
                        numbers.append(index + field.firstName)
                    } else {
                        return .failure(CronProblem("'\(bound)' is not a valid \(field.name)"))
                    }
                }
                if numbers.count == 2, numbers[0] > numbers[1] {
                    return .failure(CronProblem("the range '\(pieces[0])' runs backwards"))
                }
                low = numbers[0]
                // `a-b` runs to b; `a/n` runs to the end of the field; a lone `a` is just a.
                high = numbers.count == 2 ? numbers[1] : pieces.count == 2 ? field.range.upperBound : low
            }
            values.formUnion(stride(from: low, through: high, by: step))
        }
        return .success(values)
    }

    /// Why no day can ever match, if none can: a day of month that none of the months has, when the day of
    /// week does not offer another way (cronie ORs the two only when both are restricted).
    private func neverFires() -> CronProblem? {
        if dayOfMonthRestricted && dayOfWeekRestricted { return nil }
        let longest = months.map { CivilDate.length(ofMonth: $0, year: 2000) }.max() ?? 0
        guard let first = daysOfMonth.min(), first > longest else { return nil }
        let names = months.sorted().map { Self.fullMonthNames[$0 - 1] }
        let list = names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " and " + (names.last ?? "")
        return CronProblem("it never fires: \(list) \(names.count == 1 ? "has" : "have") no day \(first)")
    }

    /// Whether the day `dayNumber` (days since 1970-01-01, local) is one the schedule fires on.
    private func matches(dayOfMonth: Int, dayNumber: Int) -> Bool {
        let byMonthDay = daysOfMonth.contains(dayOfMonth)
        let byWeekday = daysOfWeek.contains(CivilDate.weekday(ofDayNumber: dayNumber))
        return dayOfMonthRestricted && dayOfWeekRestricted ? byMonthDay || byWeekday : byMonthDay && byWeekday
    }

    /// The first firing strictly after `instant`, or nil when there is none within ``searchYears`` years.
    ///
    /// Field by field: months that cannot match are skipped whole, then days, then hours, then minutes.
    public func next(after instant: Double, timeZone: TimeZone) -> Double? {
        guard instant.isFinite else { return nil }
        let clock = ZoneClock(timeZone)
        // Firings are whole seconds, so "after instant" is "after its floor".
        let after = Int(instant.rounded(.down))
        // A day's slots can map to instants up to a day away from its local midnight; start a day early.
        let firstDay = clock.wallTime(at: after).flooredDivision(by: 86_400) - 1
        let start = CivilDate(dayNumber: firstDay)
        var found: Int?
        var foundDay: Int?
        var year = start.year, month = start.month
        for _ in 0..<(Self.searchYears * 12) {
            defer { if month == 12 { year += 1; month = 1 } else { month += 1 } }
            if let foundDay, let first = CivilDate(year: year, month: month, day: 1), first.dayNumber > foundDay + 1 { break }
            guard months.contains(month) else { continue }
            for day in 1...CivilDate.length(ofMonth: month, year: year) {
                guard let date = CivilDate(year: year, month: month, day: day) else { continue }
                let dayNumber = date.dayNumber
                guard dayNumber >= firstDay, matches(dayOfMonth: day, dayNumber: dayNumber) else { continue }
                // Around an overlap that spans midnight a later day can fire earlier: look one day past the
                // first day that fires.
                if let foundDay, dayNumber > foundDay + 1 { return found.map(Double.init) }
                if let firing = firstFiring(onDay: dayNumber, after: after, clock: clock) {
                    found = min(found ?? firing, firing)
                    if foundDay == nil { foundDay = dayNumber }
                }
            }
        }
        return found.map(Double.init)
    }

    /// The earliest firing after `after` among the slots of local day `dayNumber`.
    private func firstFiring(onDay dayNumber: Int, after: Int, clock: ZoneClock) -> Int? {
        let midnight = dayNumber * 86_400
        let offset = clock.offset(at: midnight - 86_400)
        if offset == clock.offset(at: midnight + 2 * 86_400) {
            // No change of offset near this day: slots are instants in order.
            let lastMinute = (sortedMinutes.last ?? 0) * 60
            for hour in sortedHours where midnight + hour * 3600 + lastMinute - offset > after {
                for minute in sortedMinutes where midnight + hour * 3600 + minute * 60 - offset > after {
                    return midnight + hour * 3600 + minute * 60 - offset
                }
            }
            return nil
        }
        var best: Int?
        func consider(_ instant: Int) {
            if instant > after, instant < best ?? .max { best = instant }
        }
        for hour in sortedHours {
            for minute in sortedMinutes {
                switch clock.instants(ofWallTime: midnight + hour * 3600 + minute * 60) {
                case .unique(let instant): consider(instant)
                case .repeated(let first, let second):
                    consider(first)
                    if !isFixedTime { consider(second) }
                case .skipped(_, let gapEnd):
                    if isFixedTime { consider(gapEnd) }
                }
            }
        }
        return best
    }
}

/// Why a cron text is not a schedule: a phrase for the checker's `bad-cron`.
public struct CronProblem: Error, Hashable, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}
