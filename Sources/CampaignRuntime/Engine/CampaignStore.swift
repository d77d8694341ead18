import Foundation

/// Everything one event (or timer) changes, committed as one unit: a database commits it in one
/// transaction, so a crash leaves either all of it or none of it.
public struct EffectUnit: Sendable {
    public var contacts: [String: ContactProfile] = [:]
    public var visits: [VisitKey: Visit] = [:]
    public var flows: [FlowKey: FlowRuntimeState] = [:]
    public var timersAdded: [PendingTimer] = []
    /// The timers this unit processed, removed with the unit.
    public var timersFired: [PendingTimer] = []
    /// Actions to run, written to the outbox with the state change and dispatched after the commit.
    public var actions: [ActionRequest] = []
    /// The inputs (events submitted with an id) this unit processes: recorded with it, so that the same id
    /// is processed once. A unit that processes several inputs is refused whole when one of them was
    /// processed before.
    public var inputs: [ProcessedInput] = []
    /// Events accepted for later processing (``InboxEvent``). An id accepted or processed before with the
    /// same digest is skipped; with another digest the commit fails with ``StoreError/inputConflict(_:)``.
    /// Every other event must be about a contact that exists once the unit is applied (stored and not erased
    /// by the unit, or written by it), or the commit fails with ``StoreError/unknownContacts(_:)``: the
    /// check and the insert share the transaction, so no event is accepted for a contact erased meanwhile.
    public var inboxAdded: [InboxEvent] = []
    /// Lines of the contacts' journeys, in order.
    public var journal: [JournalEntry] = []
    /// Contacts erased, applied before the rest of the unit: their profile, visits, journal, pending timers,
    /// accepted events and undelivered actions are removed.
    public var erased: [String] = []
    /// A deployment: the campaign versions it adds and the workspace schema it brings.
    public var deployment: Deployment?
    /// Named settings the host keeps with the state (the service's virtual clock), written with the unit.
    public var settings: [String: String] = [:]
    /// Dedupe registers' entries the unit sets: for a dedupe step and a value, the contact kept.
    public var keptContacts: [DedupeKey: String] = [:]

    public init() {}
}

/// An entry of a dedupe step's register: the step (a state of a flow) and the value (an email or phone)
/// that one contact passed with. Registers are rows of their own, not part of the flow's state, so a firing
/// over a million contacts writes a page's entries per unit instead of a million-entry table each time.
public struct DedupeKey: Hashable, Codable, Sendable, Comparable {
    public var flow: FlowKey
    public var state: Int
    public var value: String

    public init(flow: FlowKey, state: Int, value: String) {
        self.flow = flow
        self.state = state
        self.value = value
    }

    public static func < (a: DedupeKey, b: DedupeKey) -> Bool { (a.flow, a.state, a.value) < (b.flow, b.state, b.value) }
}

/// What a deployment stores: campaign versions added to those a service runs, and the workspace schema its
/// inputs are checked against from then on. A store keeps every version deployed and the latest schema.
public struct Deployment: Sendable, Equatable {
    public var schema: WorkspaceSchema
    public var definitions: [FlowDefinition]

    public init(schema: WorkspaceSchema, definitions: [FlowDefinition]) {
        self.schema = schema
        self.definitions = definitions
    }
}

/// An input's id and a digest of its content.
public struct ProcessedInput: Codable, Sendable, Equatable {
    public var id: String
    public var digest: UInt64

    public init(id: String, digest: UInt64) {
        self.id = id
        self.digest = digest
    }
}

/// Why a store refuses a commit.
public enum StoreError: Error, Equatable {
    /// The unit's input id was committed before (by a unit that ran at the same time).
    case inputAlreadyProcessed(String)
    /// An event accepted (or processed) before under this id had another content.
    case inputConflict(String)
    /// Events of the unit are about contacts the store does not have (never created, or erased): their ids,
    /// each once, in the order of the unit's events.
    case unknownContacts([String])
}

