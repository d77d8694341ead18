import CampaignFlows
import Foundation

/// One line of what the engine did, in order: the trace the differential tests compare between compiled
/// and interpreted flows, and that `campaignc test` reads expectations from.
public enum TraceEvent: Codable, Sendable, Equatable {
    case entered(VisitKey, at: Double)
    case arrived(VisitKey, state: String, at: Double)
    case action(VisitKey, state: String, FlowAction, at: Double)
    case held(VisitKey, state: String, reason: String, at: Double)
    /// A send that did not go out, and why (``SuppressionReason``).
    case suppressed(VisitKey, state: String, reason: String, at: Double)
    case ended(VisitKey, outcome: VisitOutcome, at: Double)
}

/// Executes campaign flows for many contacts: events in, timers, actions out exactly once, state in a
/// ``CampaignStore``.
///
/// Each event, timer firing, trigger firing or approval is processed as one ``EffectUnit``: the state
/// changes, new timers and the actions to run are committed together in the store's outbox. The
/// ``OutboxDispatcher`` delivers them through the channels with their idempotency keys, retrying failures;
/// actions still in the outbox after a crash are delivered on restart, and a channel recognises them by key.
public actor CampaignEngine {
    public let store: any CampaignStore
    public let channels: any ChannelAdapter
    public let clock: any CampaignClock
    /// Delivers the outbox. With ``deliversAfterEachUnit`` the engine runs it after every unit (tests,
    /// simulations, single-process hosts); otherwise the host runs ``OutboxDispatcher/run(every:)`` beside it.
    public let dispatcher: OutboxDispatcher
    public let deliversAfterEachUnit: Bool
    /// Whether to keep ``trace``; benchmarks and simulations turn it off.
    public let recordsTrace: Bool
    public private(set) var trace: [TraceEvent] = []
    /// Whether each unit writes its contacts' journey lines to the store (``JournalEntry``): the service
    /// does, for `GET /v1/contacts/{id}/journey`.
    public let keepsJournal: Bool

    /// What the engine keeps of each registered flow, looked up once per unit of work.
    private final class Entry {
        let flow: any CampaignFlow
        /// Read once: a compiled flow's `definition` is a computed copy.
        let definition: FlowDefinition
        /// The campaign's zone; with a contact time zone field, the fallback for contacts whose field names none.
        let timeZone: TimeZone
        let stateIndex: [String: Int]
        /// Whether some step reads `event.FIELD`: only then does a visit keep its trigger's payload, which
        /// is most of a waiting contact's memory otherwise.
        let stepsReadTheEvent: Bool
        /// Whether some step is a `wait_for`: only then do events and profile changes look for waiting visits.
        let waitsFor: Bool
        /// The cron schedule of a schedule trigger, parsed once.
        let schedule: CronSchedule?
        /// Whether the schedule fires at its local time in each zone the contacts live in (a schedule trigger
        /// with a contact time zone field), which the flow's state then lists (``FlowRuntimeState/contactZones``).
        let schedulesInContactZones: Bool
        /// Test and split states by step id, for variants forced by scenarios.
        let fingerprint: UInt64

        init(_ flow: any CampaignFlow) throws {
            self.flow = flow
            definition = flow.definition
            timeZone = try CampaignTimeZone.resolve(definition.timezone).get()
            if case .schedule(let text) = definition.trigger {
                schedule = try CronSchedule.parse(text).get()
            } else {
                schedule = nil
            }
            schedulesInContactZones = schedule != nil && definition.contactTimezoneField != nil
            fingerprint = Self.fingerprint(of: definition)
            stateIndex = Dictionary(definition.states.enumerated().map { ($1.id, $0) }) { first, _ in first }
            stepsReadTheEvent = definition.states.contains { state in
                switch state.step {
                case .condition(let condition, _, _): condition.readsEvent
                case .branch(let options, _): options.contains { $0.condition?.readsEvent ?? false }
                // A wait_for's `where` reads the event it waits for, not the trigger's.
                case .waitFor(.condition(let condition), _, _, _): condition.readsEvent
                default: false
                }
            }
            waitsFor = definition.states.contains { state in
                if case .waitFor = state.step { return true }
                return false
            }
        }

        /// The version's status in `state`: as a status change set it, else as its file says.
        func status(in state: FlowRuntimeState) -> CampaignStatus {
            state.status ?? definition.status
        }

        /// The first firing of the version's schedule (its local times read in `timeZone`) or dates strictly
        /// after `instant`; nil for other triggers, or when they never fire again.
        func firing(after instant: Double, in timeZone: TimeZone) -> Double? {
            switch definition.trigger {
            case .schedule: schedule?.next(after: instant, timeZone: timeZone)
            case .dates(let dates): dates.filter { $0 > instant }.min()
            default: nil
            }
        }

        /// A hash of everything in the definition but its status (which deployments change).
        static func fingerprint(of definition: FlowDefinition) -> UInt64 {
            var unstatused = definition
            unstatused.status = .draft
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let data = (try? encoder.encode(unstatused)) ?? Data()
            return StableHash.of(String(decoding: data, as: UTF8.self))
        }
    }

    private var entries: [FlowKey: Entry] = [:]
    /// Flow keys in order, and the flows each event name triggers.
    public private(set) var flowKeys: [FlowKey] = []
    private var flowsByTrigger: [String: [FlowKey]] = [:]
    /// Whether some registered flow has a `wait_for` step, or a goal: only then do events and profile changes
    /// look at the contact's visits for them.
    private var someFlowWaitsFor = false
    private var someFlowHasAGoal = false
    /// Transitions allowed in one activation of a visit of a flow of `steps` steps: as many as it has steps,
    /// since the checker forbids zero-time cycles and so an activation reaches each step at most once, and at
    /// least 10,000. The bound keeps a flow that slipped past the checker from spinning forever.
    public static func maximumTransitionsPerActivation(steps: Int) -> Int {
        max(10_000, steps)
    }

    /// How deep `start_campaign` steps may nest in one unit (a campaign's step entering a campaign whose step
    /// enters another, ...): as many campaigns as are registered, since the checker forbids `campaign-cycle`
    /// and so a chain of starts without a wait enters each campaign at most once, and at least 100. A visit
    /// whose start would go deeper ends with outcome `stopped`, so that stored or deployed definitions that
    /// slipped past the checker cannot recurse without end.
    public static func maximumCampaignStartDepth(campaigns: Int) -> Int {
        max(100, campaigns)
    }

    /// How many `start_campaign` steps enclose the current one in this task's unit.
    @TaskLocal private static var campaignStartDepth = 0

    // MARK: One unit at a time

    /// Whether a unit is running: units read before they commit, so two interleaved on the engine's actor
    /// (at their awaits) would overwrite each other's changes. Units of different contacts running at once
    /// need per-contact serialization and counters that do not share one row; until then the engine runs
    /// one unit at a time.
    private var unitRunning = false
    private var unitsWaiting: [CheckedContinuation<Void, Never>] = []
    /// Set while the current task runs a unit, so that an entry point called from inside one passes through.
    @TaskLocal private static var insideUnit = false

    /// Runs `body` as the only unit: the only one of this engine, and, through the store's
    /// ``CampaignStore/lockUnits()``, the only one of every engine sharing the store (other processes over one
    /// PostgreSQL database). An entry point that runs several units (a batch of the inbox, timers up to an
    /// instant, an audience page after page) holds the lock for all of them.
    private func exclusively<T>(_ body: () async throws -> T) async throws -> T {
        if Self.insideUnit { return try await body() }
        while unitRunning { await withCheckedContinuation { unitsWaiting.append($0) } }
        unitRunning = true
        defer {
            unitRunning = false
            if !unitsWaiting.isEmpty { unitsWaiting.removeFirst().resume() }
        }
        try await store.lockUnits()
        let result: T
        do {
            result = try await Self.$insideUnit.withValue(true) { try await body() }
        } catch {
            await store.unlockUnits()
            throw error
        }
        await store.unlockUnits()
        return result
    }

    /// The workspace's frequency caps and quiet hours, applied to every campaign's marketing sends.
    public private(set) var policies: ContactPressurePolicy?

    /// Applies the workspace's contact-pressure policies from now on (nil: none).
    public func enforce(_ policies: ContactPressurePolicy?) {
        self.policies = policies
    }

    /// Variants forced by scenarios, by contact, flow and step id.
    private var forcedVariants: [String: [FlowKey: [String: Int]]] = [:]
    /// Holdout buckets forced by scenarios, by contact.
    private var forcedHoldouts: [String: Bool] = [:]

    public init(flows: [any CampaignFlow], store: any CampaignStore = InMemoryStore(),
                channels: any ChannelAdapter = RecordingChannels(), clock: any CampaignClock = SystemClock(),
                recordsTrace: Bool = true, retryPolicy: RetryPolicy = RetryPolicy(),
                deliversAfterEachUnit: Bool = true, keepsJournal: Bool = false) async throws {
        self.store = store
        self.keepsJournal = keepsJournal
        dispatcher = OutboxDispatcher(store: store, channels: channels, clock: clock, policy: retryPolicy, keepsJournal: keepsJournal)
        self.deliversAfterEachUnit = deliversAfterEachUnit
        self.recordsTrace = recordsTrace
        self.channels = channels
        self.clock = clock
        for flow in flows { try await register(flow) }
    }

    /// Adds a flow (a compiled or interpreted campaign version). Throws when its time zone or schedule is
    /// invalid, or when the store holds visits of a different definition under the same campaign version:
    /// their states are positions in that definition, so a changed one must be a new version.
    public func register(_ flow: any CampaignFlow) async throws {
        let entry = try Entry(flow)
        let key = FlowKey(campaign: entry.definition.campaign, version: entry.definition.version)
        let fingerprint = entry.fingerprint
        // A unit of its own: the flow's row is read, then written whole.
        try await exclusively {
            var state = try await store.flowState(key)
            switch state.fingerprint {
            case fingerprint?:
                break
            case nil:
                state.fingerprint = fingerprint
                var unit = EffectUnit()
                unit.flows[key] = state
                try await store.commit(unit)
            case _?:
                throw EngineError.definitionChanged(key)
            }
        }
        install(entry, key)
    }

    private func install(_ entry: Entry, _ key: FlowKey) {
        entries[key] = entry
        flowKeys = entries.keys.sorted()
        flowsByTrigger = [:]
        for flowKey in flowKeys {
            // Once per event name, however many of the flow's triggers are on it: `enter` tries each of them.
            for name in Set(entries[flowKey]!.definition.trigger.eventTriggers.map(\.event)) {
                flowsByTrigger[name, default: []].append(flowKey)
            }
        }
        someFlowWaitsFor = entries.values.contains(where: \.waitsFor)
        someFlowHasAGoal = entries.values.contains { $0.definition.goal != nil }
    }

    // MARK: Deployments

    /// What deploying `definitions` would change, and, with `apply`, changes it in one unit: versions not
    /// registered are added (run by the interpreter, and kept in the store with `schema` so that a restart
    /// runs them again), and registered ones whose status the bundle changes get that status (`stopped`
    /// ends their visits). Throws ``EngineError/deploymentRefused(_:)``, changing nothing, when the bundle
    /// changes a version already deployed, leaves two versions of a campaign published, or holds an invalid
    /// version (a time zone or schedule the runtime refuses).
    public func deploy(_ definitions: [FlowDefinition], schema: WorkspaceSchema, apply: Bool) async throws -> DeploymentPlan {
        try await exclusively {
            var added: [(key: FlowKey, entry: Entry)] = []
            var changes: [DeploymentPlan.StatusChange] = []
            var statuses: [FlowKey: CampaignStatus] = [:]
            for key in flowKeys { statuses[key] = try await status(key) }
            var unchanged = 0
            for definition in definitions {
                let key = FlowKey(campaign: definition.campaign, version: definition.version)
                let entry: Entry
                do {
                    entry = try entries[key] ?? Entry(FlowInterpreter(definition))
                } catch {
                    throw EngineError.deploymentRefused("\(key) cannot run: \(error)")
                }
                let fingerprint = Entry.fingerprint(of: definition)
                let stored = try await store.flowState(key).fingerprint
                guard entry.fingerprint == fingerprint, stored.map({ $0 == fingerprint }) ?? true else {
                    throw EngineError.deploymentRefused("\(key) is already deployed with a different definition; publish the change as a new version")
                }
                if entries[key] == nil {
                    added.append((key, entry))
                    statuses[key] = definition.status
                    continue
                }
                let current = statuses[key] ?? nil
                guard current != definition.status else {
                    unchanged += 1
                    continue
                }
                let inFlight = try await store.visits(in: key).count(where: \.isActive)
                changes.append(.init(campaign: key.campaign, version: key.version, from: current, to: definition.status, contactsInFlight: inFlight))
                statuses[key] = definition.status
            }
            var published: [String: [Int]] = [:]
            for (key, status) in statuses where status == .published { published[key.campaign, default: []].append(key.version) }
            if let (campaign, versions) = published.first(where: { $0.value.count > 1 }) {
                let list = versions.sorted().map { "v\($0)" }.joined(separator: " and ")
                throw EngineError.deploymentRefused("campaign '\(campaign)' would have \(list) published; one published version per campaign")
            }
            let plan = DeploymentPlan(
                versionsAdded: added.map { .init(campaign: $0.key.campaign, version: $0.key.version, status: $0.entry.definition.status,
                                                 source: $0.entry.definition.source) },
                statusChanges: changes, unchanged: unchanged, applied: apply)
            guard apply else { return plan }
            let now = clock.now
            let unit = Unit(store: store)
            unit.effect.deployment = Deployment(schema: schema, definitions: added.map(\.entry.definition))
            for (key, entry) in added {
                try await unit.updateFlow(key) { $0.fingerprint = entry.fingerprint }
            }
            for change in changes {
                let key = FlowKey(campaign: change.campaign, version: change.version)
                try await unit.updateFlow(key) { $0.change(status: change.to, at: now) }
            }
            try await finish(unit)
            policies = schema.policies
            for (key, entry) in added { install(entry, key) }
            for change in changes where change.to == .stopped {
                try await runFanOuts(FlowKey(campaign: change.campaign, version: change.version))
            }
            return plan
        }
    }

    /// Registers the versions deployed through the store that this engine does not run yet (on start, and
    /// after another process deployed), and returns their definitions.
    @discardableResult
    public func adoptDeployments() async throws -> [FlowDefinition] {
        try await exclusively {
            guard let deployed = try await store.deployments() else { return [] }
            var adopted: [FlowDefinition] = []
            for definition in deployed.definitions where entries[FlowKey(campaign: definition.campaign, version: definition.version)] == nil {
                try await register(FlowInterpreter(definition))
                adopted.append(definition)
            }
            // Another process deployed: its workspace's policies with its versions.
            if !adopted.isEmpty { policies = deployed.schema.policies }
            return adopted
        }
    }

    /// The version's status: as set with ``setStatus(_:_:)``, else as its file says.
    public func status(_ key: FlowKey) async throws -> CampaignStatus? {
        try await store.flowState(key).status ?? entries[key]?.definition.status
    }

    // MARK: Inputs

    /// Adds or replaces a contact's profile. The contact's visits waiting at a `wait_for` whose condition now
    /// holds move on in the same unit.
    public func upsertContact(_ contact: ContactProfile) async throws {
        try await exclusively {
            let unit = Unit(store: store)
            unit.effect.contacts[contact.id] = contact
            try await convertVisits(of: contact.id, event: nil, now: clock.now, unit)
            try await wakeWaitingVisits(of: contact.id, event: nil, now: clock.now, unit)
            try await finish(unit)
        }
    }

    /// Processes an event about a contact at the clock's time: message events attach to their send,
    /// enrolled visits are checked against their exits, and event triggers enter the contact.
    ///
    /// With an `input` id the event is processed once: the id is committed with the unit, the same event
    /// submitted again under it is skipped (returns false), and a different one under it throws
    /// ``EngineError/inputConflict(_:)``.
    @discardableResult
    public func handle(event name: String, contact id: String, payload: [String: Value] = [:], input: String? = nil) async throws -> Bool {
        try await handleAlone(event: name, contact: id, payload: payload, input: input) == .handled
    }

    /// Processes one event as its own unit.
    private func handleAlone(event name: String, contact id: String, payload: [String: Value], input: String?) async throws -> EventHandling {
        try await exclusively {
            let unit = Unit(store: store)
            unit.explainsRefusals = true
            let handled = try await process(event: name, contact: id, payload: payload, input: input, unit)
            // An event about a contact that does not exist (or was erased since it was accepted) changes
            // nothing, but its input is done.
            if handled != .skipped { try await finish(unit) }
            return handled
        }
    }

    /// What became of one event in a unit.
    private enum EventHandling {
        /// Its input was processed before: nothing to do.
        case skipped
        /// Its contact does not exist: only its input is recorded.
        case unknownContact
        case handled
    }

    /// Applies one event to `unit`, which may hold other events' changes before it (a batch of the inbox).
    private func process(event name: String, contact id: String, payload: [String: Value], input: String?,
                         _ unit: Unit) async throws -> EventHandling {
        let now = clock.now
        guard try await accept(input, digest: Self.eventDigest(name: name, contact: id, payload: payload), unit) else { return .skipped }
        guard var contact = try await unit.contact(id) else { return .unknownContact }
        let before = contact
        func channel(or fallback: String) -> String {
            if case .string(let channel)? = payload["channel"], !channel.isEmpty { return channel }
            return fallback
        }
        switch BuiltInEvent(rawValue: name) {
        case .emailOpened?:
            contact.history.recordOpen(at: now)
        case .linkClicked?, .pageVisited?:
            contact.history.lastEngagement = now
        case .unsubscribed?, .messageUnsubscribed?:
            contact.consent.unsubscribed.insert(channel(or: "email"))
        case .subscribed?:
            contact.consent.unsubscribed.remove(channel(or: "email"))
        case .spamComplaint?:
            contact.consent.unsubscribed.insert("email")
        case .messageBounced?:
            if case .string("hard")? = payload["type"] { contact.consent.hardBounced.insert("email") }
        default:
            break
        }
        if contact != before { unit.effect.contacts[id] = contact }
        try await attachMessageEvent(name, payload, contact: id, unit)
        // Conversion first: an event that is both the goal and an exit counts, and a goal with `exit: true`
        // ends the visit with `success` rather than `exited`.
        try await convertVisits(of: id, event: (name, payload), now: now, unit)
        for visit in try await unit.visits(of: id) where visit.isActive {
            if let exit = try await leaves(visit, event: (name, payload), now: now, unit) {
                var ended = visit
                try await end(&ended, .exited, exit: exit, now: now, unit)
            }
        }
        try await wakeWaitingVisits(of: id, event: (name, payload), now: now, unit)
        for key in flowsByTrigger[name] ?? [] {
            try await enter(key, contact: id, event: name, payload: payload, now: now, unit)
        }
        return .handled
    }

    /// Moves on the contact's visits waiting at a `wait_for` whose awaited condition now holds, or, with an
    /// event, whose awaited event it is (and its `where` holds on it): called on every event about the contact
    /// and every profile change (through the API, or by a step of another visit), in the unit that applies it.
    /// Each visit is read again before it is looked at and passed over unless it still waits where it did,
    /// since moving one may have ended or moved another (archiving, a profile change): a visit that arrives at
    /// a `wait_for` while the event or change is applied is not woken by it.
    private func wakeWaitingVisits(of id: String, event: (name: String, payload: [String: Value])?, now: Double,
                                   _ unit: Unit) async throws {
        guard someFlowWaitsFor else { return }
        let waiting = try await unit.visits(of: id).filter {
            if case .waitingFor = $0.phase { return true }
            return false
        }
        for before in waiting {
            guard var visit = try await unit.visit(before.key), visit.state == before.state, visit.phase == before.phase,
                  case .waitingFor(_, let next, _) = visit.phase,
                  let entry = entries[visit.key.flow], case .waitFor(let awaited, _, _, _) = entry.definition.states[visit.state].step,
                  let contact = try await unit.contact(id) else { continue }
            var context = self.context(visit, contact: contact, now: now)
            if case .event(let name, _) = awaited {
                guard let event, event.name == name else { continue }
                context.event = event.payload
            }
            guard entry.flow.awaitedHolds(visit.state, &context) else { continue }
            // As when a timer wakes a visit: its exits first (a profile change may have made one hold).
            if try await exitIfLeaving(&visit, now: now, unit) { continue }
            visit.state = next
            visit.phase = .running
            // Saved before it runs, so that a profile change it makes does not wake it a second time.
            unit.save(visit)
            try await run(&visit, now: now, unit)
        }
    }

    /// Records the conversion of the contact's visits whose goal this event (or, with none, a profile change)
    /// reaches within the goal's `within` after entry, whether the visit is active, ended or held out, so that
    /// treated and held-out shares are watched for the same window. Each visit converts once; with
    /// `exit: true` an active visit ends with outcome `success`. The event that enters a visit does not
    /// convert it.
    private func convertVisits(of id: String, event: (name: String, payload: [String: Value])?, now: Double,
                               _ unit: Unit) async throws {
        guard someFlowHasAGoal else { return }
        // Every visit converts within `within` of its entry, ended or not: a treated visit that reached its end
        // early counts as much as a held-out one, which ends at once, so the two shares compare.
        for before in try await unit.visits(of: id) where before.convertedAt == nil {
            guard let entry = entries[before.key.flow], let goal = entry.definition.goal,
                  now <= before.enteredAt + Double(goal.within),
                  var visit = try await unit.visit(before.key), visit.convertedAt == nil,
                  let contact = try await unit.contact(id) else { continue }
            var context = self.context(visit, contact: contact, now: now)
            if case .event(let name, _) = goal.awaited {
                guard let event, event.name == name else { continue }
                context.event = event.payload
            }
            guard entry.flow.goalHolds(&context) else { continue }
            visit.convertedAt = now
            let heldOut = visit.isHeldOut
            try await unit.updateFlow(visit.key.flow) { state in
                var counts = state.conversions ?? ConversionCounts()
                if heldOut { counts.heldOutConverted += 1 } else { counts.treatedConverted += 1 }
                state.conversions = counts
            }
            if keepsJournal {
                let reached = switch goal.awaited {
                case .event(let name, _): "goal: event \(name)"
                case .condition: "goal: condition held"
                }
                unit.effect.journal.append(JournalEntry(contact: id, flow: visit.key.flow, visit: visit.key.number, at: now,
                                                        kind: .converted, detail: heldOut ? "\(reached) (held out)" : reached))
            }
            if goal.exit, visit.isActive {
                try await end(&visit, .campaign(.success), now: now, unit)
            } else {
                unit.save(visit)
            }
        }
    }

    /// Records an input's id in the unit, so that it commits with it; false when the same input was
    /// processed before (skip it), an error when a different one was under that id. `content` identifies
    /// the input's content.
    private func accept(_ input: String?, _ content: [String], _ unit: Unit) async throws -> Bool {
        try await accept(input, digest: StableHash.of(content.joined(separator: "\u{1F}")), unit)
    }

    private func accept(_ input: String?, digest: UInt64, _ unit: Unit) async throws -> Bool {
        guard let input else { return true }
        var seen = unit.effect.inputs.first { $0.id == input }?.digest
        if seen == nil { seen = try await unit.processedInput(input) }
        if let seen {
            guard seen == digest else { throw EngineError.inputConflict(input) }
            return false
        }
        unit.effect.inputs.append(ProcessedInput(id: input, digest: digest))
        return true
    }

    /// The digest of an event's content, for input ids: an ``InboxEvent`` and ``handle(event:contact:payload:input:)``
    /// must agree on it.
    public static func eventDigest(name: String, contact: String, payload: [String: Value]) -> UInt64 {
        eventDigest(name: name, contact: contact, payloadText: (try? StoredJSON.object(payload)) ?? "")
    }

    /// ``eventDigest(name:contact:payload:)`` of a payload already written by ``StoredJSON/object(_:)``.
    static func eventDigest(name: String, contact: String, payloadText: String) -> UInt64 {
        StableHash.of(["event", name, contact, payloadText].joined(separator: "\u{1F}"))
    }

    /// Processes up to `limit` accepted events of the store's inbox, in acceptance order, each once; returns
    /// how many it took. An event whose id was processed before is dropped from the inbox.
    ///
    /// The events are applied one after the other to one unit, committed in one transaction: the contacts'
    /// and flows' rows are written once for all of them. If the store refuses it (an id processed meanwhile
    /// by another engine), nothing of it was applied, and each event is processed again as its own unit.
    @discardableResult
    public func processInbox(limit: Int = 100) async throws -> Int {
        try await exclusively {
            let events = try await store.inbox(limit: limit)
            guard !events.isEmpty else { return 0 }
            let traced = trace.count
            let unit = Unit(store: store)
            unit.explainsRefusals = true
            try await unit.prefetch(contacts: events.map(\.contact), inputs: events.map(\.id))
            var skipped: [String] = []
            for event in events {
                if try await process(event: event.event, contact: event.contact, payload: event.payload, input: event.id, unit) == .skipped {
                    skipped.append(event.id)
                }
            }
            var refused = false
            do {
                if !unit.effect.inputs.isEmpty { try await commit(unit) }
            } catch is StoreError {
                refused = true
            }
            if refused {
                trace.removeSubrange(traced...)
                for event in events where !skipped.contains(event.id) {
                    do {
                        if try await handleAlone(event: event.event, contact: event.contact, payload: event.payload, input: event.id) == .skipped {
                            skipped.append(event.id)
                        }
                    } catch StoreError.inputAlreadyProcessed {
                        // Processed elsewhere meanwhile (a store without a unit lock shared by processes): done.
                        skipped.append(event.id)
                    }
                }
            } else {
                try await deliver(after: unit)
            }
            for id in skipped { try await store.dropFromInbox(id) }
            return events.count
        }
    }

    /// Erases a contact: their profile, visits, journey, pending timers, accepted events and undelivered
    /// actions, and their email or phone in the flows' dedupe registers. Counters keep their totals.
    public func erase(contact id: String) async throws {
        try await exclusively {
            let unit = Unit(store: store)
            // The store removes the contact's entries in dedupe registers with the rest.
            unit.effect.erased = [id]
            try await finish(unit)
        }
    }

    /// Delivers a dead action again: its attempts start over now. False when no dead action has the key.
    public func retry(_ key: IdempotencyKey) async throws -> Bool {
        try await store.revive(key, at: clock.now)
    }

    /// Changes profile fields, then processes a `contact_updated` event naming them.
    /// A new email or phone clears that channel's hard bounce: the bounce was the old address's.
    public func updateContact(_ id: String, fields: [String: Value]) async throws {
        try await exclusively {
            guard var contact = try await store.contact(id) else { return }
            for (field, value) in fields {
                if field == "email" || field == "phone", contact.fields[field] != value {
                    contact.consent.hardBounced.remove(field == "email" ? "email" : "sms")
                }
                contact.fields[field] = value
            }
            try await upsertContact(contact)
            try await handle(event: "contact_updated", contact: id, payload: ["changed": .list(fields.keys.sorted().map(Value.string))])
        }
    }

    /// Fires a schedule, date or manual trigger: every contact of the audience enters. For an api trigger
    /// pass `contact` to enter that contact only.
    /// With an `input` id, a firing submitted again is skipped (see ``handle(event:contact:payload:input:)``).
    public func fire(_ key: FlowKey, contact: String? = nil, input: String? = nil) async throws {
        try await exclusively { try await fire(key, contact: contact, at: clock.now, recordingUpTo: nil, input: input) }
    }

    /// Fires `key` for one contact, or for the audience: everyone, or, with `zones`, the contacts living in
    /// one of them (a schedule's firing in contact time zones).
    private func fire(_ key: FlowKey, contact: String?, at now: Double, recordingUpTo: Double?, zones: [String]? = nil,
                      input: String? = nil) async throws {
        let unit = Unit(store: store)
        unit.explainsRefusals = contact != nil
        guard try await accept(input, ["fire", key.description, contact ?? ""], unit) else { return }
        if let recordingUpTo {
            try await unit.updateFlow(key) { $0.triggeredUpTo = recordingUpTo }
        }
        guard let contact else {
            try await unit.updateFlow(key) { $0.fanOuts.append(FanOut(work: .firing(at: now), zones: zones)) }
            try await finish(unit)
            try await runFanOuts(key)
            return
        }
        unit.collectsDedupeArrivals = key
        try await enter(key, contact: contact, payload: [:], now: now, unit)
        unit.collectsDedupeArrivals = nil
        try await resolveDedupe(unit.dedupeArrivals, now: now, unit)
        try await finish(unit)
    }

    // MARK: Audience-wide work

    /// Contacts per page of audience-wide work: each page is one unit, so a firing over a million contacts
    /// is two thousand small transactions, and a crash resumes at the page it stopped in.
    public static let pageSize = 500

    /// Finishes the audience-wide work a previous process left unfinished: call once on start. The engine
    /// also does it before the first timer or firing it processes, and again every few seconds as time
    /// advances, for work another process sharing the store left when it died.
    public func resume() async throws {
        try await exclusively {
            resumed = true
            lastResumed = DispatchTime.now().uptimeNanoseconds
            for key in flowKeys { try await runFanOuts(key) }
        }
    }

    private var resumed = false

    /// When ``resume()`` last looked for audience-wide work (monotonic nanoseconds). Work that nobody runs
    /// (its process killed mid-way, with others sharing the database already started; or a call that failed
    /// half-way) is picked up by the next ``advance(to:timers:)`` or ``runTimers(upTo:)`` after this many
    /// real seconds, not only when a process starts.
    private var lastResumed: UInt64 = 0
    private var resumeInterval: Double = 5

    /// Whether it is time to look for audience-wide work again.
    private var resumeIsDue: Bool {
        !resumed || Double(DispatchTime.now().uptimeNanoseconds &- lastResumed) / 1e9 >= resumeInterval
    }

    /// Looks for audience-wide work nobody runs every `seconds` of real time (tests shorten it).
    func resumeWork(every seconds: Double) {
        resumeInterval = seconds
    }

    /// Runs a flow's pending audience-wide work to its end, a page at a time.
    private func runFanOuts(_ key: FlowKey) async throws {
        while let fanOut = try await store.flowState(key).fanOuts.first {
            try await runPage(of: fanOut, key)
        }
    }

    /// One page of audience-wide work, with its cursor, in one unit.
    private func runPage(of fanOut: FanOut, _ key: FlowKey) async throws {
        let unit = Unit(store: store)
        let ids = try await store.contactIDs(after: fanOut.cursor, limit: Self.pageSize)
        switch fanOut.work {
        case .firing(let at):
            unit.collectsDedupeArrivals = key
            let zones = fanOut.zones.map(Set.init)
            // Most of the page may live elsewhere: its profiles in one read, the visits of those who enter only.
            if zones != nil { try await unit.prefetch(profiles: ids) }
            // Zones the flow's state does not list yet (a contact written by a process that did not run this
            // version then): listed now, from this firing on, rather than never.
            var unlisted: Set<String> = []
            for id in ids {
                if let zones {
                    guard let entry = entries[key], let contact = try await unit.contact(id) else { continue }
                    let name = zone(of: contact, in: entry).name
                    guard zones.contains(name) else {
                        if name != entry.definition.timezone { unlisted.insert(name) }
                        continue
                    }
                }
                try await enter(key, contact: id, payload: [:], now: at, unit)
            }
            if !unlisted.isEmpty {
                try await unit.updateFlow(key) { state in
                    for name in unlisted where state.contactZones != nil && state.contactZones?[name] == nil { state.contactZones?[name] = at }
                }
            }
            unit.collectsDedupeArrivals = nil
            try await keepBest(of: unit.dedupeArrivals, now: at, unit)
        case .settleDuplicates(let at):
            try await settleDuplicates(key, contacts: ids, now: at, unit)
        case .stop(let at):
            for id in ids {
                for var visit in try await unit.visits(of: id) where visit.key.flow == key && visit.isActive {
                    try await end(&visit, .stopped, now: at, unit)
                }
            }
        case .releaseTest(let state, let at):
            guard let winner = try await unit.flowState(key).tests[state]?.winner,
                  case .test(let variants, _, _) = entries[key]?.definition.states[state].step else { break }
            for id in ids {
                for var visit in try await unit.visits(of: id)
                where visit.key.flow == key && visit.state == state && visit.phase == .awaitingWinner {
                    visit.state = variants[winner].next
                    visit.phase = .running
                    try await run(&visit, now: at, unit)
                }
            }
        case .approve(let state, let at):
            for id in ids { try await release(key, state: state, contact: id, now: at, unit) }
        }
        let isLast = ids.count < Self.pageSize
        let arrived = (fanOut.arrivedAtDedupe ?? false) || !unit.dedupeArrivals.isEmpty
        if isLast, case .firing(let at) = fanOut.work {
            // Arrivals carried by a firing started before registers were rows of their own.
            try await resolveDedupe(fanOut.dedupeArrivals, now: at, unit)
        }
        try await unit.updateFlow(key) { state in
            if !isLast {
                state.fanOuts[0].cursor = ids.last
                if arrived { state.fanOuts[0].arrivedAtDedupe = true }
            } else if arrived, case .firing(let at) = fanOut.work {
                // In the firing's place, so that its arrivals are settled before any later work starts.
                state.fanOuts[0] = FanOut(work: .settleDuplicates(at: at))
            } else {
                state.fanOuts.removeFirst()
            }
        }
        try await finish(unit)
    }

    /// Moves time forward to `time`: timers fire and schedule and date triggers enter their audience, each
    /// at its own instant, in time order (a timer before a trigger due at the same instant). A flow's
    /// schedule counts from the clock's time at the first call; earlier firings are not made up.
    public func advance(to time: Double) async throws {
        while try await advance(to: time, timers: Self.timersPerUnit) > 0 {}
    }

    /// Processes the one earliest thing due at or before `time` (a timer, or a schedule or date firing) and
    /// returns whether there was one: a scenario runner checks its contacts between them.
    @discardableResult
    public func advanceOnce(to time: Double) async throws -> Bool {
        try await advance(to: time, timers: 1) > 0
    }

    /// Processes the earliest things due at or before `time`: up to `limit` timers in one unit, or else the
    /// earliest schedule or date firing. Returns how many timers or firings it processed, 0 when nothing is
    /// due.
    public func advance(to time: Double, timers limit: Int) async throws -> Int {
        try await exclusively {
            if resumeIsDue { try await resume() }
            // A published version's schedule starts counting now (a draft's does when it is published), with
            // the zones its contacts live in; a state that counted before contact zones existed gets them.
            for key in flowKeys where isScheduled(key) {
                let state = try await store.flowState(key)
                guard let entry = entries[key], state.triggeredUpTo == nil || (entry.schedulesInContactZones && state.contactZones == nil),
                      entry.status(in: state) == .published else { continue }
                let now = clock.now
                let zones = entry.schedulesInContactZones ? try await contactZonesOfEveryContact(entry, now: now) : nil
                let unit = Unit(store: store)
                try await unit.updateFlow(key) { state in
                    if state.triggeredUpTo == nil { state.triggeredUpTo = now }
                    state.contactZones = zones
                }
                try await finish(unit)
            }
            let firing = try await nextFiring().flatMap { $0.at <= time ? $0 : nil }
            // A timer before a firing due at the same instant.
            let ran = try await runTimers(dueBy: min(time, firing?.at ?? time), limit: limit)
            if ran > 0 { return ran }
            guard let firing else { return 0 }
            try await fire(firing.key, contact: nil, at: firing.at, recordingUpTo: firing.at, zones: firing.zones)
            return 1
        }
    }

    /// When the schedule or dates trigger of `key` next fires for `contact`, strictly after `instant`: a
    /// schedule at its local time in the contact's zone (``zone(of:in:)``), a date at its instant. Nil for
    /// other triggers, an unknown version, an unknown contact of a schedule in contact time zones, or a
    /// trigger that never fires again. Scenarios wait for it before saying that a firing left a contact out.
    public func nextFiring(of key: FlowKey, for contact: String, after instant: Double) async throws -> Double? {
        guard let entry = entries[key] else { return nil }
        guard entry.schedulesInContactZones else { return entry.firing(after: instant, in: entry.timeZone) }
        guard let profile = try await store.contact(contact) else { return nil }
        return entry.firing(after: instant, in: zone(of: profile, in: entry).timeZone)
    }

    /// The next instant something is due: a timer, or a schedule or date firing of a published flow (once
    /// ``advance(to:)`` has started counting its schedule).
    public func nextWakeUp() async throws -> Double? {
        let firing = try await nextFiring()?.at
        let timer = try await store.nextTimerDue()
        return [firing, timer].compactMap { $0 }.min()
    }

    /// The earliest schedule or date firing of a published flow whose schedule is being counted, with the
    /// zones it fires in (nil: for everyone).
    private func nextFiring() async throws -> (at: Double, key: FlowKey, zones: [String]?)? {
        var earliest: (at: Double, key: FlowKey, zones: [String]?)?
        for key in flowKeys where isScheduled(key) {
            let state = try await store.flowState(key)
            guard entries[key]?.status(in: state) == .published, let firing = nextTriggerFiring(key, state) else { continue }
            if earliest.map({ (firing.at, key) < ($0.at, $0.key) }) ?? true { earliest = (firing.at, key, firing.zones) }
        }
        return earliest
    }

    /// How long a claimed timer stays away from other workers: longer than any unit takes.
    public static let timerLease: Double = 60

    private func isScheduled(_ key: FlowKey) -> Bool {
        switch entries[key]?.definition.trigger {
        case .schedule?, .dates?: true
        default: false
        }
    }

    /// The last ``nextTriggerFiring(_:_:)`` of each schedule in contact time zones, with the `triggeredUpTo` and
    /// zones it was computed from: it is looked for before every batch of timers, and costs a search of the
    /// schedule per zone.
    private var upcomingZoneFirings: [FlowKey: (after: Double, zones: [String: Double]?, firing: (at: Double, zones: [String]?)?)] = [:]

    /// The next schedule or date firing of a flow strictly after its state's `triggeredUpTo` (nil before the
    /// schedule counts). A schedule in contact time zones fires at its local time in the fallback zone and in
    /// each zone the state lists (from when it was listed): the firing is the earliest of these, for the zones
    /// whose local time it is then, together (nil: for everyone).
    private func nextTriggerFiring(_ key: FlowKey, _ state: FlowRuntimeState) -> (at: Double, zones: [String]?)? {
        guard let entry = entries[key], let after = state.triggeredUpTo else { return nil }
        guard entry.schedulesInContactZones else { return entry.firing(after: after, in: entry.timeZone).map { ($0, nil) } }
        if let upcoming = upcomingZoneFirings[key], upcoming.after == after, upcoming.zones == state.contactZones {
            return upcoming.firing
        }
        var firings: [(zone: String, at: Double)] = []
        if let at = entry.firing(after: after, in: entry.timeZone) { firings.append((entry.definition.timezone, at)) }
        for (name, since) in state.contactZones ?? [:] {
            guard let zone = resolvedZone(name), let at = entry.firing(after: max(after, since), in: zone) else { continue }
            firings.append((name, at))
        }
        let at = firings.map(\.at).min()
        let firing = at.map { at in (at, Optional(firings.filter { $0.at == at }.map(\.zone).sorted())) }
        upcomingZoneFirings[key] = (after, state.contactZones, firing)
        return firing
    }

    /// Releases approval holds at a send step: for one contact, or for everyone held there.
    /// With an `input` id, an approval submitted again is skipped.
    public func approve(_ key: FlowKey, step: String, contact: String? = nil, input: String? = nil) async throws {
        try await exclusively {
            guard let state = entries[key]?.stateIndex[step] else { return }
            let unit = Unit(store: store)
            guard try await accept(input, ["approve", key.description, step, contact ?? ""], unit) else { return }
            guard let contact else {
                try await unit.updateFlow(key) { $0.fanOuts.append(FanOut(work: .approve(state: state, at: clock.now))) }
                try await finish(unit)
                try await runFanOuts(key)
                return
            }
            try await release(key, state: state, contact: contact, now: clock.now, unit)
            try await finish(unit)
        }
    }

    /// Releases a contact's approval holds at a send state.
    private func release(_ key: FlowKey, state: Int, contact: String, now: Double, _ unit: Unit) async throws {
        guard let entry = entries[key],
              case .send(let channel, let message, _, let optimized, let next) = entry.definition.states[state].step else { return }
        let held = try await unit.visits(of: contact).filter { $0.key.flow == key && $0.state == state && $0.phase == .awaitingApproval }
        for var visit in held {
            if try await exitIfLeaving(&visit, now: now, unit) { continue }
            visit.phase = .running
            if let hold = try await heldSend(visit, channel: channel, message: message, optimized: optimized, now: now, unit) {
                try await holdSend(&visit, state: state, until: hold.until, reason: hold.reason, now: now, unit)
                continue
            }
            try await performSend(&visit, state: state, channel: channel, message: message, now: now, unit)
            visit.state = next
            if try await exitIfLeaving(&visit, now: now, unit) { continue }
            try await run(&visit, now: now, unit)
        }
    }

    /// Sends a contact down one variant of a test or split step, whatever their hash: for scenarios that show
    /// each variant with one contact (`given: { variant: { STEP: INDEX } }`).
    public func forceVariant(_ key: FlowKey, step: String, contact: String, variant: Int) {
        forcedVariants[contact, default: [:]][key, default: [:]][step] = variant
    }

    /// Puts a contact in or out of the holdout of every campaign with one, whatever their hash: for scenarios
    /// that show the holdout (`given: { holdout: true }`) or the treatment of one contact.
    public func forceHoldout(contact: String, _ heldOut: Bool) {
        forcedHoldouts[contact] = heldOut
    }

    /// Sets how many contacts each bucket of a distribute step has taken (to resume waves after a migration,
    /// or to start a scenario with the first buckets full).
    public func setDistributed(_ key: FlowKey, step: String, counts: [Int]) async throws {
        try await exclusively {
            guard let state = entries[key]?.stateIndex[step] else { return }
            let unit = Unit(store: store)
            try await unit.updateFlow(key) { $0.distributed[state] = counts }
            try await finish(unit)
        }
    }

    /// Changes a version's status; `stopped` ends its visits at once with outcome `stopped`.
    /// With an `input` id, a status change submitted again is skipped.
    public func setStatus(_ key: FlowKey, _ status: CampaignStatus, input: String? = nil) async throws {
        try await exclusively {
            let unit = Unit(store: store)
            guard try await accept(input, ["status", key.description, status.rawValue], unit) else { return }
            let now = clock.now
            try await unit.updateFlow(key) { $0.change(status: status, at: now) }
            try await finish(unit)
            try await runFanOuts(key)
        }
    }

    /// Fires every timer due at or before `time`, each at its own due time, in due order.
    public func runTimers(upTo time: Double) async throws {
        try await exclusively {
            if resumeIsDue { try await resume() }
            while try await runTimers(dueBy: time, limit: Self.timersPerUnit) > 0 {}
        }
    }

    /// The most timers one unit runs: timers due together are committed together, each contact's and
    /// flow's rows written once for all of them.
    public static let timersPerUnit = 64

    /// Timers this engine claimed and has not run yet: a batch stops before a timer when a timer it added
    /// is due first, and the next batch runs it (it stays claimed by this engine meanwhile).
    private var claimedTimers: [PendingTimer] = []

    /// Runs the earliest timers due at or before `bound`, up to `limit`, in due order, as one unit, and
    /// returns how many it ran. So that timers still fire in due order, the batch ends before a timer due
    /// after one the batch itself added; a test's decision, which reads its flow's committed visits, runs
    /// alone.
    private func runTimers(dueBy bound: Double, limit: Int) async throws -> Int {
        var hand = claimedTimers.filter { $0.due <= bound }
        // A claim even with timers in hand: one that an earlier batch added may be due before them.
        let held = Set(hand.map(\.sequence))
        // (One held past its lease may come back from the store: it is in hand once.)
        hand += try await store.claimTimers(dueBy: bound, limit: max(1, limit - hand.count), lease: Self.timerLease)
            .filter { !held.contains($0.sequence) }
        hand.sort()
        guard !hand.isEmpty else { return 0 }
        let unit = Unit(store: store)
        try await unit.prefetch(contacts: hand.compactMap(\.contact))
        var ran = 0
        for timer in hand {
            if ran > 0 {
                let addedEarlier = unit.effect.timersAdded.contains { $0 < timer }
                if ran == limit || addedEarlier || timer.isDecision || hand[0].isDecision { break }
            }
            try await runTimer(timer, unit)
            ran += 1
        }
        try await finish(unit)
        claimedTimers = claimedTimers.filter { $0.due > bound } + hand[ran...]
        if case .decideTest(let key, _) = hand[0].kind { try await runFanOuts(key) }
        return ran
    }

    private func runTimer(_ timer: PendingTimer, _ unit: Unit) async throws {
        unit.effect.timersFired.append(timer)
        switch timer.kind {
        case .wake(let key, let state):
            guard var visit = try await unit.visit(key), visit.state == state else { break }
            switch visit.phase {
            case .waiting(let until, let next) where until == timer.due:
                if try await exitIfLeaving(&visit, now: timer.due, unit) { break }
                visit.state = next
                visit.phase = .running
                try await run(&visit, now: timer.due, unit)
            case .waitingFor(let until, _, let timeout) where until == timer.due:
                // `within` passed before what the step waits for happened.
                if try await exitIfLeaving(&visit, now: timer.due, unit) { break }
                visit.state = timeout
                visit.phase = .running
                try await run(&visit, now: timer.due, unit)
            case .scheduledSend(let until) where until == timer.due:
                if try await exitIfLeaving(&visit, now: timer.due, unit) { break }
                guard case .send(let channel, let message, _, _, let next) = entries[key.flow]?.definition.states[state].step
                else { break }
                visit.phase = .running
                // The best hour is past; quiet hours may still hold the send.
                if let hold = try await heldSend(visit, channel: channel, message: message, optimized: false, now: timer.due, unit) {
                    try await holdSend(&visit, state: state, until: hold.until, reason: hold.reason, now: timer.due, unit)
                    break
                }
                try await performSend(&visit, state: state, channel: channel, message: message, now: timer.due, unit)
                visit.state = next
                if try await exitIfLeaving(&visit, now: timer.due, unit) { break }
                try await run(&visit, now: timer.due, unit)
            default:
                break
            }
        case .decideTest(let key, let state):
            try await decideTest(key, state: state, now: timer.due, unit)
        }
    }

    // MARK: Reports

    /// Contacts per step, arrivals per step, outcomes and conversions of one version.
    public func report(_ key: FlowKey) async throws -> FlowReport {
        let state = try await store.flowState(key)
        let definition = entries[key]?.definition
        var waiting: [String: Int] = [:]
        for visit in try await store.visits(in: key) where visit.isActive {
            waiting[definition?.states[visit.state].id ?? "?", default: 0] += 1
        }
        var arrivals: [String: Int] = [:]
        for (index, count) in state.arrivals { arrivals[definition?.states[index].id ?? "?"] = count }
        return FlowReport(contactsPerStep: waiting, arrivalsPerStep: arrivals, outcomes: state.outcomes,
                          suppressed: state.suppressed, conversions: state.conversions ?? ConversionCounts(),
                          deliveries: try await store.deliveries(of: key))
    }

    // MARK: Processing

    private func finish(_ unit: Unit) async throws {
        try await commit(unit)
        try await deliver(after: unit)
    }

    /// Commits a unit, with the contact zones its contacts add to schedules that fire per zone.
    private func commit(_ unit: Unit) async throws {
        let zones = try await recordContactZones(of: unit)
        try await store.commit(unit.effect)
        for (key, listed) in zones { knownContactZones[key, default: []].formUnion(listed) }
    }

    /// `start_campaign`: enters the contact into the campaign's published version, without a trigger event
    /// (its audience, exits and repeat policy apply); when no version is published, journals why on the
    /// starting visit.
    private func startCampaign(_ campaign: String, contact: String, by starter: String, from visitKey: VisitKey, step: String,
                               now: Double, _ unit: Unit) async throws {
        var published: FlowKey?
        for key in flowKeys where key.campaign == campaign {
            if entries[key]!.status(in: try await unit.flowState(key)) == .published { published = key }
        }
        guard let published else {
            if keepsJournal {
                unit.effect.journal.append(JournalEntry(contact: contact, flow: visitKey.flow, visit: visitKey.number, at: now,
                                                        kind: .notEntered, step: step,
                                                        detail: "start_campaign: \(campaign) has no published version"))
            }
            return
        }
        // A step names one contact: the journal says why it did not enter, as for a trigger naming one.
        let explained = unit.explainsRefusals
        unit.explainsRefusals = true
        defer { unit.explainsRefusals = explained }
        try await enter(published, contact: contact, payload: [:], now: now, startedBy: "start_campaign at \(starter)", unit)
    }

    /// Delivers a committed unit's actions at once, when the engine does so after each unit: each at its
    /// own time, so that a unit that ran several timers delivers as those timers one by one would.
    private func deliver(after unit: Unit) async throws {
        guard deliversAfterEachUnit else { return }
        for at in Set(unit.effect.actions.map(\.at)).sorted() {
            try await dispatcher.deliverDue(asOf: max(at, clock.now))
        }
    }

    /// Records what the unit did: in the trace, and in the journal of the contact when the engine keeps one.
    /// `detail` adds to the journal line what the trace does not say (an action's key, the exit that held).
    private func record(_ event: TraceEvent, _ unit: Unit, detail: String? = nil) {
        if recordsTrace { trace.append(event) }
        guard keepsJournal else { return }
        let entry: JournalEntry = switch event {
        case .entered(let key, let at):
            JournalEntry(contact: key.contact, flow: key.flow, visit: key.number, at: at, kind: .entered,
                         detail: detail ?? "")
        case .arrived(let key, let state, let at):
            JournalEntry(contact: key.contact, flow: key.flow, visit: key.number, at: at, kind: .step, step: state)
        case .action(let key, let state, let action, let at):
            JournalEntry(contact: key.contact, flow: key.flow, visit: key.number, at: at, kind: .action, step: state,
                         detail: [action.summary, detail].compactMap { $0 }.joined(separator: ", key "))
        case .held(let key, let state, let reason, let at):
            JournalEntry(contact: key.contact, flow: key.flow, visit: key.number, at: at, kind: .held, step: state, detail: reason)
        case .suppressed(let key, let state, let reason, let at):
            JournalEntry(contact: key.contact, flow: key.flow, visit: key.number, at: at, kind: .suppressed, step: state, detail: reason)
        case .ended(let key, let outcome, let at):
            if outcome == .exited, let exit = detail {
                JournalEntry(contact: key.contact, flow: key.flow, visit: key.number, at: at, kind: .exited, detail: exit)
            } else {
                JournalEntry(contact: key.contact, flow: key.flow, visit: key.number, at: at, kind: .ended, detail: outcome.rawValue)
            }
        }
        unit.effect.journal.append(entry)
    }

    /// Journals why a trigger that fired for a contact did not enter them (only for triggers that named the
    /// contact: an audience-wide firing does not write a line for every contact it leaves out).
    private func refuse(_ key: FlowKey, contact: String, _ reason: String, now: Double, _ unit: Unit) {
        guard keepsJournal, unit.explainsRefusals else { return }
        unit.effect.journal.append(JournalEntry(contact: contact, flow: key, visit: nil, at: now, kind: .notEntered, detail: reason))
    }

    /// What the visit's conditions and steps see now, in the contact's zone.
    private func context(_ visit: Visit, contact: ContactProfile, now: Double, event: [String: Value]? = nil) -> FlowContext {
        var context = FlowContext(now: now, contact: contact, event: event ?? visit.triggerPayload, sends: visit.sends,
                                  campaign: visit.key.flow.campaign, version: visit.key.flow.version,
                                  timeZone: zone(of: contact, in: entries[visit.key.flow]!).timeZone)
        if !forcedVariants.isEmpty, let forced = forcedVariants[contact.id]?[visit.key.flow] { context.forcedVariants = forced }
        return context
    }

    /// Enters a contact when the version's rules allow. `event` is the name of the event that fired an event
    /// trigger, nil for a schedule, date, manual or api firing.
    /// `startedBy` names the `start_campaign` step that entered the contact, for the journal.
    private func enter(_ key: FlowKey, contact id: String, event: String? = nil, payload: [String: Value], now: Double,
                       startedBy: String? = nil, _ unit: Unit) async throws {
        guard let entry = entries[key], let contact = try await unit.contact(id) else { return }
        let status = entry.status(in: try await unit.flowState(key))
        guard status == .published else {
            return refuse(key, contact: id, "the version is \(status.rawValue), not published", now: now, unit)
        }
        guard !contact.archived else { return refuse(key, contact: id, "the contact is archived", now: now, unit) }
        let flow = entry.flow
        let definition = entry.definition
        var probe = FlowContext(now: now, contact: contact, event: payload, campaign: key.campaign, version: key.version,
                                timeZone: zone(of: contact, in: entry).timeZone)
        if let event, !definition.trigger.triggers(on: event).contains(where: { flow.triggerFilter($0, &probe) }) {
            return refuse(key, contact: id, "the trigger's where did not hold", now: now, unit)
        }
        guard flow.audience(&probe) else { return refuse(key, contact: id, "the contact is not in the audience", now: now, unit) }
        for (index, exit) in definition.exits.enumerated() {
            if case .condition = exit, flow.exitHolds(index, &probe) {
                return refuse(key, contact: id, "exit_when[\(index)]: condition held", now: now, unit)
            }
        }
        let earlier = try await unit.visits(of: id).filter { $0.key.flow.campaign == key.campaign }
        switch definition.repeatPolicy {
        case .many: break
        case .once:
            guard earlier.isEmpty else { return refuse(key, contact: id, "repeat: once, and the contact entered before", now: now, unit) }
        case .afterExit:
            guard !earlier.contains(where: \.isActive) else {
                return refuse(key, contact: id, "repeat: after_exit, and the contact is still in the campaign", now: now, unit)
            }
        }
        let visitKey = VisitKey(contact: id, flow: key, number: (earlier.map(\.key.number).max() ?? 0) + 1)
        var visit = Visit(key: visitKey, state: definition.start, phase: .running, enteredAt: now,
                          triggerPayload: entry.stepsReadTheEvent ? payload : [:], sends: [:], variants: [:])
        record(.entered(visitKey, at: now), unit, detail: startedBy)
        if definition.goal != nil || definition.holdout != nil {
            let heldOut = definition.holdout.map {
                forcedHoldouts[id] ?? StableHash.isHeldOut(contact: id, campaign: key.campaign, share: $0)
            } ?? false
            try await unit.updateFlow(key) { state in
                var counts = state.conversions ?? ConversionCounts()
                if heldOut { counts.heldOut += 1 } else { counts.treated += 1 }
                state.conversions = counts
            }
            if heldOut { return try await end(&visit, .holdout, now: now, unit) }
        }
        try await run(&visit, now: now, unit)
    }

    /// Moves a visit through instant steps until it waits, is held or ends.
    private func run(_ visit: inout Visit, now: Double, _ unit: Unit) async throws {
        let key = visit.key.flow
        let entry = entries[key]!
        let flow = entry.flow
        let states = entry.definition.states
        // The contact changes only through this visit's actions and sends; read it again only after those.
        var contact = try await unit.contact(visit.key.contact)!
        // The visit that archives its contact goes on to its `next` (its sends are suppressed); only its
        // later wakes end it.
        var archivedHere = false
        defer { unit.save(visit) }
        for _ in 0..<Self.maximumTransitionsPerActivation(steps: states.count) {
            let state = visit.state
            try await unit.updateFlow(key) { $0.arrivals[state, default: 0] += 1 }
            let stateID = states[state].id
            record(.arrived(visit.key, state: stateID, at: now), unit)
            var context = self.context(visit, contact: contact, now: now)
            switch flow.step(state, &context) {
            case .go(let next):
                visit.state = next
            case .act(let action, let next):
                try await apply(action, by: visit.key, now: now, unit)
                if action.changesProfile {
                    // The contact's other visits waiting at a wait_for see the change now; this one, saved as
                    // running, is not among them.
                    unit.save(visit)
                    try await wakeWaitingVisits(of: visit.key.contact, event: nil, now: now, unit)
                }
                contact = try await unit.contact(visit.key.contact)!
                let request = ActionRequest(key: visit.nextActionKey(state: state, step: stateID), action: action, at: now)
                unit.effect.actions.append(request)
                record(.action(visit.key, state: stateID, action, at: now), unit, detail: request.key.description)
                visit.state = next
                if action == .archive { archivedHere = true }
                if action.changesProfile {
                    // The change may convert this visit (and end it, with `exit: true`) as well as the others.
                    unit.save(visit)
                    try await convertVisits(of: visit.key.contact, event: nil, now: now, unit)
                    visit = try await unit.visit(visit.key)!
                    if !visit.isActive { return }
                }
                if try await exitIfLeaving(&visit, now: now, unit, archivedHere: archivedHere) { return }
            case .send(let send, let next):
                if send.approval {
                    visit.phase = .awaitingApproval
                    record(.held(visit.key, state: stateID, reason: "approval", at: now), unit)
                    return
                }
                if let hold = try await heldSend(visit, channel: send.channel, message: send.message, optimized: send.optimized, now: now, unit) {
                    try await holdSend(&visit, state: state, until: hold.until, reason: hold.reason, now: now, unit)
                    return
                }
                try await performSend(&visit, state: state, channel: send.channel, message: send.message, now: now, unit)
                contact = try await unit.contact(visit.key.contact)!
                visit.state = next
                if try await exitIfLeaving(&visit, now: now, unit, archivedHere: archivedHere) { return }
            case .wait(let until, let next):
                if until <= now {
                    visit.state = next
                    continue
                }
                visit.phase = .waiting(until: until, next: next)
                unit.effect.timersAdded.append(PendingTimer(due: until, sequence: try await store.nextSequence(),
                                                            kind: .wake(visit.key, state: state)))
                return
            case .waitFor(let until, let next, let timeout):
                // A condition that holds already goes on at once; an awaited event must come after arrival.
                if case .waitFor(.condition, _, _, _) = states[state].step, flow.awaitedHolds(state, &context) {
                    visit.state = next
                    continue
                }
                if until <= now {
                    visit.state = timeout
                    continue
                }
                visit.phase = .waitingFor(until: until, next: next, timeout: timeout)
                unit.effect.timersAdded.append(PendingTimer(due: until, sequence: try await store.nextSequence(),
                                                            kind: .wake(visit.key, state: state)))
                return
            case .engine:
                guard let next = try await engineStep(&visit, state: state, context: context, now: now, unit) else { return }
                visit.state = next
                // A campaign this step started may have changed the contact.
                contact = try await unit.contact(visit.key.contact)!
            case .end(let outcome):
                try await end(&visit, .campaign(outcome), now: now, unit)
                return
            case .stop:
                try await end(&visit, .stopped, now: now, unit)
                return
            }
        }
        try await end(&visit, .stopped, now: now, unit)
    }

    /// Tests, distributions and dedupe: the steps that read and write state shared by the flow's contacts.
    /// Returns the next state, or nil when the visit stops here.
    private func engineStep(_ visit: inout Visit, state: Int, context: FlowContext, now: Double, _ unit: Unit) async throws -> Int? {
        let key = visit.key.flow
        let definition = entries[key]!.definition
        let stateID = definition.states[state].id
        switch definition.states[state].step {
        case .test(let variants, _, let decideAfter):
            let started = try await unit.updateFlow(key) { flowState in
                guard flowState.tests[state] == nil else { return false }
                flowState.tests[state] = .init(startedAt: now, winner: nil)
                return true
            }
            if started {
                unit.effect.timersAdded.append(PendingTimer(due: now + Double(decideAfter), sequence: try await store.nextSequence(),
                                                            kind: .decideTest(visit.key.flow, state: state)))
            }
            if let forced = context.forcedVariants[stateID], variants.indices.contains(forced) {
                visit.variants[state] = forced
                return variants[forced].next
            }
            let position = context.bucket(stateID)
            var cumulative = 0.0
            for (index, variant) in variants.enumerated() {
                cumulative += variant.amount
                if position < cumulative {
                    visit.variants[state] = index
                    return variant.next
                }
            }
            if let winner = try await unit.flowState(key).tests[state]?.winner { return variants[winner].next }
            visit.phase = .awaitingWinner
            record(.held(visit.key, state: stateID, reason: "winner", at: now), unit)
            return nil
        case .distribute(let buckets, let otherwise):
            return try await unit.updateFlow(key) { flowState in
                var counts = flowState.distributed[state] ?? []
                if counts.count < buckets.count { counts += Array(repeating: 0, count: buckets.count - counts.count) }
                defer { flowState.distributed[state] = counts }
                for (index, bucket) in buckets.enumerated() where Double(counts[index]) < bucket.amount {
                    counts[index] += 1
                    return bucket.next
                }
                return otherwise
            }
        case .dedupe(let by, _, let next):
            guard case .string(let value) = context.field(by) else { return next }
            let arrival = DedupeArrival(visit: visit.key, state: state, value: value)
            if unit.collectsDedupeArrivals == visit.key.flow {
                // A firing's arrivals wait for the best of them; another flow's arrive on their own.
                unit.dedupeArrivals.append(arrival)
                return nil
            }
            guard let kept = try await winner(of: [arrival], now: now, unit), kept != visit.key.contact else { return next }
            record(.held(visit.key, state: stateID, reason: "duplicate of \(kept)", at: now), unit)
            try await end(&visit, .campaign(.neutral), now: now, unit)
            return nil
        case .startCampaign(let campaign, let next):
            let depth = Self.campaignStartDepth + 1
            guard depth <= Self.maximumCampaignStartDepth(campaigns: Set(flowKeys.map(\.campaign)).count) else {
                record(.held(visit.key, state: stateID, reason: "start_campaign nested more than \(depth - 1) deep", at: now), unit)
                try await end(&visit, .stopped, now: now, unit)
                return nil
            }
            // The started visit may change the contact and end this one (its exit_campaign, an archive): this
            // visit is saved first and read again after.
            unit.save(visit)
            try await Self.$campaignStartDepth.withValue(depth) {
                try await startCampaign(campaign, contact: visit.key.contact, by: "\(key) step \(stateID)", from: visit.key,
                                        step: stateID, now: now, unit)
            }
            let current = try await unit.visit(visit.key)
            guard let current, current.isActive else {
                if let current { visit = current }
                return nil
            }
            return try await exitIfLeaving(&visit, now: now, unit) ? nil : next
        case .exitCampaign(let campaign, let next):
            for var other in try await unit.visits(of: visit.key.contact)
            where other.isActive && other.key.flow.campaign == campaign && other.key != visit.key {
                try await end(&other, .exited, exit: "exit_campaign at \(key) step \(stateID)", now: now, unit)
            }
            return next
        default:
            return nil
        }
    }

    private func decideTest(_ key: FlowKey, state: Int, now: Double, _ unit: Unit) async throws {
        guard let entry = entries[key], case .test(let variants, let winnerBy, _) = entry.definition.states[state].step else { return }
        var scores = Array(repeating: 0, count: variants.count)
        let visits = try await store.visits(in: key)
        for visit in visits {
            guard let variant = visit.variants[state] else { continue }
            let scored: Bool = switch winnerBy {
            case "opens": visit.sends.records.contains { $0.facts.contains(PostSendFacts(.opened)) }
            case "clicks": visit.sends.records.contains { $0.facts.contains(PostSendFacts(.clicked)) }
            default: visit.outcome == .campaign(.success)
            }
            if scored { scores[variant] += 1 }
        }
        let winner = scores.indices.max { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 > $1) } ?? 0
        try await unit.updateFlow(key) { flowState in
            flowState.tests[state, default: .init(startedAt: now, winner: nil)].winner = winner
            flowState.tests[state]?.scores = scores
            flowState.fanOuts.append(FanOut(work: .releaseTest(state: state, at: now)))
        }
    }

    /// Sends a message, or records why it must not go out: a suppressed send leaves no action and no send
    /// record (so its post-send functions stay false), and the visit goes on.
    private func performSend(_ visit: inout Visit, state: Int, channel: MessageChannel, message: String, now: Double, _ unit: Unit) async throws {
        let definition = entries[visit.key.flow]!.definition
        let action = FlowAction.send(channel: channel, message: message)
        let stateID = definition.states[state].id
        guard let recipient = try await unit.contact(visit.key.contact) else { return }
        let transactional = definition.messages[message]?.transactional ?? false
        let caps = transactional ? [] : policies?.frequencyCaps ?? []
        let overCap = caps.contains { $0.channel == channel && recipient.history.sends(of: channel, within: $0.per, before: now) >= $0.max }
        if let reason = recipient.suppression(channel: channel, transactional: transactional)?.rawValue ?? (overCap ? "frequency-cap" : nil) {
            try await unit.updateFlow(visit.key.flow) { $0.suppressed[reason, default: 0] += 1 }
            record(.suppressed(visit.key, state: stateID, reason: reason, at: now), unit)
            return
        }
        let request = ActionRequest(key: visit.nextActionKey(state: state, step: stateID), action: action, at: now)
        unit.effect.actions.append(request)
        record(.action(visit.key, state: stateID, action, at: now), unit, detail: request.key.description)
        visit.sends[state] = SendRecord(message: message, sentAt: now)
        var contact = recipient
        if let category = definition.messages[message]?.category {
            contact.history.received[category, default: []].append(now)
        }
        if channel == .email { contact.history.emailsSinceOpen += 1 }
        if !transactional { contact.history.recordSend(of: channel, at: now, caps: caps) }
        unit.effect.contacts[contact.id] = contact
    }

    /// Applies an action's effect on the profile, so that later conditions of the visit see it. Archiving ends
    /// the contact's other visits (the archiving visit goes on to its `next`, where sends are suppressed).
    private func apply(_ action: FlowAction, by visitKey: VisitKey, now: Double, _ unit: Unit) async throws {
        let id = visitKey.contact
        guard var contact = try await unit.contact(id) else { return }
        switch action {
        case .update(let assignments):
            for assignment in assignments { contact.fields[assignment.field] = assignment.value }
        case .tags(let add, let remove):
            var tags: [Value] = if case .list(let items) = contact.fields["tags"] ?? .null { items } else { [] }
            tags.removeAll { item in remove.contains { Value.equal(item, .string($0)) } }
            for tag in add where !tags.contains(.string(tag)) { tags.append(.string(tag)) }
            contact.fields["tags"] = .list(tags)
        case .unsubscribe(let channels):
            contact.consent.unsubscribed.formUnion(channels.map(\.rawValue))
        case .archive:
            contact.archived = true
            for var other in try await unit.visits(of: id) where other.isActive && other.key != visitKey {
                try await end(&other, .exited, exit: "the contact was archived by \(visitKey.flow)", now: now, unit)
            }
        case .send, .grantPromo, .export, .postal, .webhook:
            break
        }
        unit.effect.contacts[id] = contact
    }

    /// Whether an active visit must leave now: an event exit matching `event`, a condition exit, the audience
    /// (with `leave_when_out_of_audience`), or an archived contact. Conditions are evaluated whenever they
    /// could have changed: on every event about the contact, after each action or send of the visit, and
    /// when a timer or an approval wakes it.
    /// `archivedHere`: the visit itself archived the contact in this activation, which does not end it.
    /// Returns the exit that holds, described for the journal, or nil when the visit stays.
    private func leaves(_ visit: Visit, event: (name: String, payload: [String: Value])? = nil, now: Double, _ unit: Unit,
                        archivedHere: Bool = false) async throws -> String? {
        guard let entry = entries[visit.key.flow], let contact = try await unit.contact(visit.key.contact) else { return nil }
        if contact.archived, !archivedHere { return "the contact is archived" }
        let flow = entry.flow
        var context = self.context(visit, contact: contact, now: now, event: event?.payload ?? [:])
        for (index, exit) in entry.definition.exits.enumerated() {
            switch exit {
            case .event(let exitEvent, _):
                if exitEvent == event?.name, flow.exitHolds(index, &context) { return "exit_when[\(index)]: event \(exitEvent)" }
            case .condition:
                if flow.exitHolds(index, &context) { return "exit_when[\(index)]: condition held" }
            }
        }
        if entry.definition.leaveWhenOutOfAudience {
            var audienceContext = self.context(visit, contact: contact, now: now)
            if !flow.audience(&audienceContext) { return "out of the audience (leave_when_out_of_audience)" }
        }
        return nil
    }

    /// Ends the visit with outcome `exited` when it ``leaves(_:event:now:_:archivedHere:)``; returns whether it did.
    private func exitIfLeaving(_ visit: inout Visit, now: Double, _ unit: Unit, archivedHere: Bool = false) async throws -> Bool {
        guard let exit = try await leaves(visit, now: now, unit, archivedHere: archivedHere) else { return false }
        try await end(&visit, .exited, exit: exit, now: now, unit)
        return true
    }

    // MARK: Contact time zones

    /// The zone a contact's times are read in for `entry` (wait_until, send times, quiet hours, date
    /// functions, schedules): with a contact time zone field (v1.2), the zone the contact's field names when
    /// ``CampaignTimeZone/resolve(_:)`` accepts it, else, and for a campaign in one zone, the campaign's zone.
    /// Read afresh at each step, so a contact whose field changes gets the new zone at their next step.
    private func zone(of contact: ContactProfile, in entry: Entry) -> (name: String, timeZone: TimeZone) {
        if let field = entry.definition.contactTimezoneField, case .string(let name)? = contact.fields[field],
           let zone = resolvedZone(name) {
            return (name, zone)
        }
        return (entry.definition.timezone, entry.timeZone)
    }

    /// Zone names read in contacts' fields, resolved once each (a zone is read from the system's database):
    /// every name the runtime accepts (the IANA database bounds them: ``CampaignTimeZone/resolve(_:)`` lets only
    /// the characters of IANA names reach Foundation), and refused ones (nil, each at most
    /// ``CampaignTimeZone/maximumNameLength`` bytes) until there are ``maximumResolvedZoneNames`` entries, so
    /// that fields holding anything at all cannot grow it without end.
    private var resolvedZones: [String: TimeZone?] = [:]
    private static let maximumResolvedZoneNames = 2_000

    /// The zone a contact's field names, or nil when the runtime refuses the name (an abbreviation, an offset,
    /// an unknown name).
    private func resolvedZone(_ name: String) -> TimeZone? {
        // No zone's name is longer: a field holding a long text is refused without being kept.
        guard name.utf8.count <= CampaignTimeZone.maximumNameLength else { return nil }
        if let resolved = resolvedZones[name] { return resolved }
        let zone = try? CampaignTimeZone.resolve(name).get()
        if zone != nil || resolvedZones.count < Self.maximumResolvedZoneNames { resolvedZones[name] = zone }
        return zone
    }

    /// The zones each flow's state lists in ``FlowRuntimeState/contactZones``, as far as this engine knows
    /// (only what a commit wrote or a read found): a contact written in one of them needs no read of the
    /// flow's state. It only grows, since zones are never taken out of a flow's state.
    private var knownContactZones: [FlowKey: Set<String>] = [:]

    /// Every zone but the fallback that the store's contacts live in, for `entry`'s schedule, each counting
    /// from `now`: one pass over all contacts when the schedule starts counting.
    private func contactZonesOfEveryContact(_ entry: Entry, now: Double) async throws -> [String: Double] {
        var zones: [String: Double] = [:]
        var cursor: String?
        while true {
            let ids = try await store.contactIDs(after: cursor, limit: Self.pageSize)
            for contact in try await store.contacts(ids).values {
                let name = zone(of: contact, in: entry).name
                if name != entry.definition.timezone { zones[name] = now }
            }
            guard ids.count == Self.pageSize else { return zones }
            cursor = ids.last
        }
    }

    /// Adds to the state of each flow whose schedule fires per contact zone, once it counts, the zones of the
    /// unit's contacts it does not list yet, counting from now (so a zone whose local time has passed since
    /// the last firing does not fire for it late). Returns the zones each such flow's state lists after the
    /// unit, for ``knownContactZones`` once the unit is committed.
    private func recordContactZones(of unit: Unit) async throws -> [FlowKey: Set<String>] {
        guard !unit.effect.contacts.isEmpty else { return [:] }
        var listed: [FlowKey: Set<String>] = [:]
        for key in flowKeys {
            guard let entry = entries[key], entry.schedulesInContactZones else { continue }
            let known = knownContactZones[key] ?? []
            let unknown = Set(unit.effect.contacts.values.map { zone(of: $0, in: entry).name })
                .subtracting(known).subtracting([entry.definition.timezone])
            guard !unknown.isEmpty else { continue }
            // Before the schedule counts there is nothing to add: the pass that starts it finds every zone.
            guard let zones = try await unit.flowState(key).contactZones else { continue }
            let now = clock.now
            let added = unknown.subtracting(zones.keys)
            if !added.isEmpty {
                try await unit.updateFlow(key) { state in
                    for name in added { state.contactZones?[name] = now }
                }
            }
            listed[key] = known.union(zones.keys).union(added)
        }
        return listed
    }

    // MARK: Send time

    /// When a `send_time: optimized` send goes out: at the next start, within 24 hours, of the local hour (in
    /// the contact's zone) in which the contact opened most often in the last 90 days (ties: the earliest
    /// hour); now when the current local hour is that hour or the contact has no opens. Nil means now.
    private func optimizedSendTime(_ visit: Visit, now: Double, _ unit: Unit) async throws -> Double? {
        guard let contact = try await unit.contact(visit.key.contact), let entry = entries[visit.key.flow] else { return nil }
        let timeZone = zone(of: contact, in: entry).timeZone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var opensByHour = Array(repeating: 0, count: 24)
        for open in contact.history.opens where open > now - ContactHistory.openMemory && open <= now {
            opensByHour[calendar.component(.hour, from: Date(timeIntervalSince1970: open))] += 1
        }
        guard let most = opensByHour.max(), most > 0, let hour = opensByHour.firstIndex(of: most) else { return nil }
        if calendar.component(.hour, from: Date(timeIntervalSince1970: now)) == hour { return nil }
        return WaitUntil.next(after: now, days: Array(1...7), from: hour * 60, to: nil, timeZone: timeZone)
    }

    /// Until when a send must wait, and why, or nil to send now: until the contact's best hour
    /// (`send_time: optimized`, "send time"), or, for a marketing message on one of their channels, until the
    /// workspace's quiet hours end ("quiet hours", in the contact's zone).
    private func heldSend(_ visit: Visit, channel: MessageChannel, message: String, optimized: Bool, now: Double,
                          _ unit: Unit) async throws -> (until: Double, reason: String)? {
        if optimized, let at = try await optimizedSendTime(visit, now: now, unit), at > now { return (at, "send time") }
        guard let quiet = policies?.quietHours, quiet.channels.contains(channel),
              let entry = entries[visit.key.flow], !(entry.definition.messages[message]?.transactional ?? false),
              let contact = try await unit.contact(visit.key.contact) else { return nil }
        let timeZone = zone(of: contact, in: entry).timeZone
        let wall = ZoneClock(timeZone).wallTime(at: Int(now.rounded(.down)))
        let minute = (wall - wall.flooredDivision(by: 86_400) * 86_400) / 60
        let inside = quiet.from < quiet.to ? (quiet.from <= minute && minute < quiet.to) : (minute >= quiet.from || minute < quiet.to)
        guard inside else { return nil }
        return (WaitUntil.next(after: now, days: Array(1...7), from: quiet.to, to: nil, timeZone: timeZone), "quiet hours")
    }

    private func holdSend(_ visit: inout Visit, state: Int, until: Double, reason: String, now: Double, _ unit: Unit) async throws {
        visit.state = state
        visit.phase = .scheduledSend(until: until)
        unit.save(visit)
        record(.held(visit.key, state: entries[visit.key.flow]!.definition.states[state].id, reason: reason, at: now), unit)
        unit.effect.timersAdded.append(PendingTimer(due: until, sequence: try await store.nextSequence(), kind: .wake(visit.key, state: state)))
    }

    // MARK: Dedupe

    /// A contact reaching a dedupe step with an email or phone.
    struct DedupeArrival: Codable, Sendable, Equatable {
        var visit: VisitKey
        var state: Int
        var value: String
    }

    /// Among arrivals with one value at one dedupe step, and the contact already kept there, the one its
    /// `keep` rule keeps (by `created_at`, then id); records it as kept and returns its id.
    private func winner(of arrivals: [DedupeArrival], now: Double, _ unit: Unit) async throws -> String? {
        guard let first = arrivals.first, let definition = entries[first.visit.flow]?.definition,
              case .dedupe(_, let keep, _) = definition.states[first.state].step else { return nil }
        let register = DedupeKey(flow: first.visit.flow, state: first.state, value: first.value)
        var candidates = arrivals.map(\.visit.contact)
        if let kept = try await unit.keptContact(register), !candidates.contains(kept) {
            candidates.append(kept)
        }
        var ages: [String: (Double, String)] = [:]
        for id in candidates {
            let created = try await unit.contact(id)?.fields["created_at"]
            ages[id] = if case .instant(let instant)? = created { (instant, id) } else { (-Double.infinity, id) }
        }
        let ordered = candidates.sorted { ages[$0]! < ages[$1]! }
        guard let chosen = keep == "oldest" ? ordered.first : ordered.last else { return nil }
        unit.effect.keptContacts[register] = chosen
        return chosen
    }

    /// Groups arrivals by dedupe step and value, in arrival order.
    private func dedupeGroups(_ arrivals: [DedupeArrival]) -> [[DedupeArrival]] {
        var groups: [DedupeKey: Int] = [:]
        var ordered: [[DedupeArrival]] = []
        for arrival in arrivals {
            let key = DedupeKey(flow: arrival.visit.flow, state: arrival.state, value: arrival.value)
            if let index = groups[key] {
                ordered[index].append(arrival)
            } else {
                groups[key] = ordered.count
                ordered.append([arrival])
            }
        }
        return ordered
    }

    /// A firing's page: its arrivals at dedupe steps wait there, and each register keeps the best contact
    /// so far for each value (the best of all, once every page has arrived, since the best of a set is the
    /// best of its parts' bests). ``settleDuplicates(_:contacts:now:_:)`` then moves them on or ends them.
    private func keepBest(of arrivals: [DedupeArrival], now: Double, _ unit: Unit) async throws {
        try await unit.prefetchKept(arrivals.map { DedupeKey(flow: $0.visit.flow, state: $0.state, value: $0.value) })
        for group in dedupeGroups(arrivals) {
            _ = try await winner(of: group, now: now, unit)
            for arrival in group {
                guard var visit = try await unit.visit(arrival.visit), visit.isActive, visit.state == arrival.state else { continue }
                visit.phase = .awaitingDuplicates(value: arrival.value)
                unit.save(visit)
            }
        }
    }

    /// A page of the settling after a firing: each of these contacts' visits waiting at a dedupe step goes
    /// on if its register kept the contact, and ends with outcome `neutral` otherwise.
    private func settleDuplicates(_ key: FlowKey, contacts ids: [String], now: Double, _ unit: Unit) async throws {
        guard let definition = entries[key]?.definition else { return }
        var waiting: [(visit: Visit, value: String, next: Int)] = []
        for id in ids {
            for visit in try await unit.visits(of: id) where visit.key.flow == key {
                guard case .awaitingDuplicates(let value) = visit.phase,
                      case .dedupe(_, _, let next) = definition.states[visit.state].step else { continue }
                waiting.append((visit, value, next))
            }
        }
        try await unit.prefetchKept(waiting.map { DedupeKey(flow: key, state: $0.visit.state, value: $0.value) })
        for (waited, value, next) in waiting {
            // Read again: running an earlier contact on may have moved this visit (an exit it triggered).
            guard var visit = try await unit.visit(waited.key), visit.phase == waited.phase else { continue }
            let id = visit.key.contact
            // Each competes with the register's choice, which is the best of the firing unless that contact
            // was erased meanwhile: then the best of those still waiting takes its place.
            let kept = try await winner(of: [DedupeArrival(visit: visit.key, state: visit.state, value: value)], now: now, unit)
            if kept == id {
                visit.state = next
                visit.phase = .running
                try await run(&visit, now: now, unit)
            } else {
                record(.held(visit.key, state: definition.states[visit.state].id, reason: "duplicate of \(kept ?? "")", at: now), unit)
                try await end(&visit, .campaign(.neutral), now: now, unit)
            }
        }
    }

    /// Settles the dedupe steps a firing's contacts reached: per step and value, the kept contact goes on,
    /// the others end with outcome `neutral`.
    private func resolveDedupe(_ arrivals: [DedupeArrival], now: Double, _ unit: Unit) async throws {
        for members in dedupeGroups(arrivals) {
            let kept = try await winner(of: members, now: now, unit)
            for arrival in members {
                // A visit that left while the firing's later pages ran (an exit, a stop) is no longer waiting.
                guard var visit = try await unit.visit(arrival.visit), visit.isActive, visit.state == arrival.state,
                      let entry = entries[arrival.visit.flow],
                      case .dedupe(_, _, let next) = entry.definition.states[arrival.state].step else { continue }
                if arrival.visit.contact == kept {
                    visit.state = next
                    try await run(&visit, now: now, unit)
                } else {
                    record(.held(visit.key, state: entry.definition.states[arrival.state].id,
                                 reason: "duplicate of \(kept ?? "")", at: now), unit)
                    try await end(&visit, .campaign(.neutral), now: now, unit)
                }
            }
        }
    }

    /// Ends a visit; `exit` names the exit that held when the outcome is `exited`.
    private func end(_ visit: inout Visit, _ outcome: VisitOutcome, exit: String? = nil, now: Double, _ unit: Unit) async throws {
        visit.phase = .ended(outcome)
        unit.save(visit)
        try await unit.updateFlow(visit.key.flow) { $0.outcomes[outcome.rawValue, default: 0] += 1 }
        record(.ended(visit.key, outcome: outcome, at: now), unit, detail: exit)
    }

    /// Attaches a message event (delivered, opened, clicked, ...) to the send step it names.
    private func attachMessageEvent(_ name: String, _ payload: [String: Value], contact id: String, _ unit: Unit) async throws {
        guard let fact = PostSendFact.allCases.first(where: { $0.event == name }),
              case .string(let step)? = payload["step"] else { return }
        let campaign: String? = if case .string(let value)? = payload["campaign"] { value } else { nil }
        for var visit in try await unit.visits(of: id) where visit.isActive && (campaign == nil || campaign == visit.key.flow.campaign) {
            guard let state = entries[visit.key.flow]?.stateIndex[step], visit.sends[state] != nil else { continue }
            visit.sends[state]!.facts.insert(PostSendFacts(fact))
            if fact == .clicked, case .string(let link)? = payload["link"] { visit.sends[state]!.clickedLinks.insert(link) }
            unit.save(visit)
        }
    }

}

