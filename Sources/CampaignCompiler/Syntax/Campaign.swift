import CampaignFlows
import Foundation

/// One version of one campaign, as read from `campaigns/<id>/v<N>.yaml`.
///
/// Fields are optional where the file may lack them: the reader reports what is missing and the checker
/// still runs its rules on what is there.
public struct Campaign: Sendable {
    public var file: String
    public var location: SourceLocation
    public var id: Located<String>?
    public var version: Located<Int>?
    public var status: Located<CampaignStatus>?
    public var name: String?
    public var description: String?
    /// `timezone` as written: an IANA zone name, or `contact.FIELD` (v1.2).
    public var timezone: Located<String>?
    /// The contact field that holds each contact's zone, when `timezone` is `contact.FIELD` (v1.2).
    public var contactTimezoneField: Located<String>?
    /// The zone of contacts whose field is absent or names no zone (v1.2, required with a contact field).
    public var fallbackTimezone: Located<String>?
    /// What enters contacts, in file order: one trigger, or several event triggers (v1.2) of which any enters.
    /// Empty where `trigger` is missing or could not be read.
    public var triggers: [Trigger] = []
    public var audience: Expression?
    public var leaveWhenOutOfAudience = false
    public var repeatPolicy: Located<RepeatPolicy>?
    public var exits: [ExitCondition] = []
    /// `holdout` (v1.2): the share of entrants, in percent, recorded and sent nothing; nil when not written or
    /// not a percentage (reported by the reader).
    public var holdout: Located<Double>?
    /// `goal` (v1.2): what counts as a conversion; nil when not written.
    public var goal: CampaignGoal?
    public var start: Located<String>?
    /// Steps in file order.
    public var steps: [Step] = []
}

extension Campaign {
    /// The campaign's one zone as written, `UTC` when the file names none; with a contact field, the
    /// fallback zone, in which the file's own dates and its scenarios' times are read.
    var timeZoneName: String {
        contactTimezoneField == nil ? timezone?.value ?? "UTC" : fallbackTimezone?.value ?? "UTC"
    }

    /// The zone ``timeZoneName`` resolves to, nil when it does not (which the reader reports).
    var resolvedTimeZone: TimeZone? { try? CampaignTimeZone.resolve(timeZoneName).get() }

    /// Step indices by step id; a repeated id (an error of its own) names its first step.
    var stepIndices: [String: Int] {
        var indices: [String: Int] = [:]
        indices.reserveCapacity(steps.count)
        for (index, step) in steps.enumerated() where indices[step.id.value] == nil { indices[step.id.value] = index }
        return indices
    }
}

/// What enters contacts into a campaign.
public struct Trigger: Sendable {
    public enum Kind: Sendable {
        /// The contact the event is about enters, if `filter` holds on the payload.
        case event(Located<String>, filter: Expression?)
        /// A cron recurrence entering the audience at each firing.
        case schedule(Located<String>)
        /// Fixed dates entering the audience.
        case dates([Located<String>])
        case manual
        case api
    }

    public var kind: Kind
    public var location: SourceLocation

    /// The trigger event's name, for event triggers.
    public var eventName: Located<String>? {
        if case .event(let name, _) = kind { return name }
        return nil
    }

    /// The kind's key in the file: `event`, `schedule`, `at`, `manual` or `api`.
    public var key: String {
        switch kind {
        case .event: "event"
        case .schedule: "schedule"
        case .dates: "at"
        case .manual: "manual"
        case .api: "api"
        }
    }
}

extension Campaign {
    /// The event triggers' event names in file order: several where the campaign enters on any of them.
    public var triggerEvents: [Located<String>] { triggers.compactMap(\.eventName) }
}

/// One entry of `exit_when`: leave as soon as it holds.
public struct ExitCondition: Sendable {
    public enum Kind: Sendable {
        /// Leave when this event happens (and `filter` holds on its payload).
        case event(Located<String>, filter: Expression?)
        /// Leave when the condition holds, checked on every event about the contact.
        case condition(Expression)
    }

    public var kind: Kind
    public var location: SourceLocation
}

/// `goal` (v1.2): a visit converts when the goal's event arrives, or its condition comes to hold, within
/// `within` after entry; `exit: true` ends a converted visit with outcome `success`.
public struct CampaignGoal: Sendable {
    /// An event and its `where`, or a condition on the contact, as a `wait_for` awaits them; nil where neither
    /// could be read (already reported).
    public var awaited: WaitForStep.Awaited?
    /// How long after entry a conversion counts; nil when missing (`missing-key`) or malformed (`bad-duration`).
    public var within: Located<CampaignDuration>?
    /// Whether converting ends the visit with outcome `success`.
    public var exit: Bool
    /// The `goal` mapping's position.
    public var location: SourceLocation
}

/// One step of a campaign: its id, kind and exits.
public struct Step: Sendable {
    public var id: Located<String>
    public var kind: StepKind
    public var exits: [StepExit]
    public var note: String?

    public var location: SourceLocation { id.location }
}

/// An edge from a step to the next one.
public struct StepExit: Sendable {
    public enum Label: Hashable, Sendable, CustomStringConvertible {
        case next, then, `else`, otherwise
        /// Where a `wait_for` goes when its `within` passes first.
        case timeout
        /// The n-th (0-based) `when` of a branch, weight of a split, variant of a test or bucket of a distribute.
        case option(Int)

        public var description: String {
            switch self {
            case .next: "next"
            case .then: "then"
            case .else: "else"
            case .otherwise: "otherwise"
            case .timeout: "timeout"
            case .option(let index): "option \(index + 1)"
            }
        }
    }

