/// The lowered form of one campaign version: the state machine both back ends run.
///
/// The compiler writes it as JSON (`campaignc compile --emit ir`), the interpreter executes it directly, and
/// the Swift generator turns it into a compiled ``CampaignFlow``. States are the campaign's steps in file
/// order; exits are state indices.
public struct FlowDefinition: Codable, Sendable, Equatable {
    public var campaign: String
    public var version: Int
    public var status: CampaignStatus
    public var name: String?
    /// The campaign file, relative to where it was compiled.
    public var source: String
    /// IANA zone for wait_until windows, send times, quiet hours and schedules; with
    /// ``contactTimezoneField``, the fallback zone for contacts whose field is absent or names no zone.
    public var timezone: String
    /// The contact field that holds each contact's IANA zone (v1.2, `timezone: contact.FIELD`): times are then
    /// read in each contact's zone, and a schedule fires at its local time in every zone its contacts live in.
    /// Nil, and absent from the JSON, for a campaign in one zone, so that definitions stored before v1.2 read
    /// and fingerprint as they did.
    public var contactTimezoneField: String?
    public var trigger: FlowTrigger
    public var audience: FlowExpression?
    public var leaveWhenOutOfAudience: Bool
    public var repeatPolicy: RepeatPolicy
    public var exits: [FlowExit]
    /// The share of entrants held out, in percent (v1.2): recorded, ended at once with outcome `holdout`,
    /// sent nothing. Nil, and absent from the JSON, when the campaign holds no one out, so definitions
    /// stored before v1.2 read and fingerprint as they did.
    public var holdout: Double?
    /// What converts a visit (v1.2); nil, and absent from the JSON, when the campaign has no goal.
    public var goal: FlowGoal?
    public var start: Int
    public var states: [FlowState]
    /// The workspace's messages the sends use, for categories and channels.
    public var messages: [String: FlowMessage]

    public init(campaign: String, version: Int, status: CampaignStatus, name: String?, source: String, timezone: String,
                contactTimezoneField: String? = nil, trigger: FlowTrigger, audience: FlowExpression?, leaveWhenOutOfAudience: Bool, repeatPolicy: RepeatPolicy,
                exits: [FlowExit], holdout: Double? = nil, goal: FlowGoal? = nil, start: Int, states: [FlowState],
                messages: [String: FlowMessage]) {
        self.campaign = campaign
        self.version = version
        self.status = status
        self.name = name
        self.source = source
        self.timezone = timezone
        self.contactTimezoneField = contactTimezoneField
        self.trigger = trigger
        self.audience = audience
        self.leaveWhenOutOfAudience = leaveWhenOutOfAudience
        self.repeatPolicy = repeatPolicy
        self.exits = exits
        self.holdout = holdout
        self.goal = goal
        self.start = start
        self.states = states
        self.messages = messages
    }
}

/// What enters contacts.
public enum FlowTrigger: Codable, Sendable, Equatable {
    /// The contact the event is about enters when `filter` (on the payload) holds.
    case event(String, filter: FlowExpression?)
    /// Several event triggers (v1.2): an event of any of them enters the contact it is about, when that
    /// trigger's own filter holds. A single trigger is always `event`, so that definitions stored before
    /// v1.2 read and fingerprint as they did.
    case events([FlowEventTrigger])
    /// A cron recurrence entering the audience at each firing.
    case schedule(String)
    /// Fixed instants (seconds since 1970) entering the audience.
    case dates([Double])
    case manual
    case api

    /// The event triggers in the order written (none for schedule, date, manual and api triggers); an
    /// index into this list names a trigger to ``CampaignFlow/triggerFilter(_:_:)``.
    public var eventTriggers: [FlowEventTrigger] {
        switch self {
        case .event(let event, let filter): [FlowEventTrigger(event: event, filter: filter)]
        case .events(let triggers): triggers
        case .schedule, .dates, .manual, .api: []
        }
    }