/// Where the runtime keeps its state: asynchronous, throwing and shared between tasks. Reads see committed
/// state only; every change arrives as an ``EffectUnit`` that ``commit(_:)`` applies whole or not at all.
/// Timers are handed out by claiming them, with a lease, so that a worker that dies releases its claims.
///
/// The in-memory store ships here; a database store implements the same protocol and passes the same
/// conformance tests.
public protocol CampaignStore: AnyObject, Sendable {
    func contact(_ id: String) async throws -> ContactProfile?
    /// Contact ids in order, after `after` (exclusive), at most `limit`: audience-wide work pages through them.
    func contactIDs(after: String?, limit: Int) async throws -> [String]
    /// Every visit of a contact, ended ones included (repeat policies need them), in key order.
    func visits(of contact: String) async throws -> [Visit]
    /// Every visit of a flow, in key order.
    func visits(in flow: FlowKey) async throws -> [Visit]
    /// The profiles of several contacts, by id; those the store does not have are absent. A unit about many
    /// contacts reads them at once (a database store answers in one query).
    func contacts(_ ids: [String]) async throws -> [String: ContactProfile]
    /// Every visit of several contacts, by contact, each contact's in key order; contacts without visits are absent.
    func visits(ofContacts ids: [String]) async throws -> [String: [Visit]]
    /// The digests recorded with several input ids, by id; ids no unit processed are absent.
    func processedInputs(_ ids: [String]) async throws -> [String: UInt64]
    func flowState(_ flow: FlowKey) async throws -> FlowRuntimeState
    /// The contact each dedupe register keeps for each of `keys` (``EffectUnit/keptContacts``); keys without
    /// an entry are absent. Erasing a contact removes its entries.
    func keptContacts(_ keys: [DedupeKey]) async throws -> [DedupeKey: String]
    /// The due time of the earliest pending timer, claimed or not.
    func nextTimerDue() async throws -> Double?
    /// Claims up to `limit` pending timers due at or before `time`, earliest first, for `lease` seconds of
    /// real time: no other claim returns them until the lease runs out or a commit removes them.
    func claimTimers(dueBy time: Double, limit: Int, lease: Double) async throws -> [PendingTimer]
    /// A number larger than any given before, for ordering timers due at the same instant.
    func nextSequence() async throws -> UInt64
    /// Applies a unit atomically; throws ``StoreError/inputAlreadyProcessed(_:)``, applying nothing, when
    /// its input id was committed before.
    func commit(_ unit: EffectUnit) async throws
    /// The digest recorded with an input id, or nil when no unit processed it.
    func processedInput(_ id: String) async throws -> UInt64?
    /// Claims up to `limit` outbox actions whose next attempt is due at or before `time` (not dead, not
    /// delivered), oldest first, for `lease` seconds of real time.
    func claimActions(dueBy time: Double, limit: Int, lease: Double) async throws -> [OutboxEntry]
    /// Records a delivery attempt's result at `time`: delivered (removed from the outbox), to retry at an
    /// instant, or dead (kept, visible in reports, until retried by hand). With `keepsJournal`, delivered and
    /// dead add a line to the contact's journey, in the same transaction.
    func settle(_ key: IdempotencyKey, _ result: DeliveryResult, at time: Double, keepsJournal: Bool) async throws
    /// Outbox actions of a flow by delivery state.
    func deliveries(of flow: FlowKey) async throws -> DeliveryCounts
    /// Makes a dead action due again at `time`, with its attempts counted from zero; false when no dead
    /// action has the key.
    func revive(_ key: IdempotencyKey, at time: Double) async throws -> Bool
    /// The outbox by state, over every flow: what metrics report.
    func outboxDepth() async throws -> DeliveryCounts
    /// Pending timers: how many, and how many were due before `time`.
    func timerCounts(overdueAt time: Double) async throws -> (pending: Int, overdue: Int)

    /// Up to `limit` accepted events not processed yet, oldest first. A unit whose ``EffectUnit/input`` has
    /// an accepted event's id removes it from the inbox.
    func inbox(limit: Int) async throws -> [InboxEvent]
    /// How many accepted events wait to be processed.
    func inboxDepth() async throws -> Int
    /// Removes an accepted event that needs no processing (its id was processed before).
    func dropFromInbox(_ id: String) async throws
    /// A contact's journey lines, oldest first. Settling an action for good (delivered or dead) adds one when
    /// the engine keeps journeys.
    func journal(of contact: String) async throws -> [JournalEntry]

    /// Every campaign version deployed (``EffectUnit/deployment``), in key order, and the latest deployment's
    /// schema; nil when nothing was deployed.
    func deployments() async throws -> Deployment?
    /// A setting written by ``EffectUnit/settings``, or nil.
    func setting(_ name: String) async throws -> String?