    public var label: Label
    public var target: Located<String>
}

/// What a step does.
public enum StepKind: Sendable {
    case send(SendStep)
    /// Field name and value node, in file order.
    case update([(field: Located<String>, value: YAMLNode)])
    case tags(add: [Located<String>], remove: [Located<String>])
    /// The channels that read; the others are reported by the reader.
    case unsubscribe(channels: [Located<MessageChannel>])
    case archive
    case grantPromo(Located<String>)
    case export(destination: Located<String>, fields: [Located<String>])
    case postal(Located<String>)
    /// `webhook` (v1.2): POSTs contact fields to a destination of kind webhook.
    case webhook(destination: Located<String>, fields: [Located<String>])
    /// `start_campaign` (v1.2): enters the contact into the named campaign's published version.
    case startCampaign(Located<String>)
    /// `exit_campaign` (v1.2): ends the contact's visits in every version of the named campaign.
    case exitCampaign(Located<String>)
    case wait(Located<CampaignDuration>)
    case waitUntil(WaitUntilWindow)
    /// `wait_for` (v1.2): until a condition holds or an event arrives, at most `within`.
    case waitFor(WaitForStep)
    case condition(Expression?)
    /// One condition per `when`; nil where it did not parse. Exits `.option(i)` and `.otherwise`.
    case branch([Expression?])
    /// Weights in percent, one per exit `.option(i)`.
    case split([Located<Int>])
    case test(ABTest)
    /// Maximum contacts per exit `.option(i)`; the rest go to `.otherwise`.
    case distribute([Located<Int>])
    case dedupe(by: Located<String>, keep: Located<String>)
    case end(Located<Outcome>)
    /// A step whose kind key is present but whose value could not be read (already reported). It stays in
    /// the graph so that its exits still count and no follow-on problems are invented.
    case unreadable(String)

    /// Whether contacts always spend time in this step before going on: a cycle with none of these is a
    /// zero-time cycle. A `wait_until` may end at once (inside its window, or at the very minute it names,
    /// which is when its timer wakes the contact), so it does not count; nor does a `wait_for`, whose condition may
    /// already hold.
    public var alwaysTakesTime: Bool {
        switch self {
        case .wait, .unreadable: true
        case .send(let send): send.approval?.value == true
        default: false
        }
    }

    /// Whether this is a `wait`, `wait_until` or `wait_for`, the steps that give recipients time to act on a
    /// message (a `wait_for` up to its `within`).
    public var isWait: Bool {
        switch self {
        case .wait, .waitUntil, .waitFor: true
        case .unreadable(let key): key == "wait" || key == "wait_until" || key == "wait_for"
        default: false
        }
    }

    /// The kind's name with its article, for messages: "a send step", "an end step".
    public var nameWithArticle: String {
        ("aeiou".contains(name.first ?? "x") ? "an " : "a ") + name
    }

    /// The phrase naming the kind in messages.
    public var name: String {
        switch self {
        case .send(let send): "send_\(send.channel.rawValue)"
        case .update: "update_contact"
        case .tags: "tags"
        case .unsubscribe: "unsubscribe"
        case .archive: "archive"
        case .grantPromo: "grant_promo"
        case .export: "export"
        case .postal: "postal"
        case .webhook: "webhook"
        case .startCampaign: "start_campaign"
        case .exitCampaign: "exit_campaign"
        case .wait: "wait"
        case .waitUntil: "wait_until"
        case .waitFor: "wait_for"
        case .condition: "if"
        case .branch: "branch"
        case .split: "split"
        case .test: "test"
        case .distribute: "distribute"
        case .dedupe: "dedupe"
        case .end: "end"
        case .unreadable(let key): key
        }
    }
}

/// A `send_email`, `send_sms` or `send_push` step.
public struct SendStep: Sendable {
    public var channel: MessageChannel
    public var message: Located<String>
    public var approval: Located<Bool>?
    public var sendTime: Located<String>?
}

/// `wait_until`: the next moment at `at` on one of `days`, or now if inside `[from, to)`, else the next start.
public struct WaitUntilWindow: Sendable {
    public enum Time: Sendable {
        case at(TimeOfDay)
        case between(from: TimeOfDay, to: TimeOfDay)
    }

    public var days: [Weekday]
    public var time: Time?
    public var location: SourceLocation
}

/// `wait_for` (v1.2): the visit waits until `awaited` happens (at once when a condition already holds), or
/// until `within` passes, then goes on to `timeout`.
public struct WaitForStep: Sendable {
    /// What the step waits for.
    public enum Awaited: Sendable {
        /// A condition, checked on arrival and again on every event and profile change about the contact.
        case condition(Expression)
        /// An event about the contact that arrives after the visit reached the step, when `filter` holds on its
        /// payload.
        case event(Located<String>, filter: Expression?)
    }

    /// Nil where neither `when` nor `event` could be read (already reported).
    public var awaited: Awaited?
    /// How long the visit waits at most; nil when missing (`wait-for-timeout`) or malformed (`bad-duration`).
    public var within: Located<CampaignDuration>?
    /// Whether the step writes `within` at all, read or not: only a missing one is `wait-for-timeout`.
    public var writesWithin: Bool
    /// The `wait_for` mapping's position.
    public var location: SourceLocation
}

/// An A/X test: shares of the entrants try variants; after `decideAfter` the rest go to the winner.
public struct ABTest: Sendable {
    public var shares: [Located<Double>]
    public var winnerBy: Located<String>?
    public var decideAfter: Located<CampaignDuration>?
}
