import Foundation
import Testing
import CampaignFlows
@testable import CampaignRuntime

/// The time library against an independent reference (`Reference/time_reference.py`, Python's `zoneinfo`):
/// seeded random cron schedules and `wait_until`s, started near daylight-saving changes in zones with unusual
/// ones, must get the same answers case by case.
@Suite struct TimeReferenceTests {
    static let zones = ["America/New_York", "Europe/Paris", "Australia/Lord_Howe", "Pacific/Chatham",
                        "America/Santiago", "Australia/Sydney", "Europe/London", "Asia/Tokyo"]
    static let cronCount = 2_400, waitCount = 2_400, firingsPerSchedule = 3

    @Test func cronAndWaitUntilAgreeWithTheReference() throws {
        var random = SeededRandom(seed: 20_260_308)
        let transitions = try Dictionary(uniqueKeysWithValues: Self.zones.map { name in
            (name, Self.transitions(in: try CampaignTimeZone.resolve(name).get()))
        })
        func start(in zone: String) -> Int {
            let nearChange = transitions[zone].flatMap { $0.isEmpty ? nil : $0 }
            if let changes = nearChange, random.below(10) < 8 {
                let instant = changes[random.below(changes.count)] + random.between(-40 * 3600, 40 * 3600)
                return random.below(10) < 7 ? instant.flooredDivision(by: 60) * 60 : instant  // mostly on a minute
            }
            return random.between(1_735_689_600, 1_924_905_600)  // 2025-01-01 ... 2030-12-31
        }

        var cronCases: [CronCase] = []
        for _ in 0..<Self.cronCount {
            let zone = Self.zones[random.below(Self.zones.count)]
            cronCases.append(CronCase(expr: CronGenerator.expression(&random), zone: zone, after: start(in: zone),
                                      count: Self.firingsPerSchedule))
        }
        var waitCases: [WaitCase] = []
        for _ in 0..<Self.waitCount {
            let zone = Self.zones[random.below(Self.zones.count)]
            let hour = random.below(3) == 0 ? random.below(24) : [0, 1, 2, 3, 23][random.below(5)]
            let minute = [0, 15, 30, 33, 45, 59, random.below(60)][random.below(7)]
            let from = hour * 60 + minute
            let to: Int? = random.below(2) == 0 ? nil : min(1439, from + 1 + random.below(240))
            let days: [Int] = switch random.below(4) {
            case 0: [1 + random.below(7)]
            case 1: Array(1...7)
            case 2: [2, 3, 4, 5, 6]
            default: (1...7).filter { _ in random.below(2) == 0 }.nilIfEmpty ?? [1]
            }
            waitCases.append(WaitCase(zone: zone, now: start(in: zone), days: days, from: from, to: to.flatMap { $0 > from ? $0 : nil }))
        }

        let reference = try Self.runReference(cron: cronCases, wait: waitCases)
        try #require(reference.cron.count == cronCases.count && reference.wait.count == waitCases.count,
                     "the reference answered \(reference.cron.count) cron and \(reference.wait.count) wait cases")

        var disagreements: [String] = []
        var invalid = 0, firings = 0
        for (index, test) in cronCases.enumerated() {
            let zone = try CampaignTimeZone.resolve(test.zone).get()
            let ours: [String]
            switch CronSchedule.parse(test.expr) {
            case .failure: ours = ["invalid"]; invalid += 1
            case .success(let schedule):
                var answers: [String] = [], instant = Double(test.after)
                for _ in 0..<test.count {
                    guard let next = schedule.next(after: instant, timeZone: zone) else { answers.append("nil"); break }
                    answers.append(String(Int(next)))
                    firings += 1
                    instant = next
                }
                ours = answers
            }
            if ours != reference.cron[index] {
                disagreements.append("cron '\(test.expr)' in \(test.zone) after \(Self.show(test.after, test.zone)): "
                                     + "ours \(Self.show(ours, test.zone)), reference \(Self.show(reference.cron[index], test.zone))")
            }
        }
        for (index, test) in waitCases.enumerated() {
            let zone = try CampaignTimeZone.resolve(test.zone).get()
            let ours = String(Int(WaitUntil.next(after: Double(test.now), days: test.days, from: test.from, to: test.to, timeZone: zone)))
            if ours != reference.wait[index] {
                disagreements.append("wait_until days \(test.days) from \(test.from / 60):\(test.from % 60) to "
                                     + "\(test.to.map { "\($0 / 60):\($0 % 60)" } ?? "-") in \(test.zone) at \(Self.show(test.now, test.zone)): "
                                     + "ours \(Self.show([ours], test.zone)), reference \(Self.show([reference.wait[index]], test.zone))")
            }
        }
        print("time reference: \(cronCases.count) cron schedules (\(invalid) refused, \(firings) firings) and "
              + "\(waitCases.count) wait_until cases in \(Self.zones.count) zones; \(disagreements.count) disagreements")
        for line in disagreements.prefix(15) { print("  " + line) }
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements; first: \(disagreements.first ?? "")")
        #expect(invalid < cronCases.count / 10, "most generated schedules are valid")
    }

    // MARK: Cases

    struct CronCase: Encodable {
        let expr: String, zone: String, after: Int, count: Int
    }

    struct WaitCase: Encodable {
        let zone: String, now: Int, days: [Int], from: Int, to: Int?

        enum CodingKeys: String, CodingKey { case zone, now, days, from, to }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(zone, forKey: .zone)
            try container.encode(now, forKey: .now)
            try container.encode(days, forKey: .days)
            try container.encode(from, forKey: .from)
            try container.encode(to, forKey: .to)  // null when nil: the reference reads the key
        }
    }

    struct Cases: Encodable {
        let cron: [CronCase], wait: [WaitCase]
    }

    /// The instants at which the zone's offset changes in 2025-2030: an hourly scan, then a bisection.
    static func transitions(in zone: TimeZone) -> [Int] {
        let clock = ZoneClock(zone)
        var result: [Int] = []
        var previous = clock.offset(at: 1_735_689_600)
        for hour in stride(from: 1_735_689_600 + 3600, through: 1_924_992_000, by: 3600) {
            let offset = clock.offset(at: hour)
            guard offset != previous else { continue }
            var low = hour - 3600, high = hour
            while high - low > 1 {
                let middle = (low + high) / 2
                if clock.offset(at: middle) == previous { low = middle } else { high = middle }
            }
            result.append(high)
            previous = offset
        }
        return result
    }

    // MARK: The reference

    static func runReference(cron: [CronCase], wait: [WaitCase]) throws -> (cron: [[String]], wait: [String]) {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Reference/time_reference.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // The reference reads all its input before writing anything, so writing first cannot deadlock.
        input.fileHandleForWriting.write(try JSONEncoder().encode(Cases(cron: cron, wait: wait)))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ReferenceFailure(message: "time_reference.py exited with \(process.terminationStatus): \(errorText)")
        }
        guard let document = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let cronAnswers = document["cron"] as? [[Any]], let waitAnswers = document["wait"] as? [Any] else {
            throw ReferenceFailure(message: "time_reference.py wrote no answers: \(String(decoding: data.prefix(500), as: UTF8.self))")
        }
        func text(_ answer: Any) -> String {
            switch answer {
            case let text as String: text
            case let number as NSNumber: String(number.int64Value)
            default: "nil"
            }
        }
        return (cronAnswers.map { $0.map(text) }, waitAnswers.map(text))
    }

    struct ReferenceFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    // MARK: Showing answers

    static func show(_ instant: Int, _ zone: String) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: zone)
        return "\(instant) (\(formatter.string(from: Date(timeIntervalSince1970: Double(instant)))))"
    }

    static func show(_ answers: [String], _ zone: String) -> String {
        "[" + answers.map { Int($0).map { show($0, zone) } ?? $0 }.joined(separator: ", ") + "]"
    }
}