/// Contacts per step, arrivals per step and outcomes of one campaign version.
public struct FlowReport: Sendable, Equatable {
    public var contactsPerStep: [String: Int]
    public var arrivalsPerStep: [String: Int]
    public var outcomes: [String: Int]
    /// Sends that did not go out, by reason.
    public var suppressed: [String: Int]
    /// Entries and conversions, treated and held out (v1.2); all zero for a version with neither a holdout nor
    /// a goal.
    public var conversions: ConversionCounts
    /// The version's actions still in the outbox.
    public var deliveries: DeliveryCounts
}

/// Why the engine refuses a flow (besides its time zone's ``TimeZoneProblem`` or its schedule's
/// ``CronProblem``).
public enum EngineError: Error, Equatable, CustomStringConvertible {
    /// The store holds visits made with another definition of this campaign version.
    case definitionChanged(FlowKey)
    /// An input id already processed, submitted again with a different content.
    case inputConflict(String)
    /// A deployment that would break a rule; nothing of it was applied.
    case deploymentRefused(String)

    public var description: String {
        switch self {
        case .inputConflict(let id): "input '\(id)' was already processed with a different content"
        case .deploymentRefused(let reason): "deployment refused: \(reason)"
        case .definitionChanged(let key):
            "\(key) is already running with a different definition; publish the change as a new version"
        }
    }
}

