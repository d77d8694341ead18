import CampaignExamples
import CampaignFlows
import CampaignRuntime
import CampaignStoreSQLite
import Foundation

// `campaignc-crash`: proof that a crash loses nothing and does nothing twice.
//
//   campaignc-crash [--contacts N] [--kills K] [--seed S] [--folder DIR]
//       runs a worker over a SQLite file, kills it with SIGKILL at random moments K times, restarts it each
//       time (it resubmits every input; those already processed are skipped by their ids), lets the last
//       run finish, then runs the same inputs in memory and compares: identical visits, steps and outcomes
//       per contact, the same set of actions (none created twice), every one delivered, each at the instant
//       the in-memory run made it (no timer fired early or late).
//   campaignc-crash worker --database FILE --deliveries FILE --contacts N --seed S
//       one worker run (what the driver starts).

/// One recorded input of the workload, with its id and instant.
struct Input {
    enum Kind {
        case event(String, contact: String, payload: [String: Value])
        case fire(FlowKey)
        case approve(FlowKey, step: String)
        case stop(FlowKey)
    }
    var id: String
    var at: Double
    var kind: Kind
}

/// The workload: contacts through the example campaigns over five weeks, with carts, purchases, signups,
/// opens, unsubscriptions, a manual firing with approvals, the weekly re-engagement schedule firing by
/// itself, and a version stopped midway.
func workload(contacts: Int, seed: UInt64) -> (profiles: [ContactProfile], inputs: [Input]) {
    var random = SeededRandom(seed: seed)
    let start = 1_788_000_000.0  // a Monday morning in September 2026
    var profiles: [ContactProfile] = []
    var inputs: [Input] = []
    for index in 0..<contacts {
        let id = String(format: "c%06d", index)
        var fields: [String: Value] = ["id": .string(id), "created_at": .instant(start - Double(random.below(400)) * 86_400),
                                       "gender": .string(["female", "male"][random.below(2)]),
                                       "language": .string(["fr", "en", "de", "es", "it"][random.below(5)]),
                                       "orders": .int(random.below(4)), "score": .int(random.below(100)), "rating": .int(1 + random.below(5))]
        if random.below(20) != 0 { fields["email"] = .string("\(random.below(contacts * 9 / 10))@example.com") }
        if random.below(3) == 0 { fields["phone"] = .string("+3360000\(index)") }
        var groups: Set<String> = ["newsletter"]
        if random.below(10) == 0 { groups.insert("vip") }
        profiles.append(ContactProfile(id: id, fields: fields, groups: groups))
        var at = start + Double(random.below(7 * 86_400))
        for _ in 0..<(1 + random.below(4)) {
            let event: (String, [String: Value]) = switch random.below(6) {
            case 0, 1: ("cart_abandoned", ["cart_id": .string("k\(index)"), "total": .decimal(Double(10 + random.below(200)))])
            case 2: ("purchase", ["total": .decimal(Double(10 + random.below(200))), "currency": .string("EUR")])
            case 3: ("subscribed", ["channel": .string("email")])
            case 4: ("page_visited", ["url": .string("https://shop.example/p\(random.below(50))")])
            default: ("unsubscribed", ["channel": .string(["email", "sms"][random.below(2)])])
            }
            inputs.append(Input(id: "in-\(inputs.count)", at: at, kind: .event(event.0, contact: id, payload: event.1)))
            at += Double(600 + random.below(5 * 86_400))
        }
    }
    let vip = FlowKey(campaign: "vip-offer", version: 1)
    inputs.append(Input(id: "fire-vip", at: start + 3 * 86_400, kind: .fire(vip)))
    inputs.append(Input(id: "approve-a", at: start + 8 * 86_400, kind: .approve(vip, step: "offer_a")))
    inputs.append(Input(id: "approve-b", at: start + 8 * 86_400 + 60, kind: .approve(vip, step: "offer_b")))
    inputs.append(Input(id: "stop-cart-v1", at: start + 10 * 86_400, kind: .stop(FlowKey(campaign: "abandoned-cart", version: 1))))
    inputs.append(Input(id: "end", at: start + 35 * 86_400, kind: .event("page_visited", contact: profiles[0].id, payload: [:])))
    inputs.sort { ($0.at, $0.id) < ($1.at, $1.id) }
    return (profiles, inputs)
}

/// Records each delivery on a line of a file, flushed to disk before the channel answers: a receiver
/// that keeps what it acted on.
final class DeliveryLog: ChannelAdapter, @unchecked Sendable {
    private let handle: FileHandle?
    private let lock = NSLock()
    private var lines: [String] = []

    init(path: String?) {
        if let path {
            if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
            handle = FileHandle(forWritingAtPath: path)
            handle?.seekToEndOfFile()
        } else {
            handle = nil
        }
    }

    var delivered: [String] { lock.withLock { lines } }

    func perform(_ request: ActionRequest) throws {
        let line = "\(request.key)\t\(request.at)\n"
        try lock.withLock {
            if let handle {
                try handle.write(contentsOf: Data(line.utf8))
                try handle.synchronize()
            }
            lines.append(line)
        }
    }
}

/// Runs the workload over a store, skipping inputs already processed, to its end.
func play(_ engine: CampaignEngine, clock: VirtualClock, profiles: [ContactProfile], inputs: [Input]) async throws {
    for profile in profiles where try await engine.store.contact(profile.id) == nil {
        try await engine.upsertContact(profile)
    }
    try await engine.resume()
    for input in inputs {
        if try await engine.store.processedInput(input.id) != nil { continue }
        try await engine.advance(to: input.at)
        clock.now = max(clock.now, input.at)
        switch input.kind {
        case .event(let name, let contact, let payload):
            try await engine.handle(event: name, contact: contact, payload: payload, input: input.id)
        case .fire(let key): try await engine.fire(key, input: input.id)
        case .approve(let key, let step): try await engine.approve(key, step: step, input: input.id)
        case .stop(let key): try await engine.setStatus(key, .stopped, input: input.id)
        }
    }
    try await engine.dispatcher.deliverDue()
}