    /// Waits until no other engine, in this process or another sharing the store, runs a unit, then holds
    /// the store's unit lock until ``unlockUnits()``. A unit reads, then commits whole rows (a contact's
    /// visits, a flow's shared counters), so two units running at once would overwrite each other's changes:
    /// ``CampaignEngine`` takes this lock around every unit it runs.
    ///
    /// What it costs: units are serialized over the whole store, whichever process runs them, so adding
    /// processes adds no unit throughput (they add availability, ingestion and delivery). Ingestion is not
    /// serialized: commits of accepted events (``EffectUnit/inboxAdded``), claims, deliveries and reads run
    /// beside the units. The default does nothing, for stores that serve one process (the engine serializes
    /// its own units).
    func lockUnits() async throws
    /// Releases the unit lock taken by ``lockUnits()``. It does not fail: a store that cannot release the lock
    /// otherwise lets go of what holds it (a database session).
    func unlockUnits() async
}

/// An action in the outbox, with its delivery attempts so far.
public struct OutboxEntry: Codable, Sendable, Equatable {
    public var request: ActionRequest
    /// Failed attempts so far.
    public var attempts: Int
    /// When the next attempt is due (the unit's time scale: virtual under a virtual clock).
    public var nextAttemptAt: Double
    public var isDead: Bool

    public init(request: ActionRequest, attempts: Int = 0, nextAttemptAt: Double? = nil, isDead: Bool = false) {
        self.request = request
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt ?? request.at
        self.isDead = isDead
    }
}

/// What became of one delivery attempt.
public enum DeliveryResult: Sendable, Equatable {
    case delivered
    /// Failed; the next attempt is due at the instant.
    case retry(at: Double)
    /// Failed for the last time.
    case dead
}

/// Outbox actions by state: waiting for their first attempt, failed and waiting for a retry, dead.
public struct DeliveryCounts: Codable, Sendable, Equatable {
    public var pending = 0
    public var failed = 0
    public var dead = 0

    public init(pending: Int = 0, failed: Int = 0, dead: Int = 0) {
        self.pending = pending
        self.failed = failed
        self.dead = dead
    }
}

extension CampaignStore {
    /// One read per contact: enough for a store in this process.
    public func contacts(_ ids: [String]) async throws -> [String: ContactProfile] {
        var profiles: [String: ContactProfile] = [:]
        for id in ids { profiles[id] = try await contact(id) }
        return profiles
    }

    /// One read per contact: enough for a store in this process.
    public func visits(ofContacts ids: [String]) async throws -> [String: [Visit]] {
        var visits: [String: [Visit]] = [:]
        for id in ids {
            let read = try await self.visits(of: id)
            if !read.isEmpty { visits[id] = read }
        }
        return visits
    }

    /// One read per id: enough for a store in this process.
    public func processedInputs(_ ids: [String]) async throws -> [String: UInt64] {
        var digests: [String: UInt64] = [:]
        for id in ids { digests[id] = try await processedInput(id) }
        return digests
    }

    /// One process serves the store: the engine's own serialization of its units is enough.
    public func lockUnits() async throws {}

    /// Nothing to release: see ``lockUnits()``.
    public func unlockUnits() async {}

    /// Every contact id, for small audiences and tests.
    public func allContactIDs() async throws -> [String] {
        var ids: [String] = []
        while true {
            let page = try await contactIDs(after: ids.last, limit: 1_000)
            ids += page
            if page.count < 1_000 { return ids }
        }
    }
}