/// Random cron expressions that favour what daylight saving changes: the small hours, fixed and `*` entries,
/// both day fields restricted, and now and then one that is invalid or never fires.
enum CronGenerator {
    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    static func expression(_ random: inout SeededRandom) -> String {
        if random.below(40) == 0 {
            let odd = ["0 0 31 2 *", "0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 25 * * *", "5-1 * * * *", "*/0 * * * *",
                       "0 0 * *", "0 0 30-31 FEB */2", "0 0 31 2 MON", "0 0 29 2 *", "60 * * * *", "0 0 1 13 *"]
            return odd[random.below(odd.count)]
        }
        return [minute(&random), hour(&random), dayOfMonth(&random), month(&random), dayOfWeek(&random)]
            .joined(separator: " ")
    }

    static func minute(_ random: inout SeededRandom) -> String {
        switch random.below(10) {
        case 0: "*"
        case 1: "*/\([1, 5, 10, 15, 20, 30, 45][random.below(7)])"
        case 2: "\(random.below(30))-\(30 + random.below(30))"
        case 3: "\(random.below(60))/\(1 + random.below(30))"
        case 4: "\(random.below(20))-\(20 + random.below(40))/\(1 + random.below(20))"
        case 5: [0, 15, 30, 45].filter { _ in random.below(2) == 0 }.map(String.init).joined(separator: ",").nilIfEmpty ?? "0,30"
        default: String([0, 0, 15, 30, 33, 45, 59, random.below(60)][random.below(8)])
        }
    }

    static func hour(_ random: inout SeededRandom) -> String {
        switch random.below(10) {
        case 0: "*"
        case 1: "*/\(1 + random.below(6))"
        case 2: "\(random.below(3))-\(2 + random.below(3))"
        case 3: "1,2,3"
        case 4: "\(random.below(4))/\(1 + random.below(12))"
        case 5: String(random.below(24))
        default: String([0, 1, 2, 3, 23][random.below(5)])
        }
    }

    static func dayOfMonth(_ random: inout SeededRandom) -> String {
        switch random.below(10) {
        case 0: String(1 + random.below(31))
        case 1: "\(1 + random.below(14))-\(15 + random.below(17))"
        case 2: "*/\(1 + random.below(10))"
        case 3: "1,15,\(28 + random.below(4))"
        default: "*"
        }
    }

    static func month(_ random: inout SeededRandom) -> String {
        switch random.below(10) {
        case 0: monthNames[random.below(12)]
        case 1: "\(1 + random.below(6))-\(6 + random.below(7))"
        case 2: "MAR,APR,SEP,OCT,NOV"
        default: "*"
        }
    }

    static func dayOfWeek(_ random: inout SeededRandom) -> String {
        switch random.below(10) {
        case 0: dayNames[random.below(7)]
        case 1: String(random.below(8))
        case 2: "MON-FRI"
        case 3: "0,6"
        case 4: "6-7"
        case 5: "*/2"
        default: "*"
        }
    }
}


extension Collection {
    var nilIfEmpty: Self? { isEmpty ? nil : self }
}
