import Foundation

/// A time zone's wall clock: turns instants into local wall-clock times and back, from the zone's own
/// offsets, with daylight-saving gaps and overlaps handled explicitly.
///
/// A wall-clock time is counted in seconds since 1970-01-01 00:00 *local*, so that calendar arithmetic on it is
/// plain integer arithmetic. `Calendar.date(from:)` is deliberately not used: it silently picks one pass of
/// an overlap and moves a time inside a gap by its own rule.
public struct ZoneClock: Sendable {
    public let timeZone: TimeZone

    public init(_ timeZone: TimeZone) { self.timeZone = timeZone }

    /// The zone's offset from UTC, in seconds, at `instant` (seconds since 1970 UTC).
    public func offset(at instant: Int) -> Int {
        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant)))
    }

    /// The local wall-clock time at `instant`.
    public func wallTime(at instant: Int) -> Int { instant + offset(at: instant) }

    /// The instants whose local wall-clock time is `wallTime`.
    ///
    /// The zone's offsets a day before and a day after are the two that can apply; a zone changes its offset at
    /// most once in two days, in every rule the time zone database holds for years in use.
    public func instants(ofWallTime wallTime: Int) -> WallTimeInstants {
        let before = offset(at: wallTime - 86_400), after = offset(at: wallTime + 86_400)
        if before == after { return .unique(wallTime - before) }
        let readBefore = wallTime - before, readAfter = wallTime - after
        let beforeHolds = offset(at: readBefore) == before, afterHolds = offset(at: readAfter) == after
        switch (beforeHolds, afterHolds) {
        case (true, true): return .repeated(first: min(readBefore, readAfter), second: max(readBefore, readAfter))
        case (true, false): return .unique(readBefore)
        case (false, true): return .unique(readAfter)
        case (false, false):
            // A gap: the clock jumps forward (after > before). `readAfter` is still on the old offset and
            // `readBefore` already on the new one; the change lies between.
            var low = min(readBefore, readAfter), high = max(readBefore, readAfter)
            let lowOffset = offset(at: low)
            while high - low > 1 {
                let middle = low + (high - low) / 2
                if offset(at: middle) == lowOffset { low = middle } else { high = middle }
            }
            return .skipped(readWithOffsetBefore: readBefore, gapEnd: high)
        }
    }

    /// The one instant a written local time stands for, read as RFC 5545 does: the first pass of an
    /// overlap, and a time inside a gap with the offset before the gap (02:30 becomes 03:30).
    public func instant(ofWallTime wallTime: Int) -> Int { instants(ofWallTime: wallTime).reading }
}

/// Where a local wall-clock time falls in a zone.
public enum WallTimeInstants: Equatable, Sendable {
    /// The usual case: one instant.
    case unique(Int)
    /// A fall-back overlap repeats the time: it happens at `first`, then again at `second`.
    case repeated(first: Int, second: Int)
    /// A spring-forward gap skips the time: read with the offset before the gap it is
    /// `readWithOffsetBefore`; the gap ends (the clock resumes) at `gapEnd`.
    case skipped(readWithOffsetBefore: Int, gapEnd: Int)

    /// The RFC 5545 reading: the first pass of an overlap, the offset before a gap.
    public var reading: Int {
        switch self {
        case .unique(let instant), .repeated(let instant, _), .skipped(let instant, _): instant
        }
    }
}
