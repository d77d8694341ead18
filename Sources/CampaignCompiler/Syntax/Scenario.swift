/// A scenario test file: cases that drive one campaign version on a virtual clock and say what must happen.
public struct ScenarioFile: Sendable {
    public var file: String
    public var campaign: Located<String>?
    public var version: Located<Int>?
    public var cases: [ScenarioCase] = []
}

/// One case: a contact, what happens to them, and the expected result.
public struct ScenarioCase: Sendable {
    public var name: Located<String>
    /// The contact's fields at the start, in file order; `groups` and `personas` list memberships.
    public var contact: [(field: Located<String>, value: YAMLNode)] = []
    public var events: [ScenarioEvent] = []
    public var expectation: ScenarioExpectation?
    /// Contacts already sent down each bucket of distribute steps (`given: { distributed: { STEP: [n, ...] } }`),
    /// so a case can show what happens once the first buckets are full.
    public var distributed: [(step: Located<String>, counts: [Int])] = []
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
}

/// What must be true once the clock has run out.
public struct ScenarioExpectation: Sendable {
    /// A send the contact must receive, optionally at an exact time.
    public struct Send: Sendable {
        public var step: Located<String>
        public var at: Located<String>?
    }

    public var sent: [Send]?
    public var outcome: Located<String>?
    public var atStep: Located<String>?
    public var tagsAdded: [Located<String>]?
    public var tagsRemoved: [Located<String>]?
    public var fields: [(field: Located<String>, value: YAMLNode)]?

    /// Outcomes a scenario may expect: the end kinds, plus how a visit can stop or not start.
    public static let outcomes = Outcome.allCases.map(\.rawValue) + ["exited", "stopped", "waiting", "not_entered"]
}
