import CampaignFlows
/// Identifies one flow: a campaign version.
public struct FlowKey: Hashable, Codable, Sendable, Comparable, CustomStringConvertible {
    public var campaign: String
    public var version: Int

    public init(campaign: String, version: Int) {
        self.campaign = campaign
        self.version = version
    }

    public static func < (a: FlowKey, b: FlowKey) -> Bool { (a.campaign, a.version) < (b.campaign, b.version) }

    public var description: String { "\(campaign) v\(version)" }
}

/// Identifies one visit: the `number`-th entry of a contact into a campaign (counted across versions).
public struct VisitKey: Hashable, Codable, Sendable, Comparable, CustomStringConvertible {
    public var contact: String
    public var flow: FlowKey
    public var number: Int

    public init(contact: String, flow: FlowKey, number: Int) {
        self.contact = contact
        self.flow = flow
        self.number = number
    }

    public static func < (a: VisitKey, b: VisitKey) -> Bool { (a.contact, a.flow, a.number) < (b.contact, b.flow, b.number) }

    public var description: String { "\(contact)@\(flow)#\(number)" }
}

/// One contact's passage through one campaign version.
public struct Visit: Codable, Sendable, Equatable {
    /// Where the visit stands.
    public enum Phase: Codable, Sendable, Equatable {
        /// Moving through instant steps (never stored between units).
        case running
        /// In a wait or wait_until until the instant, then on to `next`.
        case waiting(until: Double, next: Int)
        /// At a `wait_for` (v1.2) until what it waits for happens, then on to `next`; at the instant `until`, on
        /// to `timeout` instead.
        case waitingFor(until: Double, next: Int, timeout: Int)
        /// At a send held for approval.
        case awaitingApproval
        /// At a `send_time: optimized` send that goes out at the instant.
        case scheduledSend(until: Double)
        /// At an A/X test, among the contacts waiting for the winner.
        case awaitingWinner
        /// At a dedupe step reached during a firing over the audience, with the value it deduplicates on,
        /// until the settling after the firing's last page reaches it (``FanOut/Work/settleDuplicates(at:)``).
        case awaitingDuplicates(value: String)
        /// Over, with its outcome.
        case ended(VisitOutcome)
    }

    public var key: VisitKey
    public var state: Int
    public var phase: Phase
    public var enteredAt: Double
    /// The payload of the event that entered the contact, for `event.FIELD` in steps.
    public var triggerPayload: [String: Value]
    /// Sends of this visit by state.
    public var sends: SendLog
    /// The variant a contact was given at each test state.
    public var variants: [Int: Int]
    /// Actions performed at each state so far, for idempotency keys when a visit loops back to a step.
    public var actionCounts: [Int: Int] = [:]
    /// When the visit reached its campaign's goal (v1.2); nil until then, and in visits stored before v1.2.
    public var convertedAt: Double?

    public init(key: VisitKey, state: Int, phase: Phase, enteredAt: Double, triggerPayload: [String: Value],
                sends: SendLog = [:], variants: [Int: Int] = [:]) {
        self.key = key
        self.state = state
        self.phase = phase
        self.enteredAt = enteredAt
        self.triggerPayload = triggerPayload
        self.sends = sends
        self.variants = variants
    }

    /// The key of the next action at `state` (and counts it): the first action of a step in a visit is
    /// `step`, a later one, when the visit loops back, `step#2`, `step#3`...
    mutating func nextActionKey(state: Int, step: String) -> IdempotencyKey {
        let occurrence = actionCounts[state, default: 0] + 1
        actionCounts[state] = occurrence
        return IdempotencyKey(visit: key, step: occurrence == 1 ? step : "\(step)#\(occurrence)")
    }

    public var isActive: Bool {
        if case .ended = phase { return false }
        return true
    }

    public var outcome: VisitOutcome? {
        if case .ended(let outcome) = phase { return outcome }
        return nil
    }

    /// Whether the contact was held out of the campaign at entry.
    public var isHeldOut: Bool { outcome == .holdout }
}

/// A wake-up the engine asked for.
public struct PendingTimer: Codable, Sendable, Equatable, Comparable {
    public enum Kind: Codable, Sendable, Equatable {
        /// A visit waiting at `state` moves on.
        case wake(VisitKey, state: Int)
        /// The A/X test at `state` picks its winner.
        case decideTest(FlowKey, state: Int)
    }

    public var due: Double
    /// Orders timers due at the same instant by creation, so firing order is deterministic.
    public var sequence: UInt64
    public var kind: Kind

    public init(due: Double, sequence: UInt64, kind: Kind) {
        self.due = due
        self.sequence = sequence
        self.kind = kind
    }

    public static func < (a: PendingTimer, b: PendingTimer) -> Bool { (a.due, a.sequence) < (b.due, b.sequence) }

    /// Whether this is a test's decision, which reads every visit of its flow.
    public var isDecision: Bool {
        if case .decideTest = kind { return true }
        return false
    }

    /// The contact a wake-up is about; nil for a test's decision.
    public var contact: String? {
        if case .wake(let visit, _) = kind { return visit.contact }
        return nil
    }
}

/// Per-flow state shared by its contacts: A/X tests, distribution counters, counts for reports and audience-wide
/// work in progress (dedupe registers are rows of their own: ``CampaignStore/keptContacts(_:)``).
public struct FlowRuntimeState: Codable, Sendable, Equatable {
    public struct TestState: Codable, Sendable, Equatable {
        public var startedAt: Double
        public var winner: Int?
        /// Each variant's score when the test was decided (contacts who opened, clicked or succeeded, as the
        /// test's `winner_by` says); nil until then.
        public var scores: [Int]?
    }

