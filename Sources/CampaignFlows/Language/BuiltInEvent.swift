/// The events every workspace has, beside the custom ones it declares: the one table of their names and
/// payloads. The checker types `event.FIELD` and scenario events with it, the engine updates consent and
/// engagement from it, and `campaignc explain` and docs/language.md describe it.
public enum BuiltInEvent: String, CaseIterable, Sendable {
    case contactCreated = "contact_created"
    case contactUpdated = "contact_updated"
    case subscribed
    case unsubscribed
    case imported
    case profileTableChanged = "profile_table_changed"
    case pageVisited = "page_visited"
    case productViewed = "product_viewed"
    case cartAbandoned = "cart_abandoned"
    case messageDelivered = "message_delivered"
    case emailOpened = "email_opened"
    case linkClicked = "link_clicked"
    case messageUnsubscribed = "message_unsubscribed"
    case spamComplaint = "spam_complaint"
    case messageBounced = "message_bounced"

    /// A field of an event's payload.
    public struct Field: Sendable, Hashable {
        public var name: String
        public var type: ValueType
        /// What it holds, in one phrase.
        public var meaning: String

        init(_ name: String, _ type: ValueType, _ meaning: String) {
            self.name = name
            self.type = type
            self.meaning = meaning
        }
    }

    /// The payload's fields, in the order the contract lists them.
    public var fields: [Field] {
        switch self {
        case .contactCreated: []
        case .contactUpdated: [Field("changed", .list(.string), "the names of the fields that changed")]
        case .subscribed: [Field("channel", .string, "the channel subscribed to: email, sms or push")]
        case .unsubscribed: [Field("channel", .string, "the channel left: email, sms or push")]
        case .imported: [Field("import_id", .string, "the import that brought the contact")]
        case .profileTableChanged: [Field("table", .string, "the profile table that changed")]
        case .pageVisited: [Field("url", .string, "the page's address")]
        case .productViewed: [Field("product_id", .string, "the product viewed")]
        case .cartAbandoned: [Field("cart_id", .string, "the cart left"), Field("total", .decimal, "the cart's total")]
        case .messageDelivered, .emailOpened, .spamComplaint: Self.messageFields
        case .linkClicked: Self.messageFields + [Field("link", .string, "the address of the link clicked")]
        case .messageUnsubscribed:
            Self.messageFields + [Field("channel", .string, "the channel left, when it is not email")]
        case .messageBounced: Self.messageFields + [Field("type", .string, "hard (the address does not exist) or soft")]
        }
    }

    /// What every message event says: which message, sent by which campaign's send step.
    private static let messageFields = [
        Field("message", .string, "the message, as the workspace names it"),
        Field("campaign", .string, "the campaign that sent it"),
        Field("step", .string, "the send step that sent it"),
    ]

    /// Whether it is about a message a send step sent, naming that step (`message`, `campaign`, `step`):
    /// the post-send functions read these.
    public var isMessageEvent: Bool {
        switch self {
        case .messageDelivered, .emailOpened, .linkClicked, .messageUnsubscribed, .spamComplaint, .messageBounced: true
        default: false
        }
    }

    /// When it happens, in one sentence for users.
    public var meaning: String {
        switch self {
        case .contactCreated: "A contact was created."
        case .contactUpdated: "A contact's profile changed."
        case .subscribed: "A contact subscribed to a channel again; sends on it may go out."
        case .unsubscribed: "A contact left a channel; marketing sends on it are suppressed from then on."
        case .imported: "A contact arrived in an import."
        case .profileTableChanged: "A row of one of the contact's profile tables was added or changed."
        case .pageVisited: "A contact visited a page of the tracked site; it counts as engagement."
        case .productViewed: "A contact viewed a product."
        case .cartAbandoned: "A contact started a purchase and left it unfinished."
        case .messageDelivered: "A message reached the contact's inbox or phone."
        case .emailOpened: "The contact opened an email; it ends the unopened streak and counts as engagement."
        case .linkClicked: "The contact clicked a link in a message; it counts as engagement."
        case .messageUnsubscribed: "The contact left through a message's unsubscribe link (email unless the payload names another channel)."
        case .spamComplaint: "The contact marked a message as spam; email sends to them are suppressed from then on."
        case .messageBounced: "A message bounced; a hard bounce stops every later email to that address."
        }
    }

    /// Where the contract specifies it.
    public var origin: LanguageOrigin {
        switch self {
        case .contactCreated, .contactUpdated, .subscribed, .unsubscribed, .imported, .profileTableChanged,
             .pageVisited, .productViewed:
            LanguageOrigin("The workspace", seeds: [.automatedCampaignElements])
        case .cartAbandoned:
            LanguageOrigin("The workspace", seeds: [.automatedCampaignElements, .triggeredCampaigns])
        case .messageDelivered, .emailOpened, .linkClicked, .messageUnsubscribed, .spamComplaint, .messageBounced:
            LanguageOrigin("The workspace", seeds: [.automatedCampaignElements, .engagementTagging])
        }
    }
}
