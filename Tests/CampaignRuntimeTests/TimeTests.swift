import Foundation
import Testing
import CampaignFlows
@testable import CampaignRuntime

private func zone(_ name: String) throws -> TimeZone { try CampaignTimeZone.resolve(name).get() }

private func at(_ text: String) throws -> Double { try #require(Value.parseInstant(text, timeZone: .gmt)) }

@Suite struct TimeCronTests {
    @Test func aFixedTimeSlotInASpringGapFiresOnceWhenTheGapEnds() throws {
        let newYork = try zone("America/New_York")
        // 8 March 2026: 02:00 EST jumps to 03:00 EDT (07:00Z).
        let half = try #require(CronSchedule("30 2 * * *"))
        #expect(half.next(after: try at("2026-03-08T05:00:00Z"), timeZone: newYork) == (try at("2026-03-08T07:00:00Z")))
        let both = try #require(CronSchedule("0,30 2 * * *"))
        let first = try #require(both.next(after: try at("2026-03-08T05:00:00Z"), timeZone: newYork))
        #expect(first == (try at("2026-03-08T07:00:00Z")))
        #expect(both.next(after: first, timeZone: newYork) == (try at("2026-03-09T06:00:00Z")), "once that day, then 02:00 EDT")
    }

    @Test func anElapsedTimeEntrySkipsSlotsInASpringGap() throws {
        let newYork = try zone("America/New_York")
        let halfHourly = try #require(CronSchedule("*/30 * * * *"))
        #expect(halfHourly.next(after: try at("2026-03-08T06:30:00Z"), timeZone: newYork) == (try at("2026-03-08T07:00:00Z")),
                "01:30 EST, then 03:00 EDT")
    }

    @Test func anElapsedTimeEntryFiresInBothPassesOfAnOverlap() throws {
        let paris = try zone("Europe/Paris")
        // 25 October 2026: 03:00 CEST (01:00Z) goes back to 02:00 CET.
        let hourly = try #require(CronSchedule("0 * * * *"))
        var firings: [Double] = []
        var instant = try at("2026-10-24T23:30:00Z")
        for _ in 0..<3 {
            instant = try #require(hourly.next(after: instant, timeZone: paris))
            firings.append(instant)
        }
        #expect(firings == [try at("2026-10-25T00:00:00Z"), try at("2026-10-25T01:00:00Z"), try at("2026-10-25T02:00:00Z")],
                "02:00 CEST, 02:00 CET, 03:00 CET")
    }

    @Test func aFixedTimeSlotInAnOverlapFiresOnceInTheFirstPass() throws {
        let paris = try zone("Europe/Paris")
        let daily = try #require(CronSchedule("30 2 * * *"))
        let first = try #require(daily.next(after: try at("2026-10-24T23:00:00Z"), timeZone: paris))
        #expect(first == (try at("2026-10-25T00:30:00Z")), "02:30 CEST")
        #expect(daily.next(after: first, timeZone: paris) == (try at("2026-10-26T01:30:00Z")), "not 02:30 CET, next day")
    }

    @Test func aScheduleThatCanNeverFireIsRefused() {
        for text in ["0 0 31 2 *", "0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 30-31 FEB */2"] {
            guard case .failure(let problem) = CronSchedule.parse(text) else {
                Issue.record("'\(text)' should be refused")
                continue
            }
            #expect(problem.description.hasPrefix("it never fires"), "\(problem)")
        }
        #expect(CronSchedule.parse("0 0 31 2 *").failureText == "it never fires: February has no day 31")
        #expect(CronSchedule.parse("0 0 31 4,6,9,11 *").failureText
                == "it never fires: April, June, September and November have no day 31")
        #expect(CronSchedule("0 0 31 2 MON") != nil, "both restricted: any Monday in February fires")
        #expect(CronSchedule("0 0 29 2 *") != nil, "leap years")
    }

    @Test func fieldsParseAsCronieReadsThem() throws {
        #expect(CronSchedule.parse("0 25 * * MON").failureText == "hour 25 is outside 0-23")
        #expect(CronSchedule.parse("0 8 * *").failureText == "a schedule has 5 fields (minute hour day month weekday), found 4")
        #expect(CronSchedule.parse("0 8 5-1 * *").failureText == "the range '5-1' runs backwards")
        #expect(CronSchedule.parse("*/0 8 * * *").failureText == "'0' is not a valid step")
        let steps = try #require(CronSchedule("10/20 1-5/2 * jan-mar sun,7"))
        #expect(steps.minutes == [10, 30, 50])
        #expect(steps.hours == [1, 3, 5])
        #expect(steps.months == [1, 2, 3])
        #expect(steps.daysOfWeek == [0])
        #expect(steps.isFixedTime)
        #expect(!(try #require(CronSchedule("0 */2 * * *"))).isFixedTime)
        // `*/2` starts with `*`: not restricted, so both must match (cronie).
        let both = try #require(CronSchedule("0 0 */2 * MON"))
        let utc = try zone("UTC")
        #expect(both.next(after: try at("2026-09-01T00:00:00Z"), timeZone: utc) == (try at("2026-09-07T00:00:00Z")),
                "Monday 7 September, an odd day")
    }

    @Test func aRareScheduleIsFoundYearsAhead() throws {
        let utc = try zone("UTC")
        let leapDay = try #require(CronSchedule("0 0 29 2 *"))
        #expect(leapDay.next(after: try at("2028-03-01T00:00:00Z"), timeZone: utc) == (try at("2032-02-29T00:00:00Z")))
    }
}