/// The working copy of one unit: reads go through its changes to the committed store. A unit belongs to the
/// engine call that made it; its reads run on the engine's actor (`nonisolated(nonsending)`).
final class Unit {
    let store: any CampaignStore
    var effect = EffectUnit()

    init(store: any CampaignStore) {
        self.store = store
    }

    /// The flow whose firing this unit runs: its contacts' arrivals at its dedupe steps are collected in
    /// ``dedupeArrivals``, to keep the best of them (a firing's page) or settle them at once (one contact).
    var collectsDedupeArrivals: FlowKey?
    /// Whether triggers that do not enter the unit's contact say why in the journal: true for units about one
    /// contact, false for audience-wide firings.
    var explainsRefusals = false
    var dedupeArrivals: [CampaignEngine.DedupeArrival] = []

    /// What the unit read from the store, read once: a unit that runs many events or timers reads each
    /// contact, each contact's visits and each flow's state from the store (and decodes it) at most once.
    /// The engine runs one unit at a time over the store, so what it read stays what the store holds.
    private var storedContacts: [String: ContactProfile?] = [:]
    private var storedVisits: [String: [Visit]] = [:]
    private var storedFlows: [FlowKey: FlowRuntimeState] = [:]
    private var storedKept: [DedupeKey: String?] = [:]

