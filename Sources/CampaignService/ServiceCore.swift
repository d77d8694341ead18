import CampaignFlows
import CampaignRuntime
import Foundation
import Logging

/// The clock a service runs on: the machine's, or a virtual one that moves only through `POST /v1/clock`.
public enum ClockKind: String, Sendable, CaseIterable {
    case system, virtual
}

/// What every route and worker of one service shares.
final class ServiceCore: Sendable {
    let engine: CampaignEngine
    /// The engine's store, clock and dispatcher, kept here to be read without waiting for the engine's actor.
    let store: any CampaignStore
    let clock: any CampaignClock
    let dispatcher: OutboxDispatcher
    /// What requests are checked against, and every registered campaign version's definition: both change
    /// with deployments.
    var schema: WorkspaceSchema { catalog.read { $0.schema } }
    var definitions: [FlowKey: FlowDefinition] { catalog.read { $0.definitions } }
    let catalog: Catalog
    /// Set when the clock is virtual.
    let virtualClock: VirtualClock?
    let intake: EventIntake
    let metrics: ServiceMetrics
    let logger: Logger
    /// Moves the virtual clock, one move at a time.
    let clockMover: ClockMover

    init(engine: CampaignEngine, store: any CampaignStore, clock: any CampaignClock, dispatcher: OutboxDispatcher,
         schema: WorkspaceSchema, definitions: [FlowKey: FlowDefinition], virtualClock: VirtualClock?, metrics: ServiceMetrics,
         logger: Logger) {
        self.engine = engine
        self.store = store
        self.clock = clock
        self.dispatcher = dispatcher
        catalog = Catalog(schema: schema, definitions: definitions)
        self.virtualClock = virtualClock
        self.metrics = metrics
        self.logger = logger
        intake = EventIntake(store: store, metrics: metrics)
        clockMover = ClockMover(engine: engine, dispatcher: dispatcher, metrics: metrics)
    }

    var now: Double { clock.now }

    /// Brings the virtual clock up to the time kept in the database, which another process sharing it may
    /// have moved.
    func catchUpVirtualClock() async throws {
        guard let virtualClock else { return }
        try await ClockMover.catchUp(virtualClock, store: store)
    }

    /// The definition of `campaign` version `version` (the path's `{v}`, as `2` or `v2`), or 404.
    func definition(campaign: String, version text: String) throws -> FlowDefinition {
        let digits = text.hasPrefix("v") ? String(text.dropFirst()) : text
        guard let version = Int(digits), let definition = definitions[FlowKey(campaign: campaign, version: version)] else {
            throw Problem.notFound("no campaign '\(campaign)' version \(text)")
        }
        return definition
    }

    /// The versions of a campaign, in version order, or 404 when there is none.
    func versions(of campaign: String) throws -> [FlowDefinition] {
        let versions = definitions.values.filter { $0.campaign == campaign }.sorted { $0.version < $1.version }
        guard !versions.isEmpty else { throw Problem.notFound("no campaign '\(campaign)'") }
        return versions
    }
}

/// The schema and the campaign versions a service runs, shared by its requests and changed by deployments.
final class Catalog: @unchecked Sendable {
    struct Contents {
        var schema: WorkspaceSchema
        var definitions: [FlowKey: FlowDefinition]
    }

    private let lock = NSLock()
    private var contents: Contents

    init(schema: WorkspaceSchema, definitions: [FlowKey: FlowDefinition]) {
        contents = Contents(schema: schema, definitions: definitions)
    }

    func read<T>(_ body: (Contents) -> T) -> T { lock.withLock { body(contents) } }

    /// Adds versions, and takes `schema` when given.
    func add(_ definitions: [FlowDefinition], schema: WorkspaceSchema?) {
        lock.withLock {
            for definition in definitions {
                contents.definitions[FlowKey(campaign: definition.campaign, version: definition.version)] = definition
            }
            if let schema { contents.schema = schema }
        }
    }
}

/// Moves a virtual clock forward and runs what falls due, one move at a time, so that two moves cannot
/// interleave (and none can take time backwards).
actor ClockMover {
    let engine: CampaignEngine
    let dispatcher: OutboxDispatcher
    let metrics: ServiceMetrics

    init(engine: CampaignEngine, dispatcher: OutboxDispatcher, metrics: ServiceMetrics) {
        self.engine = engine
        self.dispatcher = dispatcher
        self.metrics = metrics
    }

    /// The store's setting that keeps the virtual clock across restarts.
    static let setting = "virtual_clock"

    /// The virtual clock kept in `store`; on the first start, the wall-clock time, kept from then on.
    static func storedClock(in store: any CampaignStore) async throws -> VirtualClock {
        if let text = try await store.setting(setting), let instant = Double(text) { return VirtualClock(now: instant) }
        let now = Date().timeIntervalSince1970.rounded(.down)
        var unit = EffectUnit()
        unit.settings[setting] = String(now)
        try await store.commit(unit)
        return VirtualClock(now: now)
    }

    /// Moves `clock` forward to the time kept in `store`, if that is later.
    static func catchUp(_ clock: VirtualClock, store: any CampaignStore) async throws {
        if let text = try await store.setting(setting), let instant = Double(text), instant > clock.now { clock.now = instant }
    }

    /// Processes every event accepted so far at the clock's time, then sets `clock` to `instant` and runs
    /// every timer and firing due by then in order, then delivers the actions due; throws 400 when `instant`
    /// is earlier than the clock.
    func move(_ clock: VirtualClock, to instant: Double) async throws {
        try await Self.catchUp(clock, store: engine.store)
        guard instant >= clock.now else {
            throw Problem.invalidInput([.init(pointer: "/now", detail: "is before the clock's time \(InstantText.format(clock.now)); the clock never moves backwards")])
        }
        try await processInbox(engine: engine, metrics: metrics)
        // Kept first: after a crash the clock does not go back, and what fell due is run by the next move.
        var unit = EffectUnit()
        unit.settings[Self.setting] = String(instant)
        try await engine.store.commit(unit)
        clock.now = instant
        try await runDueWork(engine: engine, metrics: metrics, upTo: instant)
        try await dispatcher.deliverDue(asOf: instant)
    }
}

/// Processes the inbox until it is empty, counting each event as a unit.
func processInbox(engine: CampaignEngine, metrics: ServiceMetrics) async throws {
    while true {
        let start = ContinuousClock.now
        let processed = try await engine.processInbox(limit: 100)
        guard processed > 0 else { return }
        metrics.recordUnits(.event, count: processed, since: start)
    }
}

/// Runs every timer and schedule or date firing due by `instant`, each at its own instant in time order,
/// counting each as a unit.
func runDueWork(engine: CampaignEngine, metrics: ServiceMetrics, upTo instant: Double) async throws {
    while true {
        let start = ContinuousClock.now
        let processed = try await engine.advance(to: instant, timers: CampaignEngine.timersPerUnit)
        guard processed > 0 else { return }
        metrics.recordUnits(.timer, count: processed, since: start)
    }
}
