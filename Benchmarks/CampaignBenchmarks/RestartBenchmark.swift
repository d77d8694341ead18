import CampaignExamples
import CampaignFlows
import CampaignRuntime
import CampaignStoreSQLite
import Foundation

/// A process restarting on a SQLite file where `contacts` contacts wait in abandoned-cart v2's first wait,
/// each with its pending timer: how long from the process's start until it has processed its first timers,
/// and how much memory it holds while it runs with them all waiting (state stays in the file).
///
/// The file is made once, untimed: one contact goes through the engine, and its visit and timer are copied
/// for the others, with their own keys, in units of 10,000 contacts. The restart is a new process (this
/// program, `restart-child PATH SPAWNED`), so that its memory is its own.
func restartBenchmark(contacts: Int) async throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("campaignc-restart-\(UUID().uuidString).sqlite").path
    defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
    let madeIn = try await makeWaitingContacts(path: path, contacts: contacts)
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    print(String(format: "restart: %d contacts waiting, each with a pending timer, in a %.0f MB SQLite file (made in %.0f s, untimed)",
                 contacts, Double(size) / 1e6, madeIn))

    let child = Process()
    child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    // The child times itself from this instant: the monotonic clock is the machine's, shared by processes.
    child.arguments = ["restart-child", path, String(DispatchTime.now().uptimeNanoseconds)]
    let output = Pipe()
    child.standardOutput = output
    try child.run()
    child.waitUntilExit()
    let lines = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n")
    precondition(child.terminationStatus == 0 && lines.count == 2, "the restarted process failed: \(lines)")
    for line in lines { print(line) }
}

/// The restarted process, started at `spawned` (``DispatchTime`` nanoseconds): opens the file, registers the
/// flow, runs the earliest timers as the engine's first unit, then more up to 10,000, and reports what it
/// holds in memory.
func restartChild(path: String, spawned: UInt64) async throws {
    let store = try SQLiteStore(path: path)
    try await store.releaseClaims()
    let engine = try await CampaignEngine(flows: [AbandonedCartV2()], store: store, clock: VirtualClock(now: waitEnds),
                                          recordsTrace: false, deliversAfterEachUnit: false)
    let first = try await engine.advance(to: waitEnds, timers: CampaignEngine.timersPerUnit)
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - spawned) / 1e9
    print(String(format: "restart, start to first unit  %8.2f s  (process start, open, register, %d timers run; goal < 5 s)", seconds, first))
    var ran = first
    while ran < 10_000 {
        let batch = try await engine.advance(to: waitEnds, timers: CampaignEngine.timersPerUnit)
        guard batch > 0 else { break }
        ran += batch
    }
    let (pending, _) = try await store.timerCounts(overdueAt: waitEnds)
    print(String(format: "restart, resident memory     %8.0f MB after running %d timers, %d pending (goal < 200 MB)",
                 Double(allocatedBytes()) / 1e6, ran, pending))
}

/// When the contacts' first wait (2 hours after entry at 0) ends.
private let waitEnds: Double = 7_200

/// Writes `contacts` contacts waiting at abandoned-cart v2's first wait; returns the seconds it took.
private func makeWaitingContacts(path: String, contacts: Int) async throws -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    let store = try SQLiteStore(path: path)
    let engine = try await CampaignEngine(flows: [AbandonedCartV2()], store: store, clock: VirtualClock(now: 0),
                                          recordsTrace: false, deliversAfterEachUnit: false)
    func profile(_ index: Int) -> ContactProfile {
        ContactProfile(id: "c\(index)", fields: ["gender": .string(index % 2 == 0 ? "female" : "male"),
                                                  "email": .string("c\(index)@example.com")])
    }
    try await engine.upsertContact(profile(0))
    try await engine.handle(event: "cart_abandoned", contact: "c0", payload: ["total": .decimal(50)])
    guard let template = try await store.visits(of: "c0").first, case .waiting(let until, _) = template.phase,
          until == waitEnds else { preconditionFailure("the first contact waits until \(waitEnds)") }
    let page = 10_000
    for first in stride(from: 1, to: contacts, by: page) {
        var unit = EffectUnit()
        for index in first..<min(first + page, contacts) {
            let contact = profile(index)
            var visit = template
            visit.key = VisitKey(contact: contact.id, flow: template.key.flow, number: 1)
            unit.contacts[contact.id] = contact
            unit.visits[visit.key] = visit
            unit.timersAdded.append(PendingTimer(due: waitEnds, sequence: try await store.nextSequence(),
                                                 kind: .wake(visit.key, state: visit.state)))
        }
        try await store.commit(unit)
    }
    try store.close()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}
