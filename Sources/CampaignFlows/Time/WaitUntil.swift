import Foundation

/// The end of a `wait_until`, on the campaign's local wall-clock time.
///
/// With `at` only (`to` nil): the first instant at or after now whose local time is `from` minutes after
/// midnight on one of `days` (1 Sunday ... 7 Saturday). In a fall-back overlap that can be the second pass;
/// a local time skipped by a spring-forward gap is read with the offset before the gap (02:30 becomes 03:30,
/// as RFC 5545 does). With a window `[from, to)`: now, if now's local time is inside it on one of `days`;
/// otherwise the next window's start, found as for `at`.
public enum WaitUntil {
    public static func next(after now: Double, days: [Int], from: Int, to: Int?, timeZone: TimeZone) -> Double {
        guard now.isFinite else { return now }
        let clock = ZoneClock(timeZone)
        let wholeNow = Int(now.rounded(.down))
        let wallNow = clock.wallTime(at: wholeNow)
        let today = wallNow.flooredDivision(by: 86_400)
        let listed = Set(days)
        func isListed(_ dayNumber: Int) -> Bool { listed.contains(CivilDate.weekday(ofDayNumber: dayNumber) + 1) }

        if let to {
            // Judged by local time, so a window is open in both passes of an overlap and closed in a gap.
            let secondsOfDay = wallNow - today * 86_400
            if isListed(today), from * 60 <= secondsOfDay, secondsOfDay < to * 60 { return now }
        }
        // An overlap spanning midnight can put a local time of yesterday after now; a week and a day covers
        // every listed weekday.
        var best: Double?
        for dayNumber in (today - 1)...(today + 8) where isListed(dayNumber) {
            let candidates: [Int] = switch clock.instants(ofWallTime: dayNumber * 86_400 + from * 60) {
            case .unique(let instant): [instant]
            case .repeated(let first, let second): [first, second]
            case .skipped(let readWithOffsetBefore, _): [readWithOffsetBefore]
            }
            for candidate in candidates.map(Double.init) where candidate >= now && candidate < (best ?? .infinity) {
                best = candidate
            }
        }
        // No listed day: the checker refuses that; wait a week rather than not at all.
        return best ?? now + 7 * 86_400
    }
}