/// A ``CampaignStore`` in memory, for tests, simulations and single-process hosts.
public final class InMemoryStore: CampaignStore, @unchecked Sendable {
    /// Guards everything below: the store is shared between tasks.
    private let lock = NSLock()
    private var contacts: [String: ContactProfile] = [:]
    /// Contact ids in order, for paging.
    private var orderedContactIDs: [String] = []
    private var contactIDsAreOrdered = true
    /// Each contact's visits in entry order: a short array, cheaper than a table per contact.
    private var visitsByContact: [String: [Visit]] = [:]
    private var flows: [FlowKey: FlowRuntimeState] = [:]
    private var kept: [DedupeKey: String] = [:]
    /// The register entries of each contact, so that erasing one does not scan every register.
    private var keptByContact: [String: Set<DedupeKey>] = [:]
    /// Unclaimed timers.
    private var timers = TimerHeap()
    /// Claimed timers by sequence, with the real time their lease ends: back in `timers` when it does.
    private var claimed: [UInt64: (timer: PendingTimer, leaseEnds: Double)] = [:]
    /// Timers removed by a commit while still in the heap, dropped when they reach its top.
    private var removedTimers: Set<UInt64> = []
    /// Undelivered actions by key, and their keys in the order they were written (delivered ones are
    /// dropped from the front as claims pass them).
    private var outbox: [IdempotencyKey: OutboxEntry] = [:]
    private var outboxOrder: [IdempotencyKey] = []
    private var outboxStart = 0
    /// Outbox actions claimed, with the real time their lease ends.
    private var claimedActions: [IdempotencyKey: Double] = [:]
    private var sequence: UInt64 = 0
    private var processedInputs: [String: UInt64] = [:]
    /// Accepted events in order, and their digests by id.
    private var inboxEvents: [InboxEvent] = []
    private var inboxDigests: [String: UInt64] = [:]
    private var journals: [String: [JournalEntry]] = [:]
    private var deployed: Deployment?
    private var settings: [String: String] = [:]

    public init() {}

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    public func contact(_ id: String) -> ContactProfile? { locked { contacts[id] } }

    public func contactIDs(after: String?, limit: Int) -> [String] {
        locked {
            if !contactIDsAreOrdered {
                orderedContactIDs.sort()
                contactIDsAreOrdered = true
            }
            var start = 0
            if let after {
                // Binary search for the first id greater than `after`.
                var low = 0, high = orderedContactIDs.count
                while low < high {
                    let middle = (low + high) / 2
                    if orderedContactIDs[middle] <= after { low = middle + 1 } else { high = middle }
                }
                start = low
            }
            return Array(orderedContactIDs[start..<min(orderedContactIDs.count, start + limit)])
        }
    }

    public func visits(of contact: String) -> [Visit] { locked { visitsByContact[contact] ?? [] } }

    /// Scans every contact: flows are asked for all their visits only by reports, test decisions, bulk
    /// approvals and stops, not per event.
    public func visits(in flow: FlowKey) -> [Visit] {
        locked { visitsByContact.keys.sorted().flatMap { contact in visitsByContact[contact]!.filter { $0.key.flow == flow } } }
    }

    public func flowState(_ flow: FlowKey) -> FlowRuntimeState { locked { flows[flow] ?? FlowRuntimeState() } }

    public func keptContacts(_ keys: [DedupeKey]) -> [DedupeKey: String] {
        locked {
            var found: [DedupeKey: String] = [:]
            for key in keys { found[key] = kept[key] }
            return found
        }
    }

    public func nextTimerDue() -> Double? {
        locked {
            dropRemovedTimers()
            return ([timers.first?.due] + claimed.values.map(\.timer.due)).compactMap { $0 }.min()
        }
    }

    public func claimTimers(dueBy time: Double, limit: Int, lease: Double) -> [PendingTimer] {
        locked {
            let now = Date().timeIntervalSince1970
            for (sequence, claim) in claimed where claim.leaseEnds <= now {
                claimed[sequence] = nil
                timers.insert(claim.timer)
            }
            var taken: [PendingTimer] = []
            while taken.count < limit {
                dropRemovedTimers()
                guard let first = timers.first, first.due <= time else { break }
                _ = timers.popFirst()
                claimed[first.sequence] = (first, now + lease)
                taken.append(first)
            }
            return taken
        }
    }

    private func dropRemovedTimers() {
        while let first = timers.first, removedTimers.remove(first.sequence) != nil { _ = timers.popFirst() }
    }

    public func processedInput(_ id: String) -> UInt64? { locked { processedInputs[id] } }

    public func nextSequence() -> UInt64 {
        locked {
            sequence += 1
            return sequence
        }
    }

