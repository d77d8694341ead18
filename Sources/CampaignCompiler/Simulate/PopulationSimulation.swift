import CampaignFlows
import CampaignRuntime
import Foundation
import HeapModule

/// What a simulation produced: the simulated campaign's figures, then those of each campaign run beside it.
public struct SimulationReport: Sendable {
    /// How many contacts the population had.
    public var contacts: Int
    /// How many days the simulation ran.
    public var days: Int
    /// The simulated campaign version's figures.
    public var campaign: SimulatedCampaign
    /// The figures of the versions run beside it, in the order of ``PopulationSimulation/companions``.
    public var companions: [SimulatedCampaign]
    /// Sends of every campaign on each simulated day (0-based).
    public var sendsPerDay: [Int]
}

/// One campaign version's figures at the end of a simulation.
public struct SimulatedCampaign: Sendable {
    /// The campaign's id.
    public var campaign: String
    public var version: Int
    /// Visits that entered, held-out ones included.
    public var entered: Int
    /// Step ids in file order, with arrivals and contacts still there at the end.
    public var steps: [(id: String, arrivals: Int, waiting: Int)]
    /// Visits that ended, by outcome.
    public var outcomes: [String: Int]
    /// Sends that did not go out, by reason.
    public var suppressed: [String: Int]
    /// Entries and conversions, treated and held out (v1.2): the converted shares and their lift.
    public var conversions: ConversionCounts
    /// What converts a visit of the version, which ``conversions`` count; nil when it has no goal.
    public var goal: FlowGoal?
}

/// Runs a synthetic population through one campaign version on a virtual clock, with the interpreter, beside
/// the versions of other campaigns given as its companions (v1.2): on the same clock and contacts, so that a
/// `start_campaign` step enters the campaign it names and frequency caps count the sends of them all.
///
/// Contacts get random values for the workspace's fields (a field's declared `values` when it has them),
/// an email address, random group and persona memberships. Event-triggered campaigns see each contact's
/// trigger event about once every ten days (each campaign its own: an event that triggers two of them enters
/// both); schedule and date triggers fire at their instants, manual ones on the first morning, api ones once
/// per contact. Recipients react to emails: delivered within minutes (95%) or bounced hard (1%), opened within
/// a day (40%), clicked after opening (25%), unsubscribed after opening (2%) or complained (0.2%); 3% of
/// contacts have no email address. With a goal on an event (v1.2), each contact has that event about once a
/// month whatever the campaigns do, and a click on an email of that goal's campaign leads to it within a day
/// 30% of the time, so that treated and held-out contacts convert at rates a simulation can compare.
/// Everything follows from the seed.
public struct PopulationSimulation {
    /// The simulated version.
    public let definition: FlowDefinition
    /// The versions run beside it, each as if it took contacts, whatever its file's status.
    public let companions: [FlowDefinition]
    public let workspace: Workspace
    public let contacts: Int
    public let days: Int
    public let seed: UInt64

    /// The simulation starts on Monday 5 January 2026, 00:00 UTC.
    public static let start: Double = 1_767_571_200

    public init(definition: FlowDefinition, companions: [FlowDefinition] = [], workspace: Workspace, contacts: Int, days: Int,
                seed: UInt64) {
        self.definition = definition
        self.companions = companions
        self.workspace = workspace
        self.contacts = contacts
        self.days = days
        self.seed = seed
    }

    private enum Happening {
        /// The contact's next trigger event of one simulated version (an index in ``flows``): its name and
        /// payload are drawn when it happens, and the one after it is planned then, so the agenda holds one
        /// per contact and version rather than a year of them.
        case trigger(flow: Int)
        case event(String, [String: Value])
        /// A manual or api firing of one simulated version (an index in ``flows``).
        case fire(flow: Int, contact: String?)
        /// The contact's next goal event on its own (not after a click); the one after it is planned then.
        case goal(String)
    }

    /// Something planned for a contact at an instant; ties happen in the order they were planned.
    private struct Planned: Comparable {
        var at: Double
        var order: Int
        var contact: String
        var happening: Happening

        static func < (a: Planned, b: Planned) -> Bool { (a.at, a.order) < (b.at, b.order) }
        static func == (a: Planned, b: Planned) -> Bool { a.at == b.at && a.order == b.order }
    }

    /// The simulated version, then its companions.
    private var flows: [FlowDefinition] { [definition] + companions }