    public var tests: [Int: TestState] = [:]
    /// Contacts sent down each bucket of each distribute state.
    public var distributed: [Int: [Int]] = [:]
    /// Arrivals at each state.
    public var arrivals: [Int: Int] = [:]
    /// Ended visits by outcome.
    public var outcomes: [String: Int] = [:]
    /// Suppressed sends by reason (``SuppressionReason``).
    public var suppressed: [String: Int] = [:]
    /// Entries and conversions, treated and held out, of a version with a holdout or a goal (v1.2); nil
    /// before its first entry, and in states stored before v1.2.
    public var conversions: ConversionCounts?
    /// The fingerprint of the definition the flow's visits were made with: their states are positions in it.
    public var fingerprint: UInt64?
    /// Audience-wide work in progress, oldest first.
    public var fanOuts: [FanOut] = []
    public var status: CampaignStatus?
    /// Schedule and date triggers have fired for every instant up to this one.
    public var triggeredUpTo: Double?
    /// For a schedule in contact time zones (v1.2), the zones other than the fallback that the contacts live
    /// in, each with the instant its firings count from (when the schedule started counting, or when a contact
    /// first lived there), so that the schedule fires at its local time in each. Set when the schedule starts
    /// counting and kept by the units that write contacts; nil, and absent from the JSON, for every other flow,
    /// so that states stored before v1.2 read as they did.
    public var contactZones: [String: Double]?

    public init() {}

    /// Gives the version `status` at `now`: stopping it ends its visits (a fan-out), and any status but
    /// `published` stops its schedule from counting, so that published again it counts from then (with its
    /// contacts' zones found again) rather than making up the slots it missed.
    mutating func change(status: CampaignStatus, at now: Double) {
        self.status = status
        if status == .stopped { fanOuts.append(FanOut(work: .stop(at: now))) }
        if status != .published {
            triggeredUpTo = nil
            contactZones = nil
        }
    }
}

/// How many visits of one version entered and converted, treated and held out (v1.2): the shares reports
/// compare, `treatedConverted / treated` against `heldOutConverted / heldOut`.
public struct ConversionCounts: Codable, Sendable, Equatable {
    /// Visits that entered and were not held out.
    public var treated = 0
    /// Treated visits that reached the goal within its `within`.
    public var treatedConverted = 0
    /// Visits held out at entry.
    public var heldOut = 0
    /// Held-out visits that reached the goal within its `within`.
    public var heldOutConverted = 0

    /// No entries yet.
    public init() {}

    /// Converted over entered, treated; nil before the first treated entry.
    public var treatedRate: Double? { treated == 0 ? nil : Double(treatedConverted) / Double(treated) }
    /// Converted over entered, held out; nil before the first held-out entry.
    public var heldOutRate: Double? { heldOut == 0 ? nil : Double(heldOutConverted) / Double(heldOut) }
    /// The treated rate minus the held-out rate, in points of share; nil while either is.
    public var lift: Double? {
        guard let treatedRate, let heldOutRate else { return nil }
        return treatedRate - heldOutRate
    }
}

/// The key that lets a channel recognise a retried action: contact, campaign, version, step and visit (and
/// the step's occurrence when a visit passes a step more than once).
public struct IdempotencyKey: Hashable, Codable, Sendable, CustomStringConvertible {
    public var visit: VisitKey
    public var step: String

    public init(visit: VisitKey, step: String) {
        self.visit = visit
        self.step = step
    }

    public var description: String { "\(visit.contact)/\(visit.flow.campaign)/v\(visit.flow.version)/\(step)/\(visit.number)" }
}

/// An action for a channel adapter, with its idempotency key.
public struct ActionRequest: Codable, Sendable, Equatable {
    public var key: IdempotencyKey
    public var action: FlowAction
    public var at: Double
}

/// Work over a flow's whole audience, done a page of contacts at a time: each page is one unit that also
/// moves the cursor, so a crash resumes where it stopped and no page is done twice.
public struct FanOut: Codable, Sendable, Equatable {
    public enum Work: Codable, Sendable, Equatable {
        /// A schedule, date or manual firing enters the audience.
        case firing(at: Double)
        /// The version stopped: its active visits end with outcome `stopped`.
        case stop(at: Double)
        /// The A/X test at `state` has its winner: the contacts waiting there go on to it.
        case releaseTest(state: Int, at: Double)
        /// Everyone held for approval at the send `state` is released.
        case approve(state: Int, at: Double)
        /// After a firing, the contacts it brought to dedupe steps go on if their register kept them and
        /// end otherwise.
        case settleDuplicates(at: Double)
    }

    public var work: Work
    /// The last contact id done; nil before the first page.
    public var cursor: String?
    /// A firing's arrivals at dedupe steps, settled together after its last page: what a firing started
    /// before registers became rows of their own carries; firings now settle through ``Work/settleDuplicates(at:)``.
    var dedupeArrivals: [CampaignEngine.DedupeArrival] = []
    /// Whether a page of this firing brought contacts to a dedupe step, so that the firing is followed by
    /// ``Work/settleDuplicates(at:)`` (nil in what was stored before it existed).
    var arrivedAtDedupe: Bool?
    /// The zones a schedule's firing in contact time zones is for: only contacts living in one of them enter.
    /// Nil, and absent from the JSON, for a firing for everyone.
    public var zones: [String]?

    /// Work over the audience, from its first contact; a schedule's firing in contact time zones passes the
    /// `zones` it is for.
    public init(work: Work, zones: [String]? = nil) {
        self.work = work
        self.zones = zones
    }
}
