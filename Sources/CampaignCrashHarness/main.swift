import CampaignExamples
import CampaignFlows
import CampaignRuntime
import CampaignStorePostgres
import CampaignStoreSQLite
import Foundation

// `campaignc-crash`: proof that a crash loses nothing and does nothing twice.
//
//   campaignc-crash [--contacts N] [--kills K] [--seed S] [--folder DIR] [--postgres URL [--workers W]]
//       runs a worker over a SQLite file, kills it with SIGKILL at random moments K times, restarts it each
//       time (it resubmits every input; those already processed are skipped by their ids), lets the last
//       run finish, then runs the same inputs in memory and compares: identical visits, steps and outcomes
//       per contact, the same set of actions (none created twice), every one delivered, each at the instant
//       the in-memory run made it (no timer fired early or late).
//       With --postgres, W workers (3 by default) share a new schema of that server, all at once, and the
//       kills fall on any of them; the driver creates the contacts before starting them.
//   campaignc-crash worker (--database FILE | --postgres URL --schema NAME) --deliveries FILE --contacts N --seed S
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

/// Creates the workload's contacts that the store lacks.
func createContacts(_ engine: CampaignEngine, _ profiles: [ContactProfile]) async throws {
    for profile in profiles where try await engine.store.contact(profile.id) == nil {
        try await engine.upsertContact(profile)
    }
}

/// Runs the workload over a store, skipping inputs already processed, to its end.
///
/// Before each input it finishes the audience-wide work that a killed worker left half done: one process
/// never starts an input before its firing, stop or approval has reached every contact, and with several
/// workers the others would otherwise go on with later inputs until the periodic resume takes that work up
/// (docs/durability.md). An input is processed only once every earlier one is: each worker goes through
/// them in order and skips only those the store says are done.
func play(_ engine: CampaignEngine, clock: VirtualClock, inputs: [Input]) async throws {
    for input in inputs {
        if try await engine.store.processedInput(input.id) != nil { continue }
        try await engine.resume()
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
    guard let deliveries = option("--deliveries", arguments) else {
        FileHandle.standardError.write(Data("campaignc-crash worker: --deliveries is required\n".utf8))
        exit(2)
    }
    let store: any CampaignStore
    if let url = option("--postgres", arguments), let schema = option("--schema", arguments) {
        // A killed worker's claims are free once its session is gone: nothing to release.
        store = try await PostgresStore(url: url, schema: schema)
    } else if let database = option("--database", arguments) {
        let sqlite = try SQLiteStore(path: database)
        try await sqlite.releaseClaims()  // this worker replaces one that was killed
        store = sqlite
    } else {
        FileHandle.standardError.write(Data("campaignc-crash worker: --database, or --postgres and --schema, are required\n".utf8))
        exit(2)
    }
    let clock = VirtualClock(now: inputs[0].at)
    let engine = try await CampaignEngine(flows: CompiledCampaigns.all, store: store,
                                          channels: DeliveryLog(path: deliveries), clock: clock, recordsTrace: false)
    // With PostgreSQL the driver created the contacts: two workers creating one at once could overwrite a
    // profile that a third had already changed.
    if option("--postgres", arguments) == nil { try await createContacts(engine, profiles) }
    try await engine.resume()
    try await play(engine, clock: clock, inputs: inputs)
    print("worker: done")
    exit(0)
}

// The driver.
let kills = Int(option("--kills", arguments) ?? "") ?? 10
let postgres = option("--postgres", arguments)
let workerCount = postgres == nil ? 1 : max(1, Int(option("--workers", arguments) ?? "") ?? 3)
let folder = option("--folder", arguments) ?? FileManager.default.temporaryDirectory.appendingPathComponent("campaignc-crash-\(getpid())").path
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
let database = folder + "/state.sqlite"
/// One delivery log per worker slot: workers running at once each append to their own.
let deliveryLogs = (0..<workerCount).map { folder + "/deliveries-\($0).log" }
for path in [database, database + "-wal", database + "-shm"] + deliveryLogs where FileManager.default.fileExists(atPath: path) {
    try FileManager.default.removeItem(atPath: path)
}
let schema = "campaignc_crash_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
let durable: any CampaignStore
if let postgres {
    let store = try await PostgresStore(url: postgres, schema: schema)
    let setup = try await CampaignEngine(flows: CompiledCampaigns.all, store: store, clock: VirtualClock(now: inputs[0].at),
                                         recordsTrace: false)
    try await createContacts(setup, profiles)
    durable = store
} else {
    durable = try SQLiteStore(path: database)
}
var random = SeededRandom(seed: seed ^ 0xC0FFEE)
func startWorker(slot: Int) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    let store = postgres.map { ["--postgres", $0, "--schema", schema] } ?? ["--database", database]
    process.arguments = ["worker"] + store + ["--deliveries", deliveryLogs[slot], "--contacts", String(contacts), "--seed", String(seed)]
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    return process
}
let started = Date()
var killed = 0
var finishedEarly = 0
var workers = try (0..<workerCount).map { try startWorker(slot: $0) }
while killed < kills {
    // Kill one worker at a random moment in the first two seconds after the last kill (a restart redoes its
    // start-up too), and start it again in its slot.
    try await Task.sleep(for: .milliseconds(200 + random.below(1_800)))
    let slot = random.below(workerCount)
    if workers[slot].isRunning {
        kill(workers[slot].processIdentifier, SIGKILL)
        workers[slot].waitUntilExit()
        killed += 1
    } else {
        guard workers[slot].terminationStatus == 0 else {
            print("FAIL: a worker exited with status \(workers[slot].terminationStatus)")
            exit(1)
        }
        finishedEarly += 1
        if finishedEarly > 3 { break }
    }
    workers[slot] = try startWorker(slot: slot)
}
for worker in workers { worker.waitUntilExit() }
// A last worker alone delivers what the others left in the outbox.
let last = try startWorker(slot: 0)
last.waitUntilExit()
guard last.terminationStatus == 0, workers.allSatisfy({ $0.terminationStatus == 0 }) else {
    print("FAIL: a worker exited with status \(([last] + workers).map(\.terminationStatus).first { $0 != 0 } ?? 0)")
    exit(1)
}

