import CampaignExamples
import CampaignFlows
import CampaignRuntime
import Foundation

/// Audience-wide work in memory, at 10,000, 100,000 and 1,000,000 contacts: what each costs per contact
/// shows whether it is linear. The flow is `vip-offer` v1 (compiled): a manual firing enters every VIP
/// (dedupe, waves, office hours, an A/B test), the test's decision two days later releases the contacts
/// waiting for its winner, and stopping the version ends every active visit. Each runs as the engine's
/// pages of ``CampaignEngine/pageSize`` contacts.
func fanOutBenchmark() async throws {
    print("audience-wide work on vip-offer v1, in memory: seconds, and microseconds per contact")
    let key = FlowKey(campaign: "vip-offer", version: 1)
    // Monday 4 January 2027, 10:00 in Paris: office hours, so the first wave reaches the test at once.
    let firing: Double = 1_799_053_200
    for contacts in [10_000, 100_000, 1_000_000] {
        let store = InMemoryStore()
        let clock = VirtualClock(now: firing)
        let engine = try await CampaignEngine(flows: [VipOfferV1()], store: store, clock: clock, recordsTrace: false,
                                              deliversAfterEachUnit: false)
        for first in stride(from: 0, to: contacts, by: 10_000) {
            var people = EffectUnit()
            for index in first..<min(first + 10_000, contacts) {
                let id = String(format: "c%07d", index)
                people.contacts[id] = ContactProfile(id: id, fields: ["email": .string("\(id)@example.com")], groups: ["vip"])
            }
            try store.commit(people)
        }
        func timed(_ body: () async throws -> Void) async rethrows -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            try await body()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        let fire = try await timed { try await engine.fire(key) }
        let entered = store.visits(in: key).count
        precondition(entered == contacts, "every VIP enters (\(entered) of \(contacts))")
        // The second wave reaches the test a day later; its decision is the first thing due two days after.
        try await engine.advance(to: firing + 2 * 86_400 - 1)
        clock.now = firing + 2 * 86_400
        var decided = false
        let decide = try await timed { decided = try await engine.advanceOnce(to: clock.now) }
        precondition(decided, "the decision was due")
        precondition(store.flowState(key).tests.values.contains { $0.winner != nil }, "the test has its winner")
        let stop = try await timed { try await engine.setStatus(key, .stopped) }
        let stopped = try await engine.report(key).outcomes["stopped"] ?? 0
        precondition(stopped > 0 && store.visits(in: key).allSatisfy { !$0.isActive }, "stopping ends every visit")
        func line(_ what: String, _ seconds: Double) -> String {
            String(format: "%-8@ %9d contacts  %8.2f s  %6.2f µs/contact", what as NSString, contacts, seconds, seconds * 1e6 / Double(contacts))
        }
        print(line("fire", fire))
        print(line("decide", decide))
        print(line("stop", stop) + "  (\(stopped) visits ended)")
    }
}