/// Every visit of every contact, as text: key, step or outcome.
func visitsSummary(_ store: any CampaignStore, _ profiles: [ContactProfile]) async throws -> [String] {
    var lines: [String] = []
    for profile in profiles {
        for visit in try await store.visits(of: profile.id) {
            lines.append("\(visit.key) \(visit.outcome?.rawValue ?? "at \(visit.state)") entered \(visit.enteredAt)")
        }
    }
    return lines
}

func option(_ name: String, _ arguments: [String]) -> String? {
    arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
}

let arguments = Array(CommandLine.arguments.dropFirst())
let contacts = Int(option("--contacts", arguments) ?? "") ?? 1_000
let seed = UInt64(option("--seed", arguments) ?? "") ?? 7
let (profiles, inputs) = workload(contacts: contacts, seed: seed)

if arguments.first == "worker" {
    guard let database = option("--database", arguments), let deliveries = option("--deliveries", arguments) else {
        FileHandle.standardError.write(Data("campaignc-crash worker: --database and --deliveries are required\n".utf8))
        exit(2)
    }
    let clock = VirtualClock(now: inputs[0].at)
    let store = try SQLiteStore(path: database)
    try await store.releaseClaims()  // this worker replaces one that was killed
    let engine = try await CampaignEngine(flows: CompiledCampaigns.all, store: store,
                                          channels: DeliveryLog(path: deliveries), clock: clock, recordsTrace: false)
    try await play(engine, clock: clock, profiles: profiles, inputs: inputs)
    print("worker: done")
    exit(0)
}

// The driver.
let kills = Int(option("--kills", arguments) ?? "") ?? 10
let folder = option("--folder", arguments) ?? FileManager.default.temporaryDirectory.appendingPathComponent("campaignc-crash-\(getpid())").path
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
let database = folder + "/state.sqlite", deliveries = folder + "/deliveries.log"
for path in [database, database + "-wal", database + "-shm", deliveries] where FileManager.default.fileExists(atPath: path) {
    try FileManager.default.removeItem(atPath: path)
}
var random = SeededRandom(seed: seed ^ 0xC0FFEE)
func startWorker() throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    process.arguments = ["worker", "--database", database, "--deliveries", deliveries, "--contacts", String(contacts), "--seed", String(seed)]
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    return process
}
let started = Date()
var killed = 0
var finishedEarly = 0
while killed < kills {
    let worker = try startWorker()
    // Kill at a random moment in the first two seconds of the run (a restart redoes its start-up too).
    try await Task.sleep(for: .milliseconds(200 + random.below(1_800)))
    if worker.isRunning {
        kill(worker.processIdentifier, SIGKILL)
        worker.waitUntilExit()
        killed += 1
    } else {
        finishedEarly += 1
        if finishedEarly > 3 { break }
    }
}
let last = try startWorker()
last.waitUntilExit()
guard last.terminationStatus == 0 else {
    print("FAIL: the last worker exited with status \(last.terminationStatus)")
    exit(1)
}

// The same inputs in memory, in one uninterrupted run.
let memoryClock = VirtualClock(now: inputs[0].at)
let reference = DeliveryLog(path: nil)
let memory = try await CampaignEngine(flows: CompiledCampaigns.all, store: InMemoryStore(), channels: reference,
                                      clock: memoryClock, recordsTrace: false)
try await play(memory, clock: memoryClock, profiles: profiles, inputs: inputs)

let durable = try SQLiteStore(path: database)
var failures: [String] = []
let durableVisits = try await visitsSummary(durable, profiles)
let memoryVisits = try await visitsSummary(memory.store, profiles)
if durableVisits != memoryVisits {
    let first = zip(durableVisits, memoryVisits).first { $0 != $1 }
    failures.append("visits differ (\(durableVisits.count) against \(memoryVisits.count)); first: \(first.map { "\($0.0) / \($0.1)" } ?? "count")")
}
let logged = try String(contentsOfFile: deliveries, encoding: .utf8).split(separator: "\n").map(String.init)
let expected = Set(reference.delivered.map { String($0.dropLast()) })
let actedOn = Set(logged)
if actedOn != expected {
    failures.append("deliveries differ: \(expected.subtracting(actedOn).count) missing, \(actedOn.subtracting(expected).count) unexpected (a key twice, or at another instant)")
}
var outstanding = 0
for key in Set(CompiledCampaigns.all.map { FlowKey(campaign: $0.definition.campaign, version: $0.definition.version) }) {
    let counts = try await durable.deliveries(of: key)
    outstanding += counts.pending + counts.failed + counts.dead
}
if outstanding > 0 { failures.append("\(outstanding) actions were never delivered") }

let seconds = Int(Date().timeIntervalSince(started))
print("campaignc-crash: \(contacts) contacts, \(inputs.count) inputs, \(killed) kills (SIGKILL), \(seconds) s")
print("  visits compared: \(memoryVisits.count); actions: \(expected.count) expected, \(actedOn.count) distinct delivered, \(logged.count) deliveries in all (\(logged.count - actedOn.count) redelivered after a kill)")
if failures.isEmpty {
    print("1 passed, 0 failed")
} else {
    for failure in failures { print("FAIL: \(failure)") }
    print("0 passed, 1 failed")
    exit(1)
}