// The same inputs in memory, in one uninterrupted run.
let memoryClock = VirtualClock(now: inputs[0].at)
let reference = DeliveryLog(path: nil)
let memory = try await CampaignEngine(flows: CompiledCampaigns.all, store: InMemoryStore(), channels: reference,
                                      clock: memoryClock, recordsTrace: false)
try await createContacts(memory, profiles)
try await play(memory, clock: memoryClock, inputs: inputs)

var failures: [String] = []
let durableVisits = try await visitsSummary(durable, profiles)
let memoryVisits = try await visitsSummary(memory.store, profiles)
if durableVisits != memoryVisits {
    let first = zip(durableVisits, memoryVisits).first { $0 != $1 }
    failures.append("visits differ (\(durableVisits.count) against \(memoryVisits.count)); first: \(first.map { "\($0.0) / \($0.1)" } ?? "count")")
}
let logged = try deliveryLogs.flatMap { path in
    FileManager.default.fileExists(atPath: path) ? try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init) : []
}
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
if let store = durable as? PostgresStore {
    try await store.dropSchema()
    await store.close()
}
print("campaignc-crash: \(contacts) contacts, \(inputs.count) inputs, \(workerCount) worker\(workerCount == 1 ? "" : "s") on \(postgres == nil ? "SQLite" : "PostgreSQL"), \(killed) kills (SIGKILL), \(seconds) s")
print("  visits compared: \(memoryVisits.count); actions: \(expected.count) expected, \(actedOn.count) distinct delivered, \(logged.count) deliveries in all (\(logged.count - actedOn.count) redelivered after a kill)")
if failures.isEmpty {
    print("1 passed, 0 failed")
} else {
    for failure in failures { print("FAIL: \(failure)") }
    print("0 passed, 1 failed")
    exit(1)
}