    /// The indices in ``eventTriggers`` of the triggers on `event`.
    public func triggers(on event: String) -> [Int] {
        eventTriggers.indices.filter { eventTriggers[$0].event == event }
    }
}

/// One of several event triggers: an event name and the filter on its payload.
public struct FlowEventTrigger: Codable, Sendable, Equatable {
    /// The event's name, as the workspace or the built-in events name it.
    public var event: String
    /// The trigger's `where` on the event's payload; nil enters on every such event.
    public var filter: FlowExpression?

    public init(event: String, filter: FlowExpression?) {
        self.event = event
        self.filter = filter
    }
}

/// One `exit_when` entry.
public enum FlowExit: Codable, Sendable, Equatable {
    /// Leave when this event happens and `filter` holds on its payload.
    case event(String, filter: FlowExpression?)
    /// Leave when the condition holds, checked on every event about the contact.
    case condition(FlowExpression)
}

/// A campaign's `goal` (v1.2): a visit converts when `awaited` happens within `within` seconds after its entry
/// (an event about the contact and its `where`, or a condition on the contact coming to hold on an event or a
/// profile change), once per visit; with `exit`, converting ends an active visit with outcome `success`.
public struct FlowGoal: Codable, Sendable, Equatable {
    /// The goal's event or condition, as a `wait_for` awaits them; ``CampaignFlow/goalHolds(_:)`` answers it.
    public var awaited: FlowAwaited
    /// Seconds after entry during which a conversion counts, bounds included.
    public var within: Int
    /// Whether converting ends the visit with outcome `success`.
    public var exit: Bool

    public init(awaited: FlowAwaited, within: Int, exit: Bool) {
        self.awaited = awaited
        self.within = within
        self.exit = exit
    }
}

/// A message a send step may send.
public struct FlowMessage: Codable, Sendable, Equatable {
    public var channel: MessageChannel
    public var category: String?
    /// A transactional message (an order confirmation, a password reset) goes out whatever the contact's
    /// unsubscriptions; never to a hard-bounced or missing address.
    public var transactional: Bool

    public init(channel: MessageChannel, category: String?, transactional: Bool = false) {
        self.channel = channel
        self.category = category
        self.transactional = transactional
    }
}

/// One state: a step of the campaign.
public struct FlowState: Codable, Sendable, Equatable {
    /// The YAML step id.
    public var id: String
    /// The step's line in the campaign file.
    public var line: Int
    /// The step's `note`, for readers of generated code.
    public var note: String?
    public var step: FlowStep

    public init(id: String, line: Int, note: String? = nil, step: FlowStep) {
        self.id = id
        self.line = line
        self.note = note
        self.step = step
    }
}

/// A field and the value an `update_contact` step sets.
public struct FieldAssignment: Codable, Sendable, Hashable {
    public var field: String
    public var value: Value

    public init(field: String, value: Value) {
        self.field = field
        self.value = value
    }
}

/// One exit of a split, test, distribute or branch, with its share, maximum or condition.
public struct FlowOption: Codable, Sendable, Equatable {
    /// Split weight or test share in percent; distribute maximum; unused for branches.
    public var amount: Double
    public var condition: FlowExpression?
    public var next: Int

    public init(amount: Double = 0, condition: FlowExpression? = nil, next: Int) {
        self.amount = amount
        self.condition = condition
        self.next = next
    }
}

