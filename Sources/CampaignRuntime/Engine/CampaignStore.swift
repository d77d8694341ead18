import CampaignFlows
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
