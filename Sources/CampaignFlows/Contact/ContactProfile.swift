/// A contact as the runtime sees it: profile fields, memberships and the engagement history the
/// functions `received`, `engaged_within` and `unopened_streak` read.
public struct ContactProfile: Codable, Sendable, Equatable {
    public var id: String
    public var fields: [String: Value]
    public var groups: Set<String>
    public var personas: Set<String>
    public var history: ContactHistory
    /// What the contact agreed to receive.
    public var consent: Consent
    /// An archived contact enters nothing, and its visits end.
    public var archived: Bool

    public init(id: String, fields: [String: Value] = [:], groups: Set<String> = [], personas: Set<String> = []) {
        self.id = id
        self.fields = fields
        self.groups = groups
        self.personas = personas
        self.history = ContactHistory()
        self.consent = Consent()
        self.archived = false
    }

    /// The address a channel needs, if the contact lacks it: `email` for email, `phone` for sms.
    public func lacksAddress(for channel: MessageChannel) -> Bool {
        let field = switch channel {
        case .email: "email"
        case .sms: "phone"
        case .push: ""
        }
        guard !field.isEmpty else { return false }
        switch fields[field] {
        case .string(let address)?: return address.isEmpty
        default: return true
        }
    }

    /// Why a send on `channel` must not go out, or nil when it may: a missing address or a hard bounce stop
    /// every message; an unsubscription stops all but transactional ones.
    public func suppression(channel: MessageChannel, transactional: Bool) -> SuppressionReason? {
        if archived { return .archived }
        if lacksAddress(for: channel) { return .missingAddress }
        if consent.hardBounced.contains(channel.rawValue) { return .hardBounce }
        if !transactional, consent.unsubscribed.contains(channel.rawValue) { return .unsubscribed }
        return nil
    }
}

/// A contact's consent per channel.
public struct Consent: Codable, Sendable, Equatable {
    /// Channels left by an `unsubscribe` step, an `unsubscribed` or `message_unsubscribed` event, or (email) a
    /// spam complaint.
    public var unsubscribed: Set<String> = []
    /// Channels whose address bounced hard: nothing goes there again, transactional messages included.
    public var hardBounced: Set<String> = []

    public init() {}

    /// Whether marketing may go out on the channel: `subscribed(CHANNEL)`.
    public func allowsMarketing(on channel: MessageChannel) -> Bool {
        !unsubscribed.contains(channel.rawValue) && !hardBounced.contains(channel.rawValue)
    }
}

/// Why a send was suppressed: recorded in the trace and counted in reports.
public enum SuppressionReason: String, Codable, Sendable, CaseIterable {
    case unsubscribed
    case hardBounce = "hard-bounce"
    case missingAddress = "missing-address"
    /// Sent by the visit that archived the contact, after its `archive` step.
    case archived
}

/// What happened to a contact across campaigns.
public struct ContactHistory: Codable, Sendable, Equatable {
    /// Send times by message category.
    public var received: [String: [Double]] = [:]
    /// Emails received since the last open.
    public var emailsSinceOpen = 0
    /// The last open, click or page visit.
    public var lastEngagement: Double?
    /// Email opens of the last 90 days, for optimized send times.
    public var opens: [Double] = []
    /// Times of the marketing sends that went out, by channel, for the workspace's frequency caps: kept as
    /// long as the longest cap on the channel counts them.
    public var sent: [String: [Double]] = [:]

    /// How long opens are remembered for `send_time: optimized`.
    public static let openMemory: Double = 90 * 86_400

    /// Records an open and forgets those older than ``openMemory``.
    public mutating func recordOpen(at time: Double) {
        lastEngagement = time
        emailsSinceOpen = 0
        opens.removeAll { $0 < time - Self.openMemory }
        opens.append(time)
    }

    public init() {}

    /// Reads a history stored before ``sent`` existed as one without sends.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        received = try container.decode([String: [Double]].self, forKey: .received)
        emailsSinceOpen = try container.decode(Int.self, forKey: .emailsSinceOpen)
        lastEngagement = try container.decodeIfPresent(Double.self, forKey: .lastEngagement)
        opens = try container.decode([Double].self, forKey: .opens)
        sent = try container.decodeIfPresent([String: [Double]].self, forKey: .sent) ?? [:]
    }

    /// How many sends of `channel` went out in the window `(now - seconds, now]`.
    public func sends(of channel: MessageChannel, within seconds: Int, before now: Double) -> Int {
        sent[channel.rawValue]?.count { $0 > now - Double(seconds) && $0 <= now } ?? 0
    }

    /// Records a marketing send of `channel` at `now`, and forgets those no cap of `caps` counts any more.
    public mutating func recordSend(of channel: MessageChannel, at now: Double, caps: [FrequencyCap]) {
        guard let longest = caps.filter({ $0.channel == channel }).map(\.per).max() else {
            sent[channel.rawValue] = nil
            return
        }
        var times = sent[channel.rawValue, default: []]
        times.removeAll { $0 <= now - Double(longest) }
        times.append(now)
        sent[channel.rawValue] = times
    }
}

/// The post-send facts established for one send, as bits: read on every post-send condition, so no
/// allocation or reference count.
public struct PostSendFacts: OptionSet, Codable, Sendable, Hashable {
    public let rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public init(_ fact: PostSendFact) {
        switch fact {
        case .delivered: rawValue = 1
        case .opened: rawValue = 2
        case .clicked: rawValue = 4
        case .unsubscribed: rawValue = 8
        case .complained: rawValue = 16
        }
    }
}

/// What is known of one send of a visit: its message and the message events attached to it.
public struct SendRecord: Codable, Sendable, Equatable {
    public var message: String
    public var sentAt: Double
    public var facts: PostSendFacts = []
    public var clickedLinks: Set<String> = []

    public init(message: String, sentAt: Double) {
        self.message = message
        self.sentAt = sentAt
    }
}

/// A visit's sends by state: a short list searched in place. A visit sends a handful of messages, and a
/// post-send condition reads this on every evaluation, where a linear scan of a few integers beats hashing.
public struct SendLog: Codable, Sendable, Equatable, ExpressibleByDictionaryLiteral {
    private struct Entry: Codable, Sendable, Equatable {
        var state: Int
        var record: SendRecord
    }

    private var entries: [Entry] = []

    public init(dictionaryLiteral elements: (Int, SendRecord)...) {
        for (state, record) in elements { self[state] = record }
    }

    public subscript(state: Int) -> SendRecord? {
        get {
            for entry in entries where entry.state == state { return entry.record }
            return nil
        }
        set {
            if let index = entries.firstIndex(where: { $0.state == state }) {
                if let newValue { entries[index].record = newValue } else { entries.remove(at: index) }
            } else if let newValue {
                entries.append(Entry(state: state, record: newValue))
            }
        }
    }

    /// Every send, in the order they went out.
    public var records: [SendRecord] { entries.map(\.record) }
}
