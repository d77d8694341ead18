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
    var timerCount: Int { get }
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
    private var visitsByContact: [String: [VisitKey: Visit]] = [:]
    private var visitKeysByFlow: [FlowKey: Set<VisitKey>] = [:]
    private var flows: [FlowKey: FlowRuntimeState] = [:]
    private var timers = TimerHeap()
    private var outbox: [ActionRequest] = []
    private var sequence: UInt64 = 0

    public init() {}

    public func contact(_ id: String) -> ContactProfile? { contacts[id] }
    public func contactIDs() -> [String] { contacts.keys.sorted() }
    public func visits(of contact: String) -> [Visit] { visitsByContact[contact].map { $0.values.sorted { $0.key < $1.key } } ?? [] }
    public func visits(in flow: FlowKey) -> [Visit] {
        (visitKeysByFlow[flow] ?? []).sorted().compactMap { visitsByContact[$0.contact]?[$0] }
    }
    public func flowState(_ flow: FlowKey) -> FlowRuntimeState { flows[flow] ?? FlowRuntimeState() }
    public func nextTimer() -> PendingTimer? { timers.first }
    public var timerCount: Int { timers.count }
    public func nextSequence() -> UInt64 {
        sequence += 1
        return sequence
    }

    public func commit(_ unit: EffectUnit) {
        for (id, contact) in unit.contacts { contacts[id] = contact }
        for (key, visit) in unit.visits {
            visitsByContact[key.contact, default: [:]][key] = visit
            visitKeysByFlow[key.flow, default: []].insert(key)
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
struct TimerHeap {
    private var items: [PendingTimer] = []

    var first: PendingTimer? { items.first }
    var count: Int { items.count }

    mutating func insert(_ timer: PendingTimer) {
        items.append(timer)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func popFirst() -> PendingTimer? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let first = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count, items[left] < items[smallest] { smallest = left }
            if right < items.count, items[right] < items[smallest] { smallest = right }
            if smallest == parent { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}
