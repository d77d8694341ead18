/// Everything one event (or timer) changes, committed as one unit: a database commits it in one
/// transaction, so a crash leaves either all of it or none of it.
public struct EffectUnit: Sendable {
    public var contacts: [String: ContactProfile] = [:]
    public var visits: [VisitKey: Visit] = [:]
    public var flows: [FlowKey: FlowRuntimeState] = [:]
    public var timersAdded: [PendingTimer] = []
    /// The timer this unit processed, removed with the unit.
    public var timerFired: PendingTimer?
    /// Actions to run, written to the outbox with the state change and dispatched after the commit.
    public var actions: [ActionRequest] = []

    public init() {}
}

/// Where the runtime keeps its state. Reads see committed state only; every change arrives as an
/// ``EffectUnit``. The in-memory store ships here; SQLite and PostgreSQL stores implement the same shape.
public protocol CampaignStore: AnyObject {
    func contact(_ id: String) -> ContactProfile?
    /// Every contact, for triggers that enter an audience.
    func contactIDs() -> [String]
    /// Every visit of a contact, ended ones included (repeat policies need them).
    func visits(of contact: String) -> [Visit]
    /// Every visit of a flow.
    func visits(in flow: FlowKey) -> [Visit]
    func flowState(_ flow: FlowKey) -> FlowRuntimeState
    /// The earliest pending timer.
    func nextTimer() -> PendingTimer?
    /// A number larger than any given before, for ordering timers.
    func nextSequence() -> UInt64
    func commit(_ unit: EffectUnit)
    /// Outbox actions not yet confirmed by their channel, oldest first.
    func pendingActions() -> [ActionRequest]
    func markDispatched(_ key: IdempotencyKey, _ action: FlowAction)
}

/// A ``CampaignStore`` in memory, for tests, simulations and single-process hosts.
public final class InMemoryStore: CampaignStore {
    private var contacts: [String: ContactProfile] = [:]
    /// Each contact's visits in entry order: a short array, cheaper than a table per contact.
    private var visitsByContact: [String: [Visit]] = [:]
    private var flows: [FlowKey: FlowRuntimeState] = [:]
    private var timers = TimerHeap()
    private var outbox: [ActionRequest] = []
    private var sequence: UInt64 = 0

    public init() {}

    public func contact(_ id: String) -> ContactProfile? { contacts[id] }
    public func contactIDs() -> [String] { contacts.keys.sorted() }
    public func visits(of contact: String) -> [Visit] { visitsByContact[contact] ?? [] }
    /// Scans every contact: flows are asked for all their visits only by reports, test decisions, bulk
    /// approvals and stops, not per event.
    public func visits(in flow: FlowKey) -> [Visit] {
        visitsByContact.keys.sorted().flatMap { contact in visitsByContact[contact]!.filter { $0.key.flow == flow } }
    }
    public func flowState(_ flow: FlowKey) -> FlowRuntimeState { flows[flow] ?? FlowRuntimeState() }
    public func nextTimer() -> PendingTimer? { timers.first }
    public func nextSequence() -> UInt64 {
        sequence += 1
        return sequence
    }

    public func commit(_ unit: EffectUnit) {
        for (id, contact) in unit.contacts { contacts[id] = contact }
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
        if let fired = unit.timerFired, timers.first == fired { _ = timers.popFirst() }
        for timer in unit.timersAdded { timers.insert(timer) }
        outbox.append(contentsOf: unit.actions)
    }

    public func pendingActions() -> [ActionRequest] { outbox }

    public func markDispatched(_ key: IdempotencyKey, _ action: FlowAction) {
        if let index = outbox.firstIndex(where: { $0.key == key && $0.action == action }) { outbox.remove(at: index) }
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
