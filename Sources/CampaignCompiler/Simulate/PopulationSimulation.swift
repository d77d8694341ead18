import CampaignFlows
import CampaignRuntime
import Foundation
import HeapModule

/// What a simulation produced.
public struct SimulationReport: Sendable {
    public var campaign: String
    public var version: Int
    public var contacts: Int
    public var days: Int
    /// Step ids in file order, with arrivals and contacts still there at the end.
    public var steps: [(id: String, arrivals: Int, waiting: Int)]
    public var outcomes: [String: Int]
    /// Sends that did not go out, by reason.
    public var suppressed: [String: Int]
    /// Sends on each simulated day (0-based).
    public var sendsPerDay: [Int]
    public var entered: Int
    /// Entries and conversions, treated and held out (v1.2): the converted shares and their lift.
    public var conversions: ConversionCounts
}

/// Runs a synthetic population through one campaign version on a virtual clock, with the interpreter.
///
/// Contacts get random values for the workspace's fields (a field's declared `values` when it has them),
/// an email address, random group and persona memberships. Event-triggered campaigns see each contact's
/// trigger event about once every ten days; schedule and date triggers fire at their instants, manual ones
/// on the first morning, api ones once per contact. Recipients react to emails: delivered within minutes (95%)
/// or bounced hard (1%), opened within a day (40%), clicked after opening (25%), unsubscribed after opening
/// (2%) or complained (0.2%); 3% of contacts have no email address. With a goal on an event (v1.2), each contact
/// has that event about once a month whatever the campaign does, and a click leads to it within a day 30% of the
/// time, so that treated and held-out contacts convert at rates a simulation can compare. Everything follows
/// from the seed.
public struct PopulationSimulation {
    public let definition: FlowDefinition
    public let workspace: Workspace
    public let contacts: Int
    public let days: Int
    public let seed: UInt64

    /// The simulation starts on Monday 5 January 2026, 00:00 UTC.
    public static let start: Double = 1_767_571_200

    public init(definition: FlowDefinition, workspace: Workspace, contacts: Int, days: Int, seed: UInt64) {
        self.definition = definition
        self.workspace = workspace
        self.contacts = contacts
        self.days = days
        self.seed = seed
    }

    private enum Happening {
        /// The contact's next trigger event: its name and payload are drawn when it happens, and the one
        /// after it is planned then, so the agenda holds one per contact rather than a year of them.
        case trigger
        case event(String, [String: Value])
        case fire(contact: String?)
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

    public func run(progress: (_ day: Int) -> Void = { _ in }) async throws -> SimulationReport {
        var random = SeededRandom(seed: seed)
        let clock = VirtualClock(now: Self.start)
        let recipients = SimulatedRecipients()
        let engine = try await CampaignEngine(flows: [FlowInterpreter(definition)], channels: recipients, clock: clock,
                                              recordsTrace: false)
        await engine.enforce(workspace.policies)
        let key = FlowKey(campaign: definition.campaign, version: definition.version)
        // The simulation runs the version as if it took contacts, whatever its file's status.
        try await engine.setStatus(key, .published)
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
        let triggerEvents = definition.trigger.eventTriggers.map(\.event)
        switch definition.trigger {
        case .event, .events:
            for id in ids { plan(Self.start + Double.random(in: 0..<(10 * 86_400), using: &random), id, .trigger) }
        case .schedule, .dates:
            break  // the engine fires them on their instants as the clock advances
        case .manual:
            plan(Self.start + 9 * 3600, "", .fire(contact: nil))
        case .api:
            for id in ids { plan(Self.start + Double.random(in: 0..<(Double(days) * 86_400), using: &random), id, .fire(contact: id)) }
        }
        if case .event(let goal, _)? = definition.goal?.awaited {
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
                case .trigger:
                    // With one trigger nothing is drawn for the name.
                    let name = triggerEvents.count == 1 ? triggerEvents[0]
                        : triggerEvents[Int.random(in: 0..<triggerEvents.count, using: &random)]
                    try await engine.handle(event: name, contact: next.contact, payload: randomPayload(name, &random))
                    plan(next.at + Double.random(in: 86_400..<(20 * 86_400), using: &random), next.contact, .trigger)
                case .event(let name, let payload): try await engine.handle(event: name, contact: next.contact, payload: payload)
                case .fire(let contact): try await engine.fire(key, contact: contact)
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
        let report = try await engine.report(key)
        let entered = try await engine.store.visits(in: key).count
        return SimulationReport(
            campaign: definition.campaign, version: definition.version, contacts: contacts, days: days,
            steps: definition.states.map { ($0.id, report.arrivalsPerStep[$0.id] ?? 0, report.contactsPerStep[$0.id] ?? 0) },
            outcomes: report.outcomes, suppressed: report.suppressed, sendsPerDay: sendsPerDay, entered: entered,
            conversions: report.conversions)
    }

    /// Plans the recipients' reactions to one action: a send is delivered or bounces, an email may be opened,
    /// then clicked, unsubscribed from or reported.
    private func react(to request: ActionRequest, _ random: inout SeededRandom, plan: (Double, String, Happening) -> Void) {
        guard case .send(let channel, let message) = request.action else { return }
        let contact = request.key.visit.contact
        let base: [String: Value] = ["step": .string(request.key.step), "campaign": .string(definition.campaign),
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
            if case .event(let goal, _)? = definition.goal?.awaited, Double.random(in: 0..<1, using: &random) < 0.3 {
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