    /// Input ids whose digest the unit read, with the digest when one was recorded.
    private var storedInputs: [String: UInt64?] = [:]

    /// Reads the profiles and visits of `contacts`, and what was recorded for `inputs`, at once, for a unit
    /// about all of them (a batch of the inbox or of timers): a database store answers in one query each.
    nonisolated(nonsending) func prefetch(contacts ids: [String], inputs: [String] = []) async throws {
        let missing = Array(Set(ids.filter { storedContacts[$0] == nil }))
        if !missing.isEmpty {
            let profiles = try await store.contacts(missing)
            let visits = try await store.visits(ofContacts: missing)
            for id in missing {
                storedContacts[id] = .some(profiles[id])
                storedVisits[id] = visits[id] ?? []
            }
        }
        let unread = inputs.filter { storedInputs[$0] == nil }
        if !unread.isEmpty {
            let digests = try await store.processedInputs(unread)
            for id in unread { storedInputs[id] = .some(digests[id]) }
        }
    }

    /// Reads the profiles of `contacts` at once, without their visits, for a page of a firing that enters
    /// only some of them (a schedule's firing in contact time zones): a database store answers in one query.
    nonisolated(nonsending) func prefetch(profiles ids: [String]) async throws {
        let missing = Array(Set(ids.filter { storedContacts[$0] == nil }))
        guard !missing.isEmpty else { return }
        let profiles = try await store.contacts(missing)
        for id in missing { storedContacts[id] = .some(profiles[id]) }
    }

