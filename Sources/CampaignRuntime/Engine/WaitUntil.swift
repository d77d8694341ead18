import Foundation

/// The end of a `wait_until`, computed in the campaign's time zone.
///
/// With `at` only (`to` nil): the next moment, now included, that is `from` minutes after local midnight on
/// one of `days`. With a window: now if the local time is inside `[from, to)` on one of `days`, else the
/// next window's start. Local times are turned into instants by the zone's rules for that date, so a
/// 08:00 wait is 08:00 on both sides of a daylight-saving change; a time skipped by a spring-forward gap
/// is moved forward by the gap.
public enum WaitUntil {
    public static func next(after now: Double, days: [Int], from: Int, to: Int?, timeZone: TimeZone) -> Double {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let nowDate = Date(timeIntervalSince1970: now)
        let today = calendar.startOfDay(for: nowDate)
        for offset in 0...7 {
            guard let day = calendar.date(byAdding: .day, value: offset, to: today) else { continue }
            let weekday = calendar.component(.weekday, from: day)
            guard days.contains(weekday) else { continue }
            let components = calendar.dateComponents([.year, .month, .day], from: day)
            func local(_ minutes: Int) -> Date? {
                var moment = components
                moment.hour = minutes / 60
                moment.minute = minutes % 60
                moment.second = 0
                return calendar.date(from: moment)
            }
            guard let start = local(from) else { continue }
            if let to, offset == 0, let end = local(to), nowDate >= start, nowDate < end { return now }
            if start >= nowDate { return start.timeIntervalSince1970 }
        }
        return now + 7 * 86_400
    }
}
