import CampaignFlows
/// One line of a contact's journey, kept durably with the unit that did it: "why did this contact get this
/// email, or not?" is answered from these lines.
public struct JournalEntry: Codable, Sendable, Equatable {
    /// What happened, in the words of the service's journey.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case entered
        /// A trigger fired for the contact and the contact did not enter; `detail` says why.
        case notEntered = "not_entered"
        /// The visit arrived at a step.
        case step
        /// An action was created; `detail` is its idempotency key.
        case action
        /// A channel acknowledged an action; `detail` names the key and the attempts it took.
        case delivered
        /// A send did not go out; `detail` is the reason.
        case suppressed
        /// The visit waits for something (an approval, a test's winner, a send time, a duplicate).
        case held
        /// The visit reached its campaign's goal (v1.2); `detail` says how (the goal's event, or its condition),
        /// and whether the contact was held out.
        case converted
        /// The visit left through an exit; `detail` names the exit that held.
        case exited
        /// The visit ended at an end step (or was stopped); `detail` is the outcome.
        case ended
        /// A channel refused an action for the last time: it is dead until retried by hand.
        case dead
    }

    public var contact: String
    public var flow: FlowKey
    /// The visit's number, nil for a trigger that did not enter.
    public var visit: Int?
    public var at: Double
    public var kind: Kind
    public var step: String?
    public var detail: String

    public init(contact: String, flow: FlowKey, visit: Int?, at: Double, kind: Kind, step: String? = nil, detail: String = "") {
        self.contact = contact
        self.flow = flow
        self.visit = visit
        self.at = at
        self.kind = kind
        self.step = step
        self.detail = detail
    }

    /// The line a store writes when a channel settles an action for good (delivered or dead) after `attempts`
    /// attempts in all; nil for a retry, which writes none.
    public init?(settling key: IdempotencyKey, _ result: DeliveryResult, attempts: Int, at: Double) {
        let kind: Kind
        switch result {
        case .delivered: kind = .delivered
        case .dead: kind = .dead
        case .retry: return nil
        }
        let plural = attempts == 1 ? "" : "s"
        self.init(contact: key.visit.contact, flow: key.visit.flow, visit: key.visit.number, at: at, kind: kind, step: key.stepID,
                  detail: "\(key) after \(attempts) attempt\(plural)")
    }
}

/// An event accepted by the service and stored before it is processed (the service answers 202 once it is):
/// the engine's ``CampaignEngine/processInbox(limit:)`` processes these in acceptance order, each once.
public struct InboxEvent: Codable, Sendable, Equatable {
    /// The submission's id: the same id is accepted once.
    public var id: String
    public var contact: String
    public var event: String
    public var payload: [String: Value]
    /// When the event happened, as its sender said (seconds since 1970).
    public var at: Double

    public init(id: String, contact: String, event: String, payload: [String: Value], at: Double) {
        self.id = id
        self.contact = contact
        self.event = event
        self.payload = payload
        self.at = at
    }

    /// Identifies the submission's content: the same id with another digest is a conflict. The time is not
    /// part of it, since a sender that omits it and submits again gets another default time.
    public var digest: UInt64 { CampaignEngine.eventDigest(name: event, contact: contact, payload: payload) }

    /// The event as a store writes it, its JSON text and its ``digest``, its payload encoded once for both.
    public func storedForm() throws(StoredJSON.NotFinite) -> (json: String, digest: UInt64) {
        let payloadText = try StoredJSON.object(payload)
        return (try StoredJSON.event(self, payloadText: payloadText),
                CampaignEngine.eventDigest(name: event, contact: contact, payloadText: payloadText))
    }
}

extension IdempotencyKey {
    /// Reads a key as ``description`` writes it (`CONTACT/CAMPAIGN/vVERSION/STEP/VISIT`, STEP being `step` or
    /// `step#N`), from the right, because a contact id may itself contain `/`. Nil for anything the engine
    /// would not have written: fewer than five parts, an empty part, a version or visit that is not a positive
    /// number in plain digits, a suffix `#N` with N below 2.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 5 else { return nil }
        let contact = parts[..<(parts.count - 4)].joined(separator: "/")
        let campaign = parts[parts.count - 4], version = parts[parts.count - 3], step = parts[parts.count - 2]
        guard !contact.isEmpty, !campaign.isEmpty, version.first == "v",
              let versionNumber = Self.positive(version.dropFirst()),
              let number = Self.positive(parts[parts.count - 1]) else { return nil }
        if let hash = step.lastIndex(of: "#") {
            guard let suffix = Self.positive(step[step.index(after: hash)...]), suffix >= 2 else { return nil }
        }
        guard !step.isEmpty, step.first != "#" else { return nil }
        self.init(visit: VisitKey(contact: contact, flow: FlowKey(campaign: String(campaign), version: versionNumber), number: number),
                  step: String(step))
    }

    /// The step's id, without the `#N` a visit's later passes through it add.
    public var stepID: String {
        guard let hash = step.lastIndex(of: "#") else { return step }
        return String(step[..<hash])
    }

    /// Which action of the step in the visit this is: 1 for the first (written without a suffix).
    public var occurrence: Int {
        guard let hash = step.lastIndex(of: "#") else { return 1 }
        return Int(step[step.index(after: hash)...]) ?? 1
    }

    /// A positive number written as `Int.description` writes it (no sign, no leading zero); nil otherwise.
    private static func positive(_ text: Substring) -> Int? {
        guard let value = Int(text), value > 0, String(value) == text else { return nil }
        return value
    }
}
