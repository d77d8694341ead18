import CampaignCompiler
import CampaignFlows
import CampaignRuntime

/// Random contacts and events for one flow: trigger events, exit events, message events on its sends,
/// firings, approvals and profile updates, at random times. The differential tests and the fuzzers drive
/// flows with it.
public struct RandomScript: CustomStringConvertible, Sendable {
    public enum Entry: Sendable {
        case event(String, [String: Value])
        case fire
        case approve(String)
        case update([String: Value])
    }

    public var contacts: [ContactProfile]
    public var entries: [(after: Double, contact: Int, entry: Entry)]

    public init(contacts: [ContactProfile], entries: [(after: Double, contact: Int, entry: Entry)]) {
        self.contacts = contacts
        self.entries = entries
    }

    public var description: String { "\(contacts.count) contacts, \(entries.count) entries" }

    /// The string and number literals of a flow's conditions: random values drawn near them reach both
    /// sides of its comparisons.
    public static func literals(of definition: FlowDefinition) -> (strings: [String], numbers: [Int]) {
        var strings: [String] = [], numbers: [Int] = []
        func visit(_ expression: FlowExpression?) {
            switch expression {
            case .literal(.string(let text))?, .field(let text)?: strings.append(text)
            case .literal(.int(let number))?: numbers += [number - 1, number, number + 1]
            case .not(let operand)?: visit(operand)
            case .call(_, let arguments)?:
                for argument in arguments {
                    switch argument {
                    case .name(let name): strings.append(name)
                    case .value(let value): visit(value)
                    case .state, .absent: break
                    }
                }
            case .and(let a, let b)?, .or(let a, let b)?, .compare(_, let a, let b)?, .contains(let a, let b)?: visit(a); visit(b)
            case .list(let items)?: items.forEach(visit)
            default: break
            }
        }
        for trigger in definition.trigger.eventTriggers { visit(trigger.filter) }
        visit(definition.audience)
        for exit in definition.exits {
            switch exit {
            case .event(_, let filter): visit(filter)
            case .condition(let condition): visit(condition)
            }
        }
        for state in definition.states {
            switch state.step {
            case .condition(let condition, _, _): visit(condition)
            case .branch(let options, _): options.forEach { visit($0.condition) }
            default: break
            }
        }
        return (strings, numbers)
    }

