import Foundation
import Testing
import CampaignFlows
@testable import CampaignRuntime

/// The workspace's frequency caps and quiet hours (LANGUAGE.md v1.2), enforced by the engine across campaigns.
@Suite struct ContactPressureTests {
    static let day = 86_400.0

    /// An email every day, for ever.
    static let dailyEmail = [
        FlowState(id: "send", line: 1, step: .send(channel: .email, message: "m", approval: false, optimized: false, next: 1)),
        FlowState(id: "wait", line: 2, step: .wait(seconds: 86_400, next: 0)),
    ]

    static func sendOnce(_ channel: MessageChannel, message: String) -> [FlowState] {
        [FlowState(id: "send", line: 1, step: .send(channel: channel, message: message, approval: false, optimized: false, next: 1)),
         FlowState(id: "done", line: 2, step: .end(.success))]
    }

    static func flow(_ states: [FlowState], campaign: String, messages: [String: FlowMessage]) -> FlowInterpreter {
        var definition = makeFlow(states, campaign: campaign).definition
        definition.messages = messages
        return FlowInterpreter(definition)
    }

    static let marketing = FlowMessage(channel: .email, category: "news")

    func suppressed(_ engine: CampaignEngine) async -> [String] {
        await engine.trace.compactMap { if case .suppressed(let key, _, let reason, _) = $0 { "\(key.flow.campaign): \(reason)" } else { nil } }
    }

    @Test func aDailyEmailGoesThreeTimesInAnySevenDaysAndASendExactlySevenDaysEarlierNoLongerCounts() async throws {
        let channels = RecordingChannels()
        let engine = try await CampaignEngine(flows: [Self.flow(Self.dailyEmail, campaign: "c", messages: ["m": Self.marketing])],
                                              channels: channels, clock: VirtualClock(now: 0))
        await engine.enforce(ContactPressurePolicy(frequencyCaps: [FrequencyCap(channel: .email, max: 3, per: 7 * 86_400)]))
        try await engine.upsertContact(subscriber("a"))
        try await engine.handle(event: "signup", contact: "a")
        try await engine.advance(to: 10 * Self.day)
        // Days 0, 1 and 2 go; 3 to 6 are over the cap; day 7's window (day 0, day 7] holds days 1 and 2 only.
        #expect(channels.performed.map { $0.at / Self.day } == [0, 1, 2, 7, 8, 9])
        #expect(await suppressed(engine) == Array(repeating: "c: frequency-cap", count: 5))
        #expect(try await engine.report(FlowKey(campaign: "c", version: 1)).suppressed == ["frequency-cap": 5])
    }

    @Test func capsCountEveryCampaignsMarketingSendsButNotTransactionalOnes() async throws {
        let receipt = FlowMessage(channel: .email, category: nil, transactional: true)
        let channels = RecordingChannels()
        let engine = try await CampaignEngine(
            flows: [Self.flow(Self.sendOnce(.email, message: "m"), campaign: "first", messages: ["m": Self.marketing]),
                    Self.flow(Self.sendOnce(.email, message: "receipt"), campaign: "receipt", messages: ["receipt": receipt]),
                    Self.flow(Self.sendOnce(.email, message: "m"), campaign: "second", messages: ["m": Self.marketing])],
            channels: channels, clock: VirtualClock(now: 0))
        await engine.enforce(ContactPressurePolicy(frequencyCaps: [FrequencyCap(channel: .email, max: 1, per: 86_400)]))
        try await engine.upsertContact(subscriber("a"))
        try await engine.handle(event: "signup", contact: "a")
        #expect(channels.performed.map(\.key.visit.flow.campaign).sorted() == ["first", "receipt"])
        #expect(await suppressed(engine) == ["second: frequency-cap"])
    }

    @Test func quietHoursHoldAMarketingSMSUntilTheyEndAndLetOtherChannelsAndTransactionalMessagesGo() async throws {
        let channels = RecordingChannels()
        let engine = try await CampaignEngine(
            flows: [Self.flow(Self.sendOnce(.sms, message: "promo"), campaign: "promo", messages: ["promo": FlowMessage(channel: .sms, category: "sale")]),
                    Self.flow(Self.sendOnce(.sms, message: "code"), campaign: "code",
                              messages: ["code": FlowMessage(channel: .sms, category: nil, transactional: true)]),
                    Self.flow(Self.sendOnce(.email, message: "m"), campaign: "news", messages: ["m": Self.marketing])],
            channels: channels, clock: VirtualClock(now: 22 * 3_600))
        await engine.enforce(ContactPressurePolicy(quietHours: QuietHours(from: 21 * 60, to: 8 * 60, channels: [.sms, .push])))
        try await engine.upsertContact(ContactProfile(id: "a", fields: ["email": .string("a@example.com"), "phone": .string("+33600000000")]))
        try await engine.handle(event: "signup", contact: "a")
        #expect(channels.performed.map(\.key.visit.flow.campaign).sorted() == ["code", "news"], "22:00: the promotion waits")
        let held = await engine.trace.contains { if case .held(_, "send", "quiet hours", 79_200) = $0 { true } else { false } }
        #expect(held)
        try await engine.advance(to: Self.day + 8 * 3_600 - 1)
        #expect(channels.performed.count == 2)
        try await engine.advance(to: Self.day + 8 * 3_600)
        #expect(channels.performed.last.map { ($0.key.visit.flow.campaign, $0.at) } ?? ("", 0) == ("promo", Self.day + 8 * 3_600),
                "08:00 the next day, when the quiet hours end")
        let promo = try await engine.store.visits(of: "a").first { $0.key.flow.campaign == "promo" }
        #expect(promo?.outcome == .campaign(.success), "the visit goes on after the send")
    }

    @Test func aHistoryStoredBeforeSendsWereCountedReadsAsOneWithoutSends() throws {
        var history = ContactHistory()
        history.emailsSinceOpen = 2
        history.recordSend(of: .email, at: 10, caps: [FrequencyCap(channel: .email, max: 3, per: 100)])
        var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(history)) as? [String: Any])
        #expect(object["sent"] != nil)
        object["sent"] = nil
        let read = try JSONDecoder().decode(ContactHistory.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(read.sent.isEmpty && read.emailsSinceOpen == 2)
    }
}
