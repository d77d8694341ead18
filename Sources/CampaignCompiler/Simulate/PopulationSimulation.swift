import CampaignRuntime
import Foundation

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
}

/// Runs a synthetic population through one campaign version on a virtual clock, with the interpreter.
///
/// Contacts get random values for the workspace's fields (a field's declared `values` when it has them),
/// an email address, random group and persona memberships. Event-triggered campaigns see each contact's
/// trigger event about once every ten days; schedule and date triggers fire at their instants, manual ones
/// on the first morning, api ones once per contact. Recipients react to emails: delivered within minutes (95%)
/// or bounced hard (1%), opened within a day (40%), clicked after opening (25%), unsubscribed after opening
/// (2%) or complained (0.2%); 3% of contacts have no email address. Everything follows from the seed.
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
        case event(String, [String: Value])
        case fire(contact: String?)
    }

    public func run(progress: (_ day: Int) -> Void = { _ in }) async throws -> SimulationReport {
        var random = SeededRandom(seed: seed)
        let clock = VirtualClock(now: Self.start)
        let channels = RecordingChannels()
        let engine = try await CampaignEngine(flows: [FlowInterpreter(definition)], channels: channels, clock: clock,
                                              recordsTrace: false)
        await engine.enforce(workspace.policies)
        let key = FlowKey(campaign: definition.campaign, version: definition.version)
        // The simulation runs the version as if it took contacts, whatever its file's status.
        try await engine.setStatus(key, .published)
        let ids = (0..<contacts).map { "contact-\($0)" }
        for id in ids { try await engine.upsertContact(randomContact(id, &random)) }

        // What happens, by instant: trigger events, firings, and later the recipients' reactions.
        var agenda: [(at: Double, order: Int, contact: String, happening: Happening)] = []
        var order = 0
        func plan(_ at: Double, _ contact: String, _ happening: Happening) {
            agenda.append((at, order, contact, happening))
            order += 1
        }
        let horizon = Self.start + Double(days) * 86_400
        switch definition.trigger {
        case .event, .events:
            let names = definition.trigger.eventTriggers.map(\.event)
            for id in ids {
                var at = Self.start + Double.random(in: 0..<(10 * 86_400), using: &random)
                while at < horizon {
                    // One trigger draws nothing here, so a single-trigger simulation stays as it was.
                    let name = names.count == 1 ? names[0] : names[Int.random(in: 0..<names.count, using: &random)]
                    plan(at, id, .event(name, randomPayload(name, &random)))
                    at += Double.random(in: 86_400..<(20 * 86_400), using: &random)
                }
            }
        case .schedule, .dates:
            break  // the engine fires them on their instants as the clock advances
        case .manual:
            plan(Self.start + 9 * 3600, "", .fire(contact: nil))
        case .api:
            for id in ids { plan(Self.start + Double.random(in: 0..<(Double(days) * 86_400), using: &random), id, .fire(contact: id)) }
        }

        var sendsPerDay = Array(repeating: 0, count: days)
        var seenActions = 0
        var day = 0
        while day < days {
            let dayEnd = Self.start + Double(day + 1) * 86_400
            agenda.sort { ($0.at, $0.order) < ($1.at, $1.order) }
            while let next = agenda.first, next.at < dayEnd {
                agenda.removeFirst()
                try await engine.advance(to: next.at)
                clock.now = next.at
                switch next.happening {
                case .event(let name, let payload): try await engine.handle(event: name, contact: next.contact, payload: payload)
                case .fire(let contact): try await engine.fire(key, contact: contact)
                }
                react(to: channels.performed, from: &seenActions, &random, plan: plan)
            }
            try await engine.advance(to: dayEnd)
            react(to: channels.performed, from: &seenActions, &random, plan: plan)
            day += 1
            progress(day)
        }
        for request in channels.performed {
            if case .send = request.action {
                let index = Int((request.at - Self.start) / 86_400)
                if index >= 0 && index < days { sendsPerDay[index] += 1 }
            }
        }
        let report = try await engine.report(key)
        let entered = try await engine.store.visits(in: key).count
        return SimulationReport(
            campaign: definition.campaign, version: definition.version, contacts: contacts, days: days,
            steps: definition.states.map { ($0.id, report.arrivalsPerStep[$0.id] ?? 0, report.contactsPerStep[$0.id] ?? 0) },
            outcomes: report.outcomes, suppressed: report.suppressed, sendsPerDay: sendsPerDay, entered: entered)
    }

    /// Plans the recipients' reactions to the emails sent since the last call.
    private func react(to performed: [ActionRequest], from seen: inout Int,
                       _ random: inout SeededRandom, plan: (Double, String, Happening) -> Void) {
        while seen < performed.count {
            let request = performed[seen]
            seen += 1
            guard case .send(let channel, let message) = request.action else { continue }
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
                continue
            }
            guard channel == .email, Double.random(in: 0..<1, using: &random) < 0.4 else { continue }
            let opened = request.at + Double.random(in: 600..<86_400, using: &random)
            plan(opened, contact, .event(BuiltInEvent.emailOpened.rawValue, base))
            let reaction = Double.random(in: 0..<1, using: &random)
            if reaction < 0.25 {
                var click = base
                click["link"] = .string("https://example.com/offer")
                plan(opened + Double.random(in: 5..<600, using: &random), contact, .event(BuiltInEvent.linkClicked.rawValue, click))
            } else if reaction < 0.27 {
                plan(opened + Double.random(in: 5..<600, using: &random), contact, .event(BuiltInEvent.messageUnsubscribed.rawValue, base))
            } else if reaction < 0.272 {
                plan(opened + Double.random(in: 5..<600, using: &random), contact, .event(BuiltInEvent.spamComplaint.rawValue, base))
            }
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
