import CampaignExamples
import CampaignFlows
import CampaignRuntime
import Foundation

/// The process's resident memory in bytes (Linux `/proc/self/statm`), for memory per contact and per timer:
/// measured as growth over many items, so page granularity does not matter.
func allocatedBytes() -> Int {
    guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
          let pages = statm.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// The runtime's figures: the step function compiled and interpreted, the engine end to end, memory per
/// waiting contact, and a million pending timers.
/// `only` picks one section: `step`, `e2e`, `memory`, `timers`, `durable` (``durableBenchmark(repetitions:)``) or
/// `restart` (``restartBenchmark(contacts:)``) or `fanout` (``fanOutBenchmark()``), these two only when asked.
func runtimeBenchmark(repetitions: Int, only: String? = nil) async throws {
    func runs(_ section: String) -> Bool { only == nil || only == section }
    let compiled = AbandonedCartV2()
    let interpreted = FlowInterpreter(compiled.definition)
    print("campaignc runtime benchmark on abandoned-cart v2, best of \(repetitions) runs")

    // 1. The step function alone: the instant steps of one visit, over and over.
    var contact = ContactProfile(id: "c1", fields: ["gender": .string("female"), "email": .string("c1@example.com")])
    contact.history.emailsSinceOpen = 1
    var record = SendRecord(message: "cart-reminder-f", sentAt: 0)
    record.facts = PostSendFacts(.opened)
    var context = FlowContext(now: 0, contact: contact, event: ["total": .decimal(80)], sends: [2: record],
                              campaign: "abandoned-cart", version: 2, timeZone: TimeZone(identifier: "UTC")!)
    let path = [0, 1, 2, 5, 6, 7]  // wait_2h, by_gender, email_f, wait_2d, opened, won
    let transitions = 3_000_000
    if runs("step") {
    func stepLoop(_ flow: any CampaignFlow) -> Double {
        var checksum = 0
        let seconds = fastest(repetitions) {
            for index in 0..<transitions {
                switch flow.step(path[index % path.count], &context) {
                case .go(let next), .send(_, let next), .wait(_, let next): checksum &+= next
                default: checksum &+= 1
                }
            }
        }
        precondition(checksum != 0)
        return seconds
    }
    let compiledSeconds = stepLoop(compiled)
    let interpretedSeconds = stepLoop(interpreted)
    print(String(format: "step function, compiled      %12.0f transitions/s  (goal >= 5,000,000)", Double(transitions) / compiledSeconds))
    print(String(format: "step function, interpreted   %12.0f transitions/s", Double(transitions) / interpretedSeconds))
    print(String(format: "compiled / interpreted       %12.2fx  (goal >= 3x)", interpretedSeconds / compiledSeconds))
    }

    // 2. End to end: contacts enter on their trigger event, wait 2 h, get a send, wait 2 d and end, with the
    //    in-memory store and recording channels.
    let contacts = 20_000
    for (name, flow) in !runs("e2e") ? [] : [("compiled", compiled as any CampaignFlow), ("interpreted", interpreted)] {
        var contactSteps = 0
        var seconds = Double.infinity
        for _ in 0..<repetitions {
            // Untimed: the engine and its contacts. Timed: the events and timers that move them through.
            let engine = try await CampaignEngine(flows: [flow], clock: VirtualClock(now: 0), recordsTrace: false)
            for index in 0..<contacts {
                try await engine.upsertContact(ContactProfile(id: "c\(index)", fields: ["gender": .string(index % 2 == 0 ? "female" : "male"),
                                                                              "email": .string("c\(index)@example.com")]))
            }
            let start = DispatchTime.now().uptimeNanoseconds
            for index in 0..<contacts {
                try await engine.handle(event: "cart_abandoned", contact: "c\(index)", payload: ["total": .decimal(50)])
            }
            try await engine.runTimers(upTo: 10 * 86_400)
            seconds = min(seconds, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            contactSteps = try await engine.report(FlowKey(campaign: "abandoned-cart", version: 2)).arrivalsPerStep.values.reduce(0, +)
        }
        print(String(format: "end to end, %-12@     %12.0f contact-steps/s  (%d contact-steps; goal >= 500,000)",
                     name as NSString, Double(contactSteps) / seconds, contactSteps))
    }

    // 3. Memory per contact waiting in a step: what entering adds once the contacts exist.
    if runs("memory") {
        let waiting = 100_000
        let engine = try await CampaignEngine(flows: [compiled], clock: VirtualClock(now: 0), recordsTrace: false)
        for index in 0..<waiting {
            try await engine.upsertContact(ContactProfile(id: "w\(index)", fields: ["email": .string("w\(index)@example.com")]))
        }
        let before = allocatedBytes()
        for index in 0..<waiting {
            try await engine.handle(event: "cart_abandoned", contact: "w\(index)", payload: ["total": .decimal(50)])
        }
        let after = allocatedBytes()
        let waitingNow = try await engine.report(FlowKey(campaign: "abandoned-cart", version: 2)).contactsPerStep["wait_2h"]
        precondition(waitingNow == waiting)
        print(String(format: "memory per waiting contact   %12d bytes  (resident growth: visit, timer, indexes; goal <= 256)", (after - before) / waiting))
    }

    // 4. One million pending timers: memory, and they fire in due order.
    if runs("timers") {
        let store = InMemoryStore()
        let count = 1_000_000
        var generator = SystemRandomNumberGenerator()
        let before = allocatedBytes()
        var unit = EffectUnit()
        let flow = FlowKey(campaign: "c", version: 1)
        for index in 0..<count {
            let due = Double(UInt32.random(in: 0...UInt32.max, using: &generator))
            unit.timersAdded.append(PendingTimer(due: due, sequence: UInt64(index),
                                                 kind: .wake(VisitKey(contact: "t", flow: flow, number: index), state: 0)))
        }
        let insertStart = DispatchTime.now().uptimeNanoseconds
        try store.commit(unit)
        let insert = Double(DispatchTime.now().uptimeNanoseconds - insertStart) / 1e9
        unit = EffectUnit()
        let after = allocatedBytes()
        var last = -Double.infinity
        var fired = 0
        let fireStart = DispatchTime.now().uptimeNanoseconds
        while let timer = store.claimTimers(dueBy: .infinity, limit: 1, lease: 60).first {
            precondition(timer.due >= last, "timers must fire in due order")
            last = timer.due
            var firing = EffectUnit()
            firing.timersFired = [timer]
            try store.commit(firing)
            fired += 1
        }
        let fire = Double(DispatchTime.now().uptimeNanoseconds - fireStart) / 1e9
        precondition(fired == count)
        print(String(format: "1,000,000 pending timers     %12d bytes each; inserted in %.0f ms, fired in due order in %.0f ms",
                     (after - before) / count, insert * 1000, fire * 1000))
    }

    // 5. The durable stores beside plain inserts into the same database.
    if runs("durable") { try await durableBenchmark(repetitions: repetitions) }

    // 6. A restart over a million waiting contacts, alone: making its file takes minutes.
    if only == "restart" { try await restartBenchmark(contacts: 1_000_000) }

    // 7. Firing, a test's decision and stopping over 10,000 to 1,000,000 contacts, alone: it takes minutes.
    if only == "fanout" { try await fanOutBenchmark() }
}