@Suite struct TimeWaitUntilTests {
    @Test func anAtTimeInAnOverlapCanBeTheSecondPass() throws {
        let newYork = try zone("America/New_York")
        // Sunday 4 November 2029, 01:26:59 EST: the second pass of 01:00-02:00.
        let now = try at("2029-11-04T01:26:59-05:00")
        let end = WaitUntil.next(after: now, days: [1], from: 60 + 33, to: nil, timeZone: newYork)
        #expect(end == (try at("2029-11-04T01:33:00-05:00")))
        #expect(end - now == 361, "six minutes, not a week")
    }

    @Test func aWindowHoldsByLocalTimeInBothPassesAndNotInAGap() throws {
        let newYork = try zone("America/New_York")
        let firstPass = try at("2029-11-04T01:10:00-04:00"), secondPass = try at("2029-11-04T01:10:00-05:00")
        #expect(WaitUntil.next(after: firstPass, days: [1], from: 60, to: 90, timeZone: newYork) == firstPass)
        #expect(WaitUntil.next(after: secondPass, days: [1], from: 60, to: 90, timeZone: newYork) == secondPass)
        // 8 March 2026 at 03:10 EDT: a 02:00-03:00 window never held; the next starts a week later.
        let afterGap = try at("2026-03-08T03:10:00-04:00")
        #expect(WaitUntil.next(after: afterGap, days: [1], from: 120, to: 180, timeZone: newYork)
                == (try at("2026-03-15T02:00:00-04:00")))
    }

    @Test func anAtTimeInAGapIsReadWithTheOffsetBefore() throws {
        let newYork = try zone("America/New_York")
        let now = try at("2026-03-07T12:00:00Z")
        #expect(WaitUntil.next(after: now, days: [1], from: 150, to: nil, timeZone: newYork) == (try at("2026-03-08T03:30:00-04:00")))
    }
}

@Suite struct TimeDateTimeTests {
    @Test func dateTimesParseStrictly() throws {
        #expect(CalendarDateTime.parse("2026-03-02T10:00:00+19:00") == nil, "beyond ±18:00")
        #expect(CalendarDateTime.parse("2026-03-02T10:00:00+18:00")?.offset == 18 * 3600)
        #expect(CalendarDateTime.parse("2026-02-30") == nil)
        #expect(CalendarDateTime.parse("2026-02-29T10:00") == nil)
        #expect(CalendarDateTime.parse("2028-02-29T10:00")?.hasTime == true)
        #expect(CalendarDateTime.parse("2026-03-02T24:00") == nil)
        #expect(CalendarDateTime.parse("2026-03-02T10:00:00Zx") == nil)
        #expect(CalendarDateTime.parse("2026-03-02T10:00:00.5Z") == nil)
        #expect(CalendarDateTime.parse("2026-03-02T10:00-05:30")?.offset == -(5 * 3600 + 1800))
        #expect(CalendarDateTime.parse("2026-03-02")?.hasTime == false)
        #expect(Value.parseInstant("2026-03-02T10:00:00+19:00", timeZone: .gmt) == nil)
    }

    @Test func aNaiveTimeIsReadInTheZoneAsAnAtTimeIs() throws {
        let newYork = try zone("America/New_York")
        #expect(Value.parseInstant("2026-03-08T02:30:00", timeZone: newYork) == (try at("2026-03-08T07:30:00Z")), "gap: 03:30 EDT")
        #expect(Value.parseInstant("2026-11-01T01:30:00", timeZone: newYork) == (try at("2026-11-01T05:30:00Z")), "overlap: first pass")
        #expect(Value.parseInstant("2026-07-01", timeZone: newYork) == (try at("2026-07-01T04:00:00Z")))
        let santiago = try zone("America/Santiago")
        // Chile springs forward at midnight: 6 September 2026 begins at 01:00.
        #expect(Value.parseInstant("2026-09-06", timeZone: santiago) == (try at("2026-09-06T04:00:00Z")))
    }
}

@Suite struct TimeZoneNameTests {
    @Test func ianaNamesAndUTCResolve() {
        for name in ["UTC", "Etc/UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham"] {
            #expect((try? CampaignTimeZone.resolve(name).get()) != nil, "\(name)")
        }
    }

    @Test func abbreviationsAndOffsetsAreRefusedWithASuggestion() {
        #expect(CampaignTimeZone.resolve("EST").problem == TimeZoneProblem(name: "EST", kind: .abbreviation, suggestion: "America/New_York"))
        #expect(CampaignTimeZone.resolve("CET").problem?.suggestion == "Europe/Paris")
        #expect(CampaignTimeZone.resolve("PST").problem?.suggestion == "America/Los_Angeles")
        #expect(CampaignTimeZone.resolve("PST8PDT").problem?.suggestion == "America/Los_Angeles")
        for name in ["UTC+2", "GMT+1", "Etc/GMT+1", "+02:00", "UTC-05:00"] {
            #expect(CampaignTimeZone.resolve(name).problem?.kind == .offset, "\(name)")
        }
        #expect(CampaignTimeZone.resolve("Mars/Olympus").problem?.kind == .unknown)
        #expect(CampaignTimeZone.resolve("europe/paris").problem?.kind == .unknown)
        #expect(CampaignTimeZone.resolve("EST").problem?.description
                == "'EST' is an abbreviation, not an IANA time zone; use 'America/New_York'")
        #expect(CampaignTimeZone.knownNames.contains("Europe/Paris"))
        #expect(!CampaignTimeZone.knownNames.contains { $0.hasPrefix("Etc/GMT") || $0 == "EST" })
    }
}

extension Result {
    var problem: Failure? { if case .failure(let problem) = self { problem } else { nil } }
}

extension Result where Failure == CronProblem {
    var failureText: String? { problem?.description }
}