    public func commit(_ unit: EffectUnit) throws {
        try locked {
            // Every check before the first change: a refused unit changes nothing.
            if let input = unit.inputs.first(where: { processedInputs[$0.id] != nil }) { throw StoreError.inputAlreadyProcessed(input.id) }
            var accepted: [String: UInt64] = [:]
            var unknownContacts: [String] = [], unknownSet: Set<String> = []
            for event in unit.inboxAdded {
                let known = accepted[event.id] ?? inboxDigests[event.id] ?? processedInputs[event.id]
                if let known, known != event.digest { throw StoreError.inputConflict(event.id) }
                accepted[event.id] = event.digest
                let exists = unit.contacts[event.contact] != nil
                    || (contacts[event.contact] != nil && !unit.erased.contains(event.contact))
                if known == nil, !exists, unknownSet.insert(event.contact).inserted { unknownContacts.append(event.contact) }
            }
            if !unknownContacts.isEmpty { throw StoreError.unknownContacts(unknownContacts) }
            for contact in unit.erased { erase(contact) }
            var processedFromInbox: Set<String> = []
            for input in unit.inputs {
                processedInputs[input.id] = input.digest
                if inboxDigests.removeValue(forKey: input.id) != nil { processedFromInbox.insert(input.id) }
            }
            if !processedFromInbox.isEmpty { inboxEvents.removeAll { processedFromInbox.contains($0.id) } }
            for event in unit.inboxAdded where inboxDigests[event.id] == nil && processedInputs[event.id] == nil {
                inboxDigests[event.id] = event.digest
                inboxEvents.append(event)
            }
            for entry in unit.journal { journals[entry.contact, default: []].append(entry) }
            settings.merge(unit.settings) { $1 }
            if let deployment = unit.deployment {
                var definitions = Dictionary((deployed?.definitions ?? []).map { (FlowKey(campaign: $0.campaign, version: $0.version), $0) }) { a, _ in a }
                for definition in deployment.definitions { definitions[FlowKey(campaign: definition.campaign, version: definition.version)] = definition }
                deployed = Deployment(schema: deployment.schema, definitions: definitions.sorted { $0.key < $1.key }.map(\.value))
            }
            for (id, contact) in unit.contacts {
                if contacts.updateValue(contact, forKey: id) == nil {
                    if let last = orderedContactIDs.last, last > id { contactIDsAreOrdered = false }
                    orderedContactIDs.append(id)
                }
            }
            for (key, visit) in unit.visits {
                if let index = visitsByContact[key.contact]?.firstIndex(where: { $0.key == key }) {
                    visitsByContact[key.contact]![index] = visit
                } else {
                    // Visits are numbered in entry order, so a new one almost always goes last.
                    let position = visitsByContact[key.contact]?.lastIndex { $0.key < key }.map { $0 + 1 } ?? 0
                    visitsByContact[key.contact, default: []].insert(visit, at: position)
                }
            }
            for (key, state) in unit.flows { flows[key] = state }
            for (key, contact) in unit.keptContacts {
                if let previous = kept.updateValue(contact, forKey: key) { keptByContact[previous]?.remove(key) }
                keptByContact[contact, default: []].insert(key)
            }
            for fired in unit.timersFired where claimed.removeValue(forKey: fired.sequence) == nil {
                removedTimers.insert(fired.sequence)
            }
            for timer in unit.timersAdded { timers.insert(timer) }
            for request in unit.actions where outbox[request.key] == nil {
                outbox[request.key] = OutboxEntry(request: request)
                outboxOrder.append(request.key)
            }
        }
    }

    public func claimActions(dueBy time: Double, limit: Int, lease: Double) -> [OutboxEntry] {
        locked {
            let now = Date().timeIntervalSince1970
            while outboxStart < outboxOrder.count, outbox[outboxOrder[outboxStart]] == nil { outboxStart += 1 }
            if outboxStart > 1_024, outboxStart * 2 > outboxOrder.count {
                outboxOrder.removeFirst(outboxStart)
                outboxStart = 0
            }
            var taken: [OutboxEntry] = []
            for key in outboxOrder[outboxStart...] where taken.count < limit {
                guard let entry = outbox[key], !entry.isDead, entry.nextAttemptAt <= time,
                      (claimedActions[key] ?? 0) <= now else { continue }
                claimedActions[key] = now + lease
                taken.append(entry)
            }
            return taken
        }
    }

    public func settle(_ key: IdempotencyKey, _ result: DeliveryResult, at time: Double, keepsJournal: Bool) {
        locked {
            claimedActions[key] = nil
            guard let entry = outbox[key] else { return }
            switch result {
            case .delivered:
                outbox[key] = nil
            case .retry(let at):
                outbox[key]?.attempts += 1
                outbox[key]?.nextAttemptAt = at
            case .dead:
                outbox[key]?.attempts += 1
                outbox[key]?.isDead = true
            }
            if keepsJournal, let line = JournalEntry(settling: key, result, attempts: entry.attempts + 1, at: time) {
                journals[key.visit.contact, default: []].append(line)
            }
        }
    }

