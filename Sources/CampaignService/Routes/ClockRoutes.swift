import CampaignFlows
import CampaignRuntime
import Foundation
import Hummingbird

/// `GET` and `POST /v1/clock`: the virtual clock, read and moved forward (409 on the system clock).
enum ClockRoutes {
    struct ClockView: Encodable {
        var now: String
    }

    static func add(to table: inout RouteTable, _ core: ServiceCore) {
        table.add(.get, "/v1/clock", scope: .events) { _, _ in
            let clock = try virtualClock(core)
            try await core.catchUpVirtualClock()
            return try JSONResponse.make(ClockView(now: InstantText.format(clock.now)))
        }
        table.add(.post, "/v1/clock", scope: .admin) { request, _ in
            let clock = try virtualClock(core)
            let body = try await RequestReading.object(of: request)
            var problems = InputProblems()
            problems.rejectUnknown(in: body, known: ["now"])
            let text = problems.requiredString("now", in: body)
            let instant = text.flatMap(InstantText.parse)
            if let text, instant == nil {
                problems.add("/now", "must be a date-time with an offset (as 2026-03-02T12:00:00Z), found '\(text)'")
            }
            try problems.check()
            guard let instant else { throw Problem.invalidInput([.init(pointer: "/now", detail: "is required")]) }
            try await core.clockMover.move(clock, to: instant)
            return try JSONResponse.make(ClockView(now: InstantText.format(clock.now)))
        }
    }

    private static func virtualClock(_ core: ServiceCore) throws -> VirtualClock {
        guard let clock = core.virtualClock else {
            throw Problem.conflict("the service runs on the system clock; start it with --clock virtual to move time by hand")
        }
        return clock
    }
}