    /// The digest recorded with an input id by a committed unit, or nil.
    nonisolated(nonsending) func processedInput(_ id: String) async throws -> UInt64? {
        if let read = storedInputs[id] { return read }
        return try await store.processedInput(id)
    }

    private nonisolated(nonsending) func stored(_ id: String) async throws -> ContactProfile? {
        if let read = storedContacts[id] { return read }
        let read = try await store.contact(id)
        storedContacts[id] = .some(read)
        return read
    }
    private nonisolated(nonsending) func storedVisits(of contact: String) async throws -> [Visit] {
        if let read = storedVisits[contact] { return read }
        let read = try await store.visits(of: contact)
        storedVisits[contact] = read
        return read
    }
    private nonisolated(nonsending) func storedFlow(_ key: FlowKey) async throws -> FlowRuntimeState {
        if let read = storedFlows[key] { return read }
        let read = try await store.flowState(key)
        storedFlows[key] = read
        return read
    }

    nonisolated(nonsending) func contact(_ id: String) async throws -> ContactProfile? {
        if let changed = effect.contacts[id] { return changed }
        return try await stored(id)
    }
    nonisolated(nonsending) func visit(_ key: VisitKey) async throws -> Visit? {
        if let changed = effect.visits[key] { return changed }
        return try await storedVisits(of: key.contact).first { $0.key == key }
    }
    nonisolated(nonsending) func flowState(_ key: FlowKey) async throws -> FlowRuntimeState {
        if let changed = effect.flows[key] { return changed }
        return try await storedFlow(key)
    }
    /// The contact a dedupe register keeps for a value, as this unit sees it.
    nonisolated(nonsending) func keptContact(_ key: DedupeKey) async throws -> String? {
        if let changed = effect.keptContacts[key] { return changed }
        if let read = storedKept[key] { return read }
        let read = try await store.keptContacts([key])[key]
        storedKept[key] = .some(read)
        return read
    }