    public func run(progress: (_ day: Int) -> Void = { _ in }) async throws -> SimulationReport {
        var random = SeededRandom(seed: seed)
        let clock = VirtualClock(now: Self.start)
        let recipients = SimulatedRecipients()
        let flows = self.flows
        let engine = try await CampaignEngine(flows: flows.map { FlowInterpreter($0) }, channels: recipients, clock: clock,
                                              recordsTrace: false)
        await engine.enforce(workspace.policies)
        let keys = flows.map { FlowKey(campaign: $0.campaign, version: $0.version) }
        // The simulation runs the versions as if they took contacts, whatever their files' status.
        for key in keys { try await engine.setStatus(key, .published) }
        let ids = (0..<contacts).map { "contact-\($0)" }
        for id in ids { try await engine.upsertContact(randomContact(id, &random)) }

        // What happens next, earliest first: trigger events, firings, and the recipients' reactions. Nothing
        // after the horizon is planned, since it would never happen.
        let horizon = Self.start + Double(days) * 86_400
        var agenda = Heap<Planned>()
        var order = 0
        func plan(_ at: Double, _ contact: String, _ happening: Happening) {
            guard at < horizon else { return }
            agenda.insert(Planned(at: at, order: order, contact: contact, happening: happening))
            order += 1
        }
        let triggerEvents = flows.map { $0.trigger.eventTriggers.map(\.event) }
        for (flow, version) in flows.enumerated() {
            switch version.trigger {
            case .event, .events:
                for id in ids { plan(Self.start + Double.random(in: 0..<(10 * 86_400), using: &random), id, .trigger(flow: flow)) }
            case .schedule, .dates:
                break  // the engine fires them on their instants as the clock advances
            case .manual:
                plan(Self.start + 9 * 3600, "", .fire(flow: flow, contact: nil))
            case .api:
                for id in ids {
                    plan(Self.start + Double.random(in: 0..<(Double(days) * 86_400), using: &random), id, .fire(flow: flow, contact: id))
                }
            }
        }
        // Each goal event once, however many versions it converts.
        var goalEvents: [String] = []
        for version in flows {
            if case .event(let goal, _)? = version.goal?.awaited, !goalEvents.contains(goal) { goalEvents.append(goal) }
        }
        for goal in goalEvents {
            for id in ids { plan(Self.start + Double.random(in: 0..<(30 * 86_400), using: &random), id, .goal(goal)) }
        }

        var sendsPerDay = Array(repeating: 0, count: days)
        /// Counts the sends performed since the last call and plans their recipients' reactions.
        func takeActions() {
            for request in recipients.take() {
                if case .send = request.action {
                    let index = Int((request.at - Self.start) / 86_400)
                    if index >= 0 && index < days { sendsPerDay[index] += 1 }
                }
                react(to: request, &random, plan: plan)
            }
        }
        var day = 0
        while day < days {
            let dayEnd = Self.start + Double(day + 1) * 86_400
            while let next = agenda.min, next.at < dayEnd {
                agenda.removeMin()
                try await engine.advance(to: next.at)
                // A reaction planned inside the last advance may be earlier than the clock: it happens now.
                clock.now = max(clock.now, next.at)
                switch next.happening {
                case .trigger(let flow):
                    // With one trigger nothing is drawn for the name.
                    let events = triggerEvents[flow]
                    let name = events.count == 1 ? events[0] : events[Int.random(in: 0..<events.count, using: &random)]
                    try await engine.handle(event: name, contact: next.contact, payload: randomPayload(name, &random))
                    plan(next.at + Double.random(in: 86_400..<(20 * 86_400), using: &random), next.contact, .trigger(flow: flow))
                case .event(let name, let payload): try await engine.handle(event: name, contact: next.contact, payload: payload)
                case .fire(let flow, let contact): try await engine.fire(keys[flow], contact: contact)
                case .goal(let name):
                    try await engine.handle(event: name, contact: next.contact, payload: randomPayload(name, &random))
                    plan(next.at + Double.random(in: 15 * 86_400..<(45 * 86_400), using: &random), next.contact, .goal(name))
                }
                takeActions()
            }
            try await engine.advance(to: dayEnd)
            takeActions()
            day += 1
            progress(day)
        }
        var figures: [SimulatedCampaign] = []
        for (version, key) in zip(flows, keys) {
            let report = try await engine.report(key)
            let entered = try await engine.store.visits(in: key).count
            figures.append(SimulatedCampaign(
                campaign: version.campaign, version: version.version, entered: entered,
                steps: version.states.map { ($0.id, report.arrivalsPerStep[$0.id] ?? 0, report.contactsPerStep[$0.id] ?? 0) },
                outcomes: report.outcomes, suppressed: report.suppressed, conversions: report.conversions, goal: version.goal))
        }
        return SimulationReport(contacts: contacts, days: days, campaign: figures[0], companions: Array(figures.dropFirst()),
                                sendsPerDay: sendsPerDay)
    }