    public static func make<Generator: RandomNumberGenerator>(for definition: FlowDefinition, workspace: Workspace,
                                                              using g: inout Generator) -> RandomScript {
        let (literalStrings, literalNumbers) = literals(of: definition)
        func randomValue(_ type: ValueType?) -> Value {
            switch type {
            case .int?:
                if !literalNumbers.isEmpty, Bool.random(using: &g) { return .int(literalNumbers.randomElement(using: &g)!) }
                return .int(Int.random(in: 0...80, using: &g))
            case .decimal?: return .decimal(Double(Int.random(in: 0...200, using: &g)))
            case .bool?: return .bool(Bool.random(using: &g))
            case .datetime?, .date?: return .instant(Double(Int.random(in: 1_600_000_000...1_800_000_000, using: &g)))
            case .list?: return .list([.string(["engaged", "inactive", "disengaged", "student"].randomElement(using: &g)!)])
            default:
                if !literalStrings.isEmpty, Bool.random(using: &g) { return .string(literalStrings.randomElement(using: &g)!) }
                return .string(["fr", "de", "en", "female", "male", "offline", "web", "email", "x"].randomElement(using: &g)!)
            }
        }
        let fieldNames = workspace.fields.keys.sorted()
        let contacts = (0..<Int.random(in: 1...3, using: &g)).map { index -> ContactProfile in
            var contact = ContactProfile(id: "r\(index)")
            // Fields the flow reads are set nine times in ten; others half the time.
            for name in fieldNames where Int.random(in: 0..<10, using: &g) < (literalStrings.contains(name) ? 9 : 5) {
                let field = workspace.fields[name]!
                contact.fields[name] = field.allowedValues?.randomElement(using: &g).map(Value.string) ?? randomValue(field.type)
            }
            // Groups the flow asks about, three times in four; others at random.
            contact.groups = Set(workspace.groups.sorted().filter { group in
                literalStrings.contains(group) ? Int.random(in: 0..<4, using: &g) > 0 : Bool.random(using: &g)
            })
            contact.personas = Set(workspace.personas.sorted().filter { _ in Int.random(in: 0..<4, using: &g) == 0 })
            return contact
        }
        var events: [String] = []
        events += definition.trigger.eventTriggers.map(\.event)
        for exit in definition.exits { if case .event(let name, _) = exit { events.append(name) } }
        events += ["email_opened", "link_clicked", "message_delivered", "page_visited", "spam_complaint", "message_unsubscribed",
                   "message_bounced", "unsubscribed", "subscribed"]
        let sendSteps = definition.states.filter { if case .send = $0.step { true } else { false } }.map(\.id)
        var entries: [(Double, Int, Entry)] = []
        for _ in 0..<Int.random(in: 2...10, using: &g) {
            let after = Double([0, 60, 3600, 7200, 86_400, 172_800, 604_800, 2_592_000].randomElement(using: &g)!)
            let contact = Int.random(in: 0..<contacts.count, using: &g)
            let entry: Entry
            switch Int.random(in: 0..<10, using: &g) {
            case 0...4:
                // The trigger event (first in `events`) half the time, so contacts enter often.
                let name = Bool.random(using: &g) ? events[0] : events.randomElement(using: &g)!
                var payload: [String: Value] = [:]
                for (field, type) in (workspace.events[name]?.fields ?? [:]).sorted(by: { $0.key < $1.key }) {
                    payload[field] = randomValue(type)
                }
                if workspace.events[name]?.isMessageEvent == true, let step = sendSteps.randomElement(using: &g) {
                    payload["step"] = .string(step)
                    payload["link"] = .string("https://shop.example/comeback")
                }
                if name == "message_bounced" { payload["type"] = .string(Bool.random(using: &g) ? "hard" : "soft") }
                if name == "unsubscribed" || name == "subscribed" {
                    payload["channel"] = .string(["email", "sms", "push"].randomElement(using: &g)!)
                }
                entry = .event(name, payload)
            case 5, 6: entry = .fire
            case 7: entry = sendSteps.randomElement(using: &g).map(Entry.approve) ?? .fire
            default:
                let name = fieldNames.randomElement(using: &g)!
                entry = .update([name: workspace.fields[name]!.allowedValues?.randomElement(using: &g).map(Value.string)
                                 ?? randomValue(workspace.fields[name]!.type)])
            }
            entries.append((after, contact, entry))
        }
        return RandomScript(contacts: contacts, entries: entries)
    }

    /// Runs the script on a fresh engine and returns its trace: timers, schedules and dates fire as the clock
    /// passes them.
    ///
    /// With `maximumWakeUps`, at most that many timers and scheduled firings run, and after the last entry the
    /// clock runs on for 400 days through both: a campaign that loops on a short wait (time passes, so the
    /// checker accepts it) would otherwise take 400 simulated days of 45-second turns, minutes for a fuzzer.
    public func run(_ flow: any CampaignFlow, maximumWakeUps: Int? = nil) async throws -> [TraceEvent] {
        let clock = VirtualClock(now: 1_780_000_000)
        let engine = try await CampaignEngine(flows: [flow], clock: clock)
        let key = FlowKey(campaign: flow.definition.campaign, version: flow.definition.version)
        try await engine.setStatus(key, .published)  // draining versions are exercised too
        for contact in contacts { try await engine.upsertContact(contact) }
        var wakeUps = 0
        func advance(to time: Double) async throws {
            guard let maximumWakeUps else { return try await engine.advance(to: time) }
            while wakeUps < maximumWakeUps, try await engine.advanceOnce(to: time) { wakeUps += 1 }
        }
        for (after, index, entry) in entries {
            try await advance(to: clock.now + after)
            clock.now += after
            let id = contacts[index].id
            switch entry {
            case .event(let name, let payload): try await engine.handle(event: name, contact: id, payload: payload)
            case .fire: try await engine.fire(key, contact: flow.definition.trigger == .api ? id : nil)
            case .approve(let step): try await engine.approve(key, step: step)
            case .update(let fields): try await engine.updateContact(id, fields: fields)
            }
        }
        if maximumWakeUps != nil {
            try await advance(to: clock.now + 400 * 86_400)
        } else {
            // Two weeks of schedule firings, then every timer (the longest waits run for months).
            try await engine.advance(to: clock.now + 14 * 86_400)
            try await engine.runTimers(upTo: clock.now + 400 * 86_400)
        }
        return await engine.trace
    }
}
