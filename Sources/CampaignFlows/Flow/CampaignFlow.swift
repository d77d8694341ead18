/// A campaign version the runtime can execute: compiled Swift from `campaignc compile`, or
/// ``FlowInterpreter`` running the lowered form. Both answer the same questions, so the engine cannot tell
/// them apart and their traces can be compared.
public protocol CampaignFlow: Sendable {
    /// The lowered form: metadata, states and exits. The engine reads it for entry rules, timers and the
    /// stateful steps (tests, distributions, dedupe).
    var definition: FlowDefinition { get }

    /// What the contact does at `state`: the step function.
    func step(_ state: Int, _ context: inout FlowContext) -> StepResult

    /// Whether the audience condition holds (true when there is none).
    func audience(_ context: inout FlowContext) -> Bool

    /// Whether the `where` of event trigger `index` (of ``FlowTrigger/eventTriggers``) holds on the event in
    /// `context`, true when it has none: the engine has matched the event's name.
    func triggerFilter(_ index: Int, _ context: inout FlowContext) -> Bool

    /// Whether exit `index` holds: for an event exit, its `where` on the event in `context` (the engine has
    /// matched the event's name); for a condition exit, the condition.
    func exitHolds(_ index: Int, _ context: inout FlowContext) -> Bool

    /// Whether what the `wait_for` at `state` waits for holds: its `when` condition, or, when it waits for an
    /// event (the engine has matched the event's name), its `where` on the event in `context`, true when it
    /// has none. False for a state that is not a `wait_for`.
    func awaitedHolds(_ state: Int, _ context: inout FlowContext) -> Bool

    /// Whether the campaign's goal (v1.2) holds: its `when` condition, or, for a goal event (the engine has
    /// matched the event's name), its `where` on the event in `context`, true when it has none. False for a
    /// campaign without a goal.
    func goalHolds(_ context: inout FlowContext) -> Bool
}

/// What a step decided.
public enum StepResult: Sendable, Equatable {
    /// Go on to a state now (conditions, branches, splits).
    case go(Int)
    /// Run an action, then go on.
    case act(FlowAction, next: Int)
    /// Send a message (after approval when the send asks for it), then go on.
    case send(FlowSend, next: Int)
    /// Wait until an instant (seconds since 1970), then go on.
    case wait(until: Double, next: Int)
    /// A `wait_for` (v1.2): go on to `next` when what the step waits for happens (the engine asks
    /// ``CampaignFlow/awaitedHolds(_:_:)``), or to `timeout` at the instant `until` if that comes first.
    case waitFor(until: Double, next: Int, timeout: Int)
    /// A step whose decision needs the engine's shared state: a test, a distribution or a dedupe; or one that
    /// acts on the contact's visits of another campaign (`start_campaign`, `exit_campaign`).
    case engine
    /// End the visit with this outcome.
    case end(Outcome)
    /// The flow has no such state (a visit resumed at a state its version lacks): the visit ends with
    /// outcome `stopped`, as when its version is stopped.
    case stop
}

/// What a send step sends and how: the one description of a send that the interpreter and generated code
/// hand to the engine.
public struct FlowSend: Sendable, Hashable {
    /// The channel it goes out on, the message's.
    public var channel: MessageChannel
    /// The workspace message's name.
    public var message: String
    /// Whether the send waits for an approval first.
    public var approval: Bool
    /// Whether it goes out at the contact's usual open time (`send_time: optimized`).
    public var optimized: Bool

    /// A send of `message` on `channel`, at once and without approval unless said.
    public init(channel: MessageChannel, message: String, approval: Bool = false, optimized: Bool = false) {
        self.channel = channel
        self.message = message
        self.approval = approval
        self.optimized = optimized
    }
}

/// An action a step asks the host to perform through a channel adapter.
///
/// Stored in outboxes and journals: the JSON of each case must stay as it is (the channels encode as their
/// raw values, the strings they were stored as before they were typed).
public enum FlowAction: Codable, Sendable, Equatable, Hashable {
    case send(channel: MessageChannel, message: String)
    case update([FieldAssignment])
    case tags(add: [String], remove: [String])
    case unsubscribe([MessageChannel])
    case archive
    case grantPromo(String)
    case export(destination: String, fields: [String])
    case postal(String)
    /// `webhook` (v1.2): POST the contact's `fields` (their names; the channel reads their values from the
    /// profile it sends) to a destination of kind webhook.
    case webhook(destination: String, fields: [String])
}

extension FlowAction {
    /// The action's kind as channels and journeys name it: `send`, `update`, `tags`, `unsubscribe`,
    /// `archive`, `grant_promo`, `export`, `postal`, `webhook`.
    public var kind: String {
        switch self {
        case .send: "send"
        case .update: "update"
        case .tags: "tags"
        case .unsubscribe: "unsubscribe"
        case .archive: "archive"
        case .grantPromo: "grant_promo"
        case .export: "export"
        case .postal: "postal"
        case .webhook: "webhook"
        }
    }

    /// Whether the action changes what conditions read of the profile: its fields (tags among them) or its
    /// consent. Archiving ends the contact's other visits instead.
    public var changesProfile: Bool {
        switch self {
        case .update, .tags, .unsubscribe: true
        case .send, .archive, .grantPromo, .export, .postal, .webhook: false
        }
    }

    /// One line saying what the action does, for journeys.
    public var summary: String {
        switch self {
        case .send(let channel, let message): "send \(channel.rawValue) \(message)"
        case .update(let assignments): "update " + assignments.map(\.field).joined(separator: ", ")
        case .tags(let add, let remove): (["tags"] + add.map { "+" + $0 } + remove.map { "-" + $0 }).joined(separator: " ")
        case .unsubscribe(let channels): "unsubscribe " + channels.map(\.rawValue).joined(separator: ", ")
        case .archive: "archive"
        case .grantPromo(let bank): "grant_promo \(bank)"
        case .export(let destination, _): "export to \(destination)"
        case .postal(let mailing): "postal \(mailing)"
        case .webhook(let destination, _): "webhook to \(destination)"
        }
    }
}

