import CampaignFlows

/// The data model campaigns refer to (contact fields, events, messages, groups, personas, promo banks and
/// destinations) and its contact-pressure policies, read from `workspace.yaml`.
public struct Workspace: Sendable {
    /// A contact field.
    public struct Field: Sendable {
        public var name: Located<String>
        public var type: ValueType
        /// A key field identifies the contact and is never updated by a campaign.
        public var isKey: Bool
        /// An admin field is readable but never updated by a campaign.
        public var isAdmin: Bool
        /// The only values the field may hold, when declared.
        public var allowedValues: [String]?
    }

    /// An event a trigger or exit may name, with its payload's fields.
    public struct Event: Sendable {
        public var name: String
        public var fields: [String: ValueType]
        /// Where it is declared; nil for built-in events.
        public var location: SourceLocation?
        /// Message events carry `(message, campaign, step)` and name a send step.
        public var isMessageEvent: Bool
    }

    /// A message a send step may send.
    public struct Message: Sendable {
        public var name: Located<String>
        public var channel: MessageChannel
        /// Used by `received(category: C, within: D)`.
        public var category: String?
        /// Sent whatever the contact's unsubscriptions (never to a hard-bounced or missing address).
        public var isTransactional: Bool
    }

    /// Where `export` and `webhook` steps deliver.
    public struct Destination: Sendable {
        /// What a destination takes: `export` steps need `sftp`, `webhook` steps `webhook`.
        public enum Kind: String, Sendable, CaseIterable {
            case webhook, sftp
        }

        public var name: Located<String>
        /// nil for a name of the v1 list form (`destinations: [sftp-main]`), which either step may use.
        public var kind: Kind?
    }

    public var file: String?
    public var fields: [String: Field] = [:]
    public var events: [String: Event] = Workspace.builtInEvents
    public var messages: [String: Message] = [:]
    public var groups: Set<String> = []
    public var personas: Set<String> = []
    public var promoBanks: Set<String> = []
    public var destinations: [String: Destination] = [:]
    /// `policies.frequency`, each located at its mapping, in the order written.
    public var frequencyCaps: [Located<FrequencyCap>] = []
    /// `policies.quiet_hours`.
    public var quietHours: QuietHours?

    /// The field names indexed for suggestions, built by the reader once the fields are known.
    var fieldNameIndex: Suggestions.Index?

    public init() {}

    /// "; did you mean 'x'?" for an unknown contact field name, or nothing. Uses the reader's index when it
    /// is current, so that many unknown names against many fields stay cheap.
    func didYouMeanField(_ name: String) -> String {
        if let fieldNameIndex, fieldNameIndex.count == fields.count { return fieldNameIndex.didYouMean(name) }
        return Suggestions.didYouMean(name, in: fields.keys)
    }

    /// The message categories declared on messages.
    public var categories: Set<String> { Set(messages.values.compactMap(\.category)) }

    /// The events every workspace has, with their payloads: the runtime's ``BuiltInEvent`` table.
    public static let builtInEvents: [String: Event] = Dictionary(uniqueKeysWithValues: BuiltInEvent.allCases.map { event in
        (event.rawValue, Event(name: event.rawValue, fields: Dictionary(uniqueKeysWithValues: event.fields.map { ($0.name, $0.type) }),
                               location: nil, isMessageEvent: event.isMessageEvent))
    })
}