    /// Plans the recipients' reactions to one action: a send is delivered or bounces, an email may be opened,
    /// then clicked, unsubscribed from or reported.
    private func react(to request: ActionRequest, _ random: inout SeededRandom, plan: (Double, String, Happening) -> Void) {
        guard case .send(let channel, let message) = request.action else { return }
        let contact = request.key.visit.contact
        let sender = request.key.visit.flow
        let base: [String: Value] = ["step": .string(request.key.step), "campaign": .string(sender.campaign),
                                     "message": .string(message)]
        let delivery = Double.random(in: 0..<1, using: &random)
        if delivery < 0.95 {
            plan(request.at + Double.random(in: 10..<300, using: &random), contact, .event(BuiltInEvent.messageDelivered.rawValue, base))
        } else if delivery < 0.96, channel == .email {
            var bounce = base
            bounce["type"] = .string("hard")
            plan(request.at + Double.random(in: 10..<300, using: &random), contact, .event(BuiltInEvent.messageBounced.rawValue, bounce))
            return
        }
        guard channel == .email, Double.random(in: 0..<1, using: &random) < 0.4 else { return }
        let opened = request.at + Double.random(in: 600..<86_400, using: &random)
        plan(opened, contact, .event(BuiltInEvent.emailOpened.rawValue, base))
        let reaction = Double.random(in: 0..<1, using: &random)
        if reaction < 0.25 {
            var click = base
            click["link"] = .string("https://example.com/offer")
            let clicked = opened + Double.random(in: 5..<600, using: &random)
            plan(clicked, contact, .event(BuiltInEvent.linkClicked.rawValue, click))
            let goal = flows.first { $0.campaign == sender.campaign && $0.version == sender.version }?.goal
            if case .event(let goal, _)? = goal?.awaited, Double.random(in: 0..<1, using: &random) < 0.3 {
                plan(clicked + Double.random(in: 60..<86_400, using: &random), contact, .event(goal, randomPayload(goal, &random)))
            }
        } else if reaction < 0.27 {
            plan(opened + Double.random(in: 5..<600, using: &random), contact, .event(BuiltInEvent.messageUnsubscribed.rawValue, base))
        } else if reaction < 0.272 {
            plan(opened + Double.random(in: 5..<600, using: &random), contact, .event(BuiltInEvent.spamComplaint.rawValue, base))
        }
    }

    private func randomContact(_ id: String, _ random: inout SeededRandom) -> ContactProfile {
        var contact = ContactProfile(id: id)
        for name in workspace.fields.keys.sorted() {
            let field = workspace.fields[name]!
            if name == "email" {
                if Double.random(in: 0..<1, using: &random) >= 0.03 { contact.fields[name] = .string("\(id)@example.com") }
                continue
            }
            if name == "id" { contact.fields[name] = .string(id); continue }
            guard Double.random(in: 0..<1, using: &random) < 0.8 else { continue }
            if let values = field.allowedValues {
                let value = values.randomElement(using: &random)!
                contact.fields[name] = field.type == .int ? .int(Int(value) ?? 0) : .string(value)
                continue
            }
            contact.fields[name] = randomValue(field.type, &random)
        }
        contact.groups = Set(workspace.groups.sorted().filter { _ in Bool.random(using: &random) })
        contact.personas = Set(workspace.personas.sorted().filter { _ in Double.random(in: 0..<1, using: &random) < 0.1 })
        return contact
    }

    private func randomPayload(_ event: String, _ random: inout SeededRandom) -> [String: Value] {
        var payload: [String: Value] = [:]
        for (field, type) in (workspace.events[event]?.fields ?? [:]).sorted(by: { $0.key < $1.key }) {
            payload[field] = field == "channel" ? .string(["email", "email", "sms", "push"].randomElement(using: &random)!)
                : randomValue(type, &random)
        }
        return payload
    }

    private func randomValue(_ type: ValueType, _ random: inout SeededRandom) -> Value {
        switch type {
        case .int: .int(Int.random(in: 0...100, using: &random))
        case .decimal: .decimal(Double(Int.random(in: 0...20_000, using: &random)) / 100)
        case .bool: .bool(Bool.random(using: &random))
        case .date, .datetime: .instant(Self.start - Double.random(in: 0..<(3 * 365 * 86_400), using: &random))
        case .duration: .duration(Int.random(in: 0...(30 * 86_400), using: &random))
        case .list: .list([])
        case .string, .null: .string(["a", "b", "c", "offline", "web"].randomElement(using: &random)!)
        }
    }
}

/// Where a simulation's actions go: kept only until the simulation has planned the recipients' reactions,
/// so a year of a million contacts' sends is never held at once.
private final class SimulatedRecipients: ChannelAdapter, @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [ActionRequest] = []

    func perform(_ request: ActionRequest) {
        lock.withLock { pending.append(request) }
    }

    /// The actions performed since the last call, in order.
    func take() -> [ActionRequest] {
        lock.withLock {
            defer { pending = [] }
            return pending
        }
    }
}