/// What a state does. `next`, `then`, `otherwise` are state indices.
public enum FlowStep: Codable, Sendable, Equatable {
    case send(channel: MessageChannel, message: String, approval: Bool, optimized: Bool, next: Int)
    case update([FieldAssignment], next: Int)
    case tags(add: [String], remove: [String], next: Int)
    case unsubscribe([MessageChannel], next: Int)
    case archive(next: Int)
    case grantPromo(String, next: Int)
    case export(destination: String, fields: [String], next: Int)
    case postal(String, next: Int)
    /// `webhook` (v1.2): POSTs the contact's `fields` to a destination of kind webhook.
    case webhook(destination: String, fields: [String], next: Int)
    /// `start_campaign` (v1.2): enters the contact into the named campaign's published version, then `next`.
    case startCampaign(String, next: Int)
    /// `exit_campaign` (v1.2): ends the contact's active visits in every version of the named campaign with
    /// outcome `exited`, then `next`.
    case exitCampaign(String, next: Int)
    case wait(seconds: Int, next: Int)
    /// Times are minutes after midnight; `to` is nil for `at`. Days are stored as Foundation numbers them
    /// (see ``Weekday``).
    case waitUntil(days: [Weekday], from: Int, to: Int?, next: Int)
    /// `wait_for` (v1.2): on to `next` when `awaited` happens, to `timeout` when `within` seconds pass first.
    case waitFor(FlowAwaited, within: Int, next: Int, timeout: Int)
    case condition(FlowExpression, then: Int, else: Int)
    case branch([FlowOption], otherwise: Int)
    case split([FlowOption])
    case test(variants: [FlowOption], winnerBy: String, decideAfter: Int)
    case distribute([FlowOption], otherwise: Int)
    case dedupe(by: String, keep: String, next: Int)
    case end(Outcome)
}

/// What a `wait_for` state waits for.
public enum FlowAwaited: Codable, Sendable, Equatable {
    /// A condition on the contact, checked when the visit arrives and again on every event and profile change
    /// about the contact.
    case condition(FlowExpression)
    /// An event about the contact that arrives after the visit reached the state, when `filter` (on its
    /// payload) holds; nil waits for any such event.
    case event(String, filter: FlowExpression?)

    /// The expression ``CampaignFlow/awaitedHolds(_:_:)`` answers: the condition, or the event's filter.
    public var expression: FlowExpression? {
        switch self {
        case .condition(let condition): condition
        case .event(_, let filter): filter
        }
    }
}

/// A compiled condition.
public indirect enum FlowExpression: Codable, Sendable, Equatable {
    case literal(Value)
    case field(String)
    case eventField(String)
    case not(FlowExpression)
    case and(FlowExpression, FlowExpression)
    case or(FlowExpression, FlowExpression)
    case compare(ComparisonOperator, FlowExpression, FlowExpression)
    case contains(FlowExpression, FlowExpression)
    case list([FlowExpression])
    /// A call of a language function, with one argument per declared parameter, in declaration order.
    case call(ExpressionFunction, [FlowArgument])
}

/// One argument of a ``FlowExpression/call(_:_:)``.
public enum FlowArgument: Codable, Sendable, Equatable {
    /// A name: a group, persona, tag, channel or message category.
    case name(String)
    /// A send step, by state index.
    case state(Int)
    case value(FlowExpression)
    /// An optional parameter left out.
    case absent
}

extension FlowExpression {
    /// Whether the expression reads a field of the event (`event.FIELD`).
    public var readsEvent: Bool {
        switch self {
        case .eventField: true
        case .literal, .field: false
        case .not(let operand): operand.readsEvent
        case .and(let a, let b), .or(let a, let b), .compare(_, let a, let b), .contains(let a, let b): a.readsEvent || b.readsEvent
        case .list(let items): items.contains { $0.readsEvent }
        case .call(_, let arguments):
            arguments.contains { argument in
                if case .value(let value) = argument { return value.readsEvent }
                return false
            }
        }
    }
}

/// The comparison operators.
public enum ComparisonOperator: String, Codable, Sendable {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
}

/// What a message event says about a send.
public enum PostSendFact: String, Codable, Sendable, CaseIterable {
    case delivered, opened, clicked
    case unsubscribed = "unsubscribed_from"
    case complained

    /// The message event that establishes the fact.
    public var event: String { builtInEvent.rawValue }

    /// The built-in message event that establishes the fact.
    public var builtInEvent: BuiltInEvent {
        switch self {
        case .delivered: .messageDelivered
        case .opened: .emailOpened
        case .clicked: .linkClicked
        case .unsubscribed: .messageUnsubscribed
        case .complained: .spamComplaint
        }
    }
}
