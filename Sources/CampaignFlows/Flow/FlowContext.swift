import Foundation

/// What a condition can see: the contact, the event being evaluated, the clock, and the sends of the
/// current visit. Compiled and interpreted flows read it through the same methods.
public struct FlowContext {
    public var now: Double
    public var contact: ContactProfile
    /// The payload of the event being evaluated: the trigger's for steps, the event itself for exits.
    public var event: [String: Value]
    /// The current visit's sends by state, for the post-send functions.
    public var sends: SendLog
    /// The campaign and version, for deterministic splits.
    public var campaign: String
    public var version: Int
    public var timeZone: TimeZone
    /// Variants forced by a scenario (`given: { variant: { STEP: INDEX } }`), by step id.
    public var forcedVariants: [String: Int] = [:]

    public init(now: Double, contact: ContactProfile, event: [String: Value] = [:], sends: SendLog = [:],
                campaign: String, version: Int, timeZone: TimeZone) {
        self.now = now
        self.contact = contact
        self.event = event
        self.sends = sends
        self.campaign = campaign
        self.version = version
        self.timeZone = timeZone
    }

    @inlinable public func field(_ name: String) -> Value { contact.fields[name] ?? .null }

    @inlinable public func eventField(_ name: String) -> Value { event[name] ?? .null }

    public func inGroup(_ group: String) -> Bool { contact.groups.contains(group) }

    public func hasPersona(_ persona: String) -> Bool { contact.personas.contains(persona) }

    public func hasTag(_ tag: String) -> Bool { Value.contained(.string(tag), in: field("tags")) }

    /// `since(X)`: the time elapsed from X until now; null when X is absent.
    public func since(_ value: Value) -> Value {
        guard case .instant(let then) = value else { return .null }
        return .duration(Int(now - then))
    }

    /// `received(category: C, within: D)`: messages of category C received in the last D, any campaign.
    public func received(category: String, within: Value) -> Value {
        guard case .duration(let seconds) = within else { return .int(0) }
        let times = contact.history.received[category] ?? []
        return .int(times.count { $0 > now - Double(seconds) && $0 <= now })
    }

    /// `engaged_within(D)`: an open, click or page visit in the last D.
    public func engagedWithin(_ within: Value) -> Bool {
        guard case .duration(let seconds) = within, let last = contact.history.lastEngagement else { return false }
        return last > now - Double(seconds)
    }

    /// `unopened_streak()`: emails received since the last open.
    public func unopenedStreak() -> Value { .int(contact.history.emailsSinceOpen) }

    /// `subscribed(CHANNEL)`: not unsubscribed from the channel (by a step, an event or a complaint) and, for
    /// email, no hard bounce.
    public func subscribed(_ channel: MessageChannel) -> Bool { contact.consent.allowsMarketing(on: channel) }

    /// `archived()`.
    public func archived() -> Bool { contact.archived }

    /// `delivered(S)`: the message of the send step at `state` was delivered in this visit.
    public func delivered(_ state: Int) -> Bool { postSend(.delivered, state: state) }

    /// `opened(S)`: the contact opened the message of the send step at `state` in this visit.
    public func opened(_ state: Int) -> Bool { postSend(.opened, state: state) }

    /// `clicked(S)` and `clicked(S, link: L)`: the contact clicked a link (that link) in the message of the
    /// send step at `state` in this visit.
    public func clicked(_ state: Int, link: Value? = nil) -> Bool { postSend(.clicked, state: state, link: link) }

    /// `unsubscribed_from(S)`: the contact unsubscribed through the message of the send step at `state`.
    public func unsubscribedFrom(_ state: Int) -> Bool { postSend(.unsubscribed, state: state) }

    /// `complained(S)`: the contact marked the message of the send step at `state` as spam.
    public func complained(_ state: Int) -> Bool { postSend(.complained, state: state) }

    /// The post-send functions on the send step at `state` in this visit.
    func postSend(_ fact: PostSendFact, state: Int, link: Value? = nil) -> Bool {
        if fact == .clicked, let link {
            guard case .string(let url) = link else { return false }
            return sends[state]?.clickedLinks.contains(url) ?? false
        }
        return sends[state]?.facts.contains(PostSendFacts(fact)) ?? false
    }

    /// The contact's position in [0, 100) for a split or test at `state`: a stable hash of (campaign, version,
    /// step, contact), the same on every run and machine.
    public func bucket(_ stateID: String) -> Double {
        Double(StableHash.of(campaign, String(version), stateID, contact.id) % 10_000) / 100
    }

    /// The exit of a split whose options have `weights` in percent: by the contact's bucket.
    public func splitTarget(_ stateID: String, weights: [Double], nexts: [Int]) -> Int {
        if let forced = forcedVariants[stateID], nexts.indices.contains(forced) { return nexts[forced] }
        let position = bucket(stateID)
        var cumulative = 0.0
        for (weight, next) in zip(weights, nexts) {
            cumulative += weight
            if position < cumulative { return next }
        }
        return nexts[nexts.count - 1]
    }

    /// The moment a `wait_until` on `days` ends: see ``WaitUntil``.
    public func waitUntil(days: [Weekday], from: Int, to: Int?) -> Double {
        WaitUntil.next(after: now, days: days.map(\.foundationNumber), from: from, to: to, timeZone: timeZone)
    }
}
