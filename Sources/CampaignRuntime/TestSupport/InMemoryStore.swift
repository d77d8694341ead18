import CampaignFlows
import Foundation

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
