import CampaignFlows

/// A scenario test file: cases that drive one campaign version on a virtual clock and say what must happen.
public struct ScenarioFile: Sendable {
    public var file: String
    public var campaign: Located<String>?
    public var version: Located<Int>?
    /// The other campaigns that run beside it on the same clock (`with: [ID, ...]`, v1.2), for cross-campaign
    /// steps and frequency caps: each in the versions its files give, with their statuses.
    public var with: [Located<String>] = []
    public var cases: [ScenarioCase] = []
}

/// One case: one contact (`contact:`) or several (`contacts:`), what happens to them, and the expected result.
public struct ScenarioCase: Sendable {
    public typealias Fields = [(field: Located<String>, value: YAMLNode)]

    public var name: Located<String>
    /// Each contact's fields at the start, in file order; `groups` and `personas` list memberships.
    public var contacts: [Fields] = []
    /// Whether the case was written with `contacts:`: its events and expectations name their contact.
    public var isMultiContact = false
    public var events: [ScenarioEvent] = []
    /// One per contact of a multi-contact case; one for the contact otherwise.
    public var expectations: [ScenarioExpectation] = []
    /// Contacts already sent down each bucket of distribute steps (`given: { distributed: { STEP: [n, ...] } }`),
    /// so a case can show what happens once the first buckets are full.
    public var distributed: [(step: Located<String>, counts: [Int])] = []
    /// Test and split variants forced for every contact of the case (`given: { variant: { STEP: INDEX } }`),
    /// counted from 0 in the order written.
    public var variants: [(step: Located<String>, index: Located<Int>)] = []
    /// The holdout bucket forced for every contact of the case (`given: { holdout: true|false }`, v1.2); nil
    /// leaves it to the hash.
    public var holdout: Located<Bool>?

    /// The id a contact's fields give it: its `id` field, or `contact` when it has none.
    public static func contactID(_ fields: Fields) -> String {
        fields.first { $0.field.value == "id" }?.value.scalar?.text ?? "contact"
    }
}

/// Something that happens to the contact at a moment of the virtual clock.
public struct ScenarioEvent: Sendable {
    /// When: an absolute date-time, or `+DURATION` after the previous entry.
    public enum Moment: Sendable {
        case absolute(String)
        case after(CampaignDuration)
    }

    public enum Action: Sendable {
        /// An event about the contact, with its payload (a message event names the send step in `step`).
        case event(Located<String>, payload: [(field: Located<String>, value: YAMLNode)])
        /// A schedule, date, manual or api trigger fires.
        case fire
        /// The approval held at this send step is released.
        case approve(Located<String>)
        /// The contact's profile changes.
        case update([(field: Located<String>, value: YAMLNode)])
    }

    public var at: Located<Moment>
    public var action: Action
    public var location: SourceLocation
    /// The contact it is about (`contact: ID`), in a multi-contact case.
    public var contact: Located<String>?
}

/// What must be true once the clock has run out.
public struct ScenarioExpectation: Sendable {
    /// A send the contact must receive, optionally at an exact time.
    public struct Send: Sendable {
        public var step: Located<String>
        public var at: Located<String>?
    }

    /// A send that must have been suppressed, and why.
    public struct Suppression: Sendable {
        public var step: Located<String>
        public var reason: Located<String>
    }

    /// The contact it describes (`contact: ID`), in a multi-contact case.
    public var contact: Located<String>?
    public var sent: [Send]?
    public var suppressed: [Suppression]?
    public var outcome: Located<String>?
    /// Whether the last visit reached the campaign's goal (v1.2).
    public var converted: Located<Bool>?
    public var atStep: Located<String>?
    public var tagsAdded: [Located<String>]?
    public var tagsRemoved: [Located<String>]?
    public var fields: [(field: Located<String>, value: YAMLNode)]?

    /// Outcomes a scenario may expect: the end kinds, plus how a visit can stop or not start.
    public static let outcomes = VisitOutcome.allCases.map(\.rawValue) + ["waiting", "not_entered"]
}
