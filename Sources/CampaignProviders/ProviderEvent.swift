import CampaignFlows

/// A provider's report about one send, as the runtime's message event it stands for.
public struct ProviderEvent: Sendable, Equatable {
    /// The provider's own id of the event, unique per provider, so that a redelivered webhook is recognised:
    /// SendGrid's `sg_event_id`, Mailgun's `event-data.id`, the SNS `MessageId` for SES, and for Postmark
    /// (which has no event id) its record type, message id and the event's time (and link, for clicks).
    public var providerEventID: String
    /// The `campaignc_key` the send carried (an `IdempotencyKey` in text, read back with `IdempotencyKey(parsing:)`); nil when the provider's event has none.
    public var sendKey: String?
    /// The runtime's message event: `message_delivered`, `email_opened`, `link_clicked`,
    /// `message_unsubscribed`, `spam_complaint` or `message_bounced`.
    public var event: String
    /// The event's payload: `channel` (always `email`), `link` for a click, `type` (`hard` or `soft`) for a
    /// bounce.
    public var payload: [String: Value]
    /// When the provider says the event happened, in seconds since 1970; nil when it does not say.
    public var occurredAt: Double?

    /// An event with every field given.
    public init(providerEventID: String, sendKey: String?, event: String, payload: [String: Value], occurredAt: Double?) {
        self.providerEventID = providerEventID
        self.sendKey = sendKey
        self.event = event
        self.payload = payload
        self.occurredAt = occurredAt
    }

    /// The event for `kind`, with the payload the runtime expects of it.
    init(providerEventID: String, sendKey: String?, kind: MessageEventKind, occurredAt: Double?) {
        var payload: [String: Value] = ["channel": .string("email")]
        switch kind {
        case .clicked(let link): payload["link"] = .string(link)
        case .bounced(let hard): payload["type"] = .string(hard ? "hard" : "soft")
        default: break
        }
        self.init(providerEventID: providerEventID, sendKey: sendKey, event: kind.event, payload: payload, occurredAt: occurredAt)
    }
}

/// What a verified webhook request amounts to.
public enum ProviderReceipt: Sendable, Equatable {
    /// The message events it reports, in the provider's order; empty when none has a meaning for the runtime.
    case events([ProviderEvent])
    /// Amazon SNS asks to confirm the subscription of this endpoint to the configured topic: the service
    /// confirms it by fetching `subscribeURL` (this library never fetches anything).
    case subscriptionConfirmation(subscribeURL: String)
}

/// The message events a provider can report, each with what its payload needs.
enum MessageEventKind: Equatable {
    case delivered, opened, unsubscribed, complained
    case clicked(link: String)
    /// A hard bounce ends email to the contact (LANGUAGE.md, consent); a soft one does not.
    case bounced(hard: Bool)

    /// The runtime's event name, from the one vocabulary the engine uses for post-send facts.
    var event: String {
        switch self {
        case .delivered: PostSendFact.delivered.event
        case .opened: PostSendFact.opened.event
        case .clicked: PostSendFact.clicked.event
        case .unsubscribed: PostSendFact.unsubscribed.event
        case .complained: PostSendFact.complained.event
        case .bounced: "message_bounced"
        }
    }
}
