// The words campaign files and the lowered form share: the compiler reads them from YAML with these raw values,
// the lowered form stores them with the same ones, and the engine acts on them. One definition each, so the
// two sides cannot drift apart.

/// How a contact's visit ended, as an `end` step names it.
public enum Outcome: String, Codable, Sendable, CaseIterable {
    case success, failure, abandon, neutral
}

/// How a visit ended: the ``Outcome`` its campaign gave it at an `end` step, or one the engine gives a visit
/// that leaves before an end. Stored, counted and reported as its ``rawValue`` (`success`, ..., `exited`,
/// `stopped`), so the stored form is the text it always was.
public enum VisitOutcome: Hashable, Sendable, Codable, CustomStringConvertible, CaseIterable {
    /// An `end` step's outcome.
    case campaign(Outcome)
    /// An exit held (`exit_when`, leaving the audience), or another campaign archived the contact.
    case exited
    /// The version was stopped.
    case stopped
    /// The contact fell in the campaign's holdout: recorded, never sent anything.
    case holdout

    public static var allCases: [VisitOutcome] { Outcome.allCases.map(VisitOutcome.campaign) + [.exited, .stopped, .holdout] }

    /// The outcome a text names, nil for none.
    public init?(rawValue: String) {
        switch rawValue {
        case "exited": self = .exited
        case "stopped": self = .stopped
        case "holdout": self = .holdout
        default:
            guard let outcome = Outcome(rawValue: rawValue) else { return nil }
            self = .campaign(outcome)
        }
    }

    /// The outcome's name, as reports and journeys show it.
    public var rawValue: String {
        switch self {
        case .campaign(let outcome): outcome.rawValue
        case .exited: "exited"
        case .stopped: "stopped"
        case .holdout: "holdout"
        }
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let outcome = VisitOutcome(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown visit outcome '\(text)'"))
        }
        self = outcome
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// The channel a message goes out on, matching the send step kinds (`send_email`, `send_sms`, `send_push`).
///
/// Named for what it is in the campaign domain rather than `Channel`, which SwiftNIO takes.
public enum MessageChannel: String, Codable, Sendable, CaseIterable {
    case email, sms, push
}

/// A version's lifecycle: only `published` takes new contacts; `draining` finishes its contacts; `stopped`
/// ends them at once.
public enum CampaignStatus: String, Codable, Sendable, CaseIterable {
    case draft, published, draining, stopped, archived
}

/// Who may enter again: `many` always, `once` never after any earlier entry, `after_exit` when not inside.
public enum RepeatPolicy: String, Codable, Sendable, CaseIterable {
    case many, once
    case afterExit = "after_exit"
}

/// A day of the week as campaign files write it (`mon` ... `sun`), in that order.
///
/// The lowered form stores a day as Foundation's weekday number (``foundationNumber``, 1 Sunday ... 7
/// Saturday), as it always has, so stored definitions and generated code read the same.
public enum Weekday: String, CaseIterable, Sendable, Comparable {
    case mon, tue, wed, thu, fri, sat, sun

    /// 1 (Sunday) to 7 (Saturday), as Foundation and ``WaitUntil`` count days.
    public var foundationNumber: Int {
        switch self {
        case .sun: 1
        case .mon: 2
        case .tue: 3
        case .wed: 4
        case .thu: 5
        case .fri: 6
        case .sat: 7
        }
    }

    /// The day whose Foundation weekday number is `number` (1 Sunday ... 7 Saturday).
    public init?(foundationNumber number: Int) {
        guard let day = Self.allCases.first(where: { $0.foundationNumber == number }) else { return nil }
        self = day
    }

    /// Monday first, as campaign files list days.
    public static func < (lhs: Weekday, rhs: Weekday) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

extension Weekday: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let number = try container.decode(Int.self)
        guard let day = Weekday(foundationNumber: number) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(number) is not a weekday number 1 to 7")
        }
        self = day
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(foundationNumber)
    }
}