    /// Reads what dedupe registers keep for `keys` at once (a page's values: one query on a database).
    nonisolated(nonsending) func prefetchKept(_ keys: [DedupeKey]) async throws {
        let unread = Array(Set(keys.filter { storedKept[$0] == nil }))
        guard !unread.isEmpty else { return }
        let kept = try await store.keptContacts(unread)
        for key in unread { storedKept[key] = .some(kept[key]) }
    }

    /// Changes a flow's shared state in place (no copy of the unit's table per change).
    nonisolated(nonsending) func updateFlow<Result>(_ key: FlowKey, _ change: (inout FlowRuntimeState) -> Result) async throws -> Result {
        if effect.flows[key] == nil { effect.flows[key] = try await storedFlow(key) }
        return change(&effect.flows[key]!)
    }

    /// Keys of the visits this unit changed, by contact: a firing over an audience changes many contacts,
    /// and each contact's lookup must not scan them all.
    private var changedVisits: [String: [VisitKey]] = [:]
    /// Each contact's visits as this unit sees them, in key order, once read: every event, entry and wake-up
    /// reads them, and a contact may have thousands of ended ones, so they are kept up to date as the unit
    /// saves visits rather than merged and sorted again at each read.
    private var currentVisits: [String: [Visit]] = [:]