    public func revive(_ key: IdempotencyKey, at time: Double) -> Bool {
        locked {
            guard outbox[key]?.isDead == true else { return false }
            outbox[key]?.isDead = false
            outbox[key]?.attempts = 0
            outbox[key]?.nextAttemptAt = time
            // Back in the claim order, which may have passed it.
            outboxOrder.append(key)
            return true
        }
    }

    public func outboxDepth() -> DeliveryCounts { locked { counts(outbox.values) } }

    public func timerCounts(overdueAt time: Double) -> (pending: Int, overdue: Int) {
        locked {
            dropRemovedTimers()
            let all = timers.all.filter { !removedTimers.contains($0.sequence) } + claimed.values.map(\.timer)
            return (all.count, all.count { $0.due < time })
        }
    }

    public func inbox(limit: Int) -> [InboxEvent] { locked { Array(inboxEvents.prefix(limit)) } }

    public func inboxDepth() -> Int { locked { inboxEvents.count } }

    public func dropFromInbox(_ id: String) {
        locked {
            if inboxDigests.removeValue(forKey: id) != nil { inboxEvents.removeAll { $0.id == id } }
        }
    }

    public func journal(of contact: String) -> [JournalEntry] { locked { journals[contact] ?? [] } }

    public func deployments() -> Deployment? { locked { deployed } }

    public func setting(_ name: String) -> String? { locked { settings[name] } }

    /// Removes everything about a contact (called with the lock held), whether or not they have a profile:
    /// an accepted event or an action may outlive it.
    private func erase(_ id: String) {
        if contacts.removeValue(forKey: id) != nil { orderedContactIDs.removeAll { $0 == id } }
        visitsByContact[id] = nil
        journals[id] = nil
        // Its timers would fire into nothing; drop them now so that none names the contact.
        for timer in timers.all where timer.contact == id { removedTimers.insert(timer.sequence) }
        for (sequence, claim) in claimed where claim.timer.contact == id { claimed[sequence] = nil }
        for key in outbox.keys where key.visit.contact == id {
            outbox[key] = nil
            claimedActions[key] = nil
        }
        for event in inboxEvents where event.contact == id { inboxDigests[event.id] = nil }
        inboxEvents.removeAll { $0.contact == id }
        for key in keptByContact.removeValue(forKey: id) ?? [] { kept[key] = nil }
    }

    public func deliveries(of flow: FlowKey) -> DeliveryCounts {
        locked { counts(outbox.values.filter { $0.request.key.visit.flow == flow }) }
    }

    private func counts(_ entries: some Sequence<OutboxEntry>) -> DeliveryCounts {
        var counts = DeliveryCounts()
        for entry in entries {
            if entry.isDead { counts.dead += 1 } else if entry.attempts > 0 { counts.failed += 1 } else { counts.pending += 1 }
        }
        return counts
    }
}

/// A binary min-heap of timers by due time, then creation.
///
/// The heap itself holds small plain entries (due time, sequence, slot), so sifting moves 24 bytes and no
/// reference counts; the timers live in a slot array whose free slots are reused.
struct TimerHeap {
    private struct Entry {
        var due: Double
        var sequence: UInt64
        var slot: Int

        func precedes(_ other: Entry) -> Bool { due < other.due || (due == other.due && sequence < other.sequence) }
    }

    private var entries: [Entry] = []
    private var slots: [PendingTimer?] = []
    private var freeSlots: [Int] = []

    var first: PendingTimer? { entries.first.flatMap { slots[$0.slot] } }

    /// Every timer in the heap, in no order.
    var all: [PendingTimer] { slots.compactMap { $0 } }

    mutating func insert(_ timer: PendingTimer) {
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            slots[slot] = timer
        } else {
            slot = slots.count
            slots.append(timer)
        }
        entries.append(Entry(due: timer.due, sequence: timer.sequence, slot: slot))
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].precedes(entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    mutating func popFirst() -> PendingTimer? {
        guard !entries.isEmpty else { return nil }
        entries.swapAt(0, entries.count - 1)
        let first = entries.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < entries.count, entries[left].precedes(entries[smallest]) { smallest = left }
            if right < entries.count, entries[right].precedes(entries[smallest]) { smallest = right }
            if smallest == parent { break }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
        let timer = slots[first.slot]
        slots[first.slot] = nil
        freeSlots.append(first.slot)
        return timer
    }
}