    /// Records a visit's new state in the unit.
    func save(_ visit: Visit) {
        if effect.visits.updateValue(visit, forKey: visit.key) == nil {
            changedVisits[visit.key.contact, default: []].append(visit.key)
        }
        if currentVisits[visit.key.contact] != nil { Self.place(visit, in: &currentVisits[visit.key.contact]!) }
    }

    /// A contact's visits as this unit sees them, in key order.
    nonisolated(nonsending) func visits(of contact: String) async throws -> [Visit] {
        if let current = currentVisits[contact] { return current }
        var visits = try await storedVisits(of: contact)
        // In the order of the keys' `<`, whatever order the store's collation gave.
        if !zip(visits, visits.dropFirst()).allSatisfy({ $0.key < $1.key }) { visits.sort { $0.key < $1.key } }
        for key in changedVisits[contact] ?? [] { Self.place(effect.visits[key]!, in: &visits) }
        currentVisits[contact] = visits
        return visits
    }

    /// Puts `visit` in its place in `visits` (in key order), replacing the one with its key.
    private static func place(_ visit: Visit, in visits: inout [Visit]) {
        var low = 0, high = visits.count
        while low < high {
            let middle = (low + high) / 2
            if visits[middle].key < visit.key { low = middle + 1 } else { high = middle }
        }
        if low < visits.count, visits[low].key == visit.key { visits[low] = visit } else { visits.insert(visit, at: low) }
    }
}
