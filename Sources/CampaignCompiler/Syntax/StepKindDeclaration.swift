import CampaignFlows

/// One kind of step: the keys that give a step this kind, how it is written and the exits it needs. The
/// campaign reader takes its kind keys, exits and options from ``all``; docs/language.md lists each kind with
/// the description its JSON Schema entry gives.
public struct StepKindDeclaration: Sendable {
    /// The kind's name, as the campaign schema titles it: its key, or `tags` for `add_tags`/`remove_tags`.
    public var name: String
    /// The keys that give a step this kind.
    public var keys: [String]
    /// How it is written.
    public var shape: String
    /// The keys naming the steps that come next, each required.
    public var exits: [String]
    /// Whether each item of its list (branch, split, test, distribute) names its own `next`.
    public var hasOptionExits: Bool
    /// The other keys it takes, beside its kind keys, `note` and its exits.
    public var options: [String]
    public var origin: LanguageOrigin

    init(_ name: String, keys: [String]? = nil, _ shape: String, exits: [String] = ["next"], optionExits: Bool = false,
         options: [String] = [], section: String = "Step kinds", seeds: [Seed]) {
        self.name = name
        self.keys = keys ?? [name]
        self.shape = shape
        self.exits = exits
        self.hasOptionExits = optionExits
        self.options = options
        self.origin = LanguageOrigin(section, seeds: seeds)
    }

    /// Every step kind, in the order of the contract's table.
    public static let all: [StepKindDeclaration] = {
        let sendOptions = ["approval", "send_time"]
        return [
            StepKindDeclaration("send_email", "send_email: MSG, approval: true|false, send_time: immediate|optimized",
                                options: sendOptions, seeds: [.automatedCampaignElements]),
            StepKindDeclaration("send_sms", "send_sms: MSG, approval: true|false, send_time: immediate|optimized",
                                options: sendOptions, seeds: [.automatedCampaignElements]),
            StepKindDeclaration("send_push", "send_push: MSG, approval: true|false, send_time: immediate|optimized",
                                options: sendOptions, seeds: [.automatedCampaignElements]),
            StepKindDeclaration("update_contact", "update_contact: { FIELD: VALUE, ... }", seeds: [.automatedCampaignElements]),
            StepKindDeclaration("tags", keys: ["add_tags", "remove_tags"], "add_tags: [TAG, ...] and/or remove_tags: [TAG, ...]",
                                seeds: [.engagementTagging]),
            StepKindDeclaration("unsubscribe", "unsubscribe: [email, sms, push]",
                                seeds: [.automatedCampaignElements, .reengagingInactiveSubscribers]),
            StepKindDeclaration("archive", "archive: true", seeds: [.automatedCampaignElements, .reengagingInactiveSubscribers]),
            StepKindDeclaration("grant_promo", "grant_promo: BANK", seeds: [.automatedCampaignElements]),
            StepKindDeclaration("export", "export: { to: DEST, fields: [FIELD, ...] }", seeds: [.automatedCampaignElements]),
            StepKindDeclaration("postal", "postal: send|update", seeds: [.automatedCampaignElements]),
            StepKindDeclaration("webhook", "webhook: DEST, fields: [FIELD, ...]", options: ["fields"], section: "Additions in v1.2",
                                seeds: [.automatedCampaignElements]),
            StepKindDeclaration("start_campaign", "start_campaign: CAMPAIGN", section: "Additions in v1.2", seeds: [.engagementTagging]),
            StepKindDeclaration("exit_campaign", "exit_campaign: CAMPAIGN", section: "Additions in v1.2", seeds: [.engagementTagging]),
            StepKindDeclaration("wait", "wait: DURATION (30m, 2h, 3d, 1w, 2h30m)",
                                seeds: [.automatedCampaignElements, .triggeredCampaigns]),
            StepKindDeclaration("wait_until", "wait_until: { days: [mon, ...], at: \"08:00\" } or { days: [...], from: \"09:00\", to: \"17:00\" }",
                                seeds: [.automatedCampaignElements, .triggeredCampaigns]),
            StepKindDeclaration("wait_for", "wait_for: { when: EXPR, within: DURATION } or { event: NAME, where: EXPR, within: DURATION }",
                                exits: ["next", "timeout"], section: "Additions in v1.2", seeds: [.smartNurturing]),
            StepKindDeclaration("if", "if: EXPR", exits: ["then", "else"], seeds: [.automatedCampaignElements]),
            StepKindDeclaration("branch", "branch: [{ when: EXPR, next: STEP }, ...]", exits: ["otherwise"], optionExits: true,
                                seeds: [.triggeredCampaigns]),
            StepKindDeclaration("split", "split: [{ weight: 50, next: STEP }, ...]", exits: [], optionExits: true,
                                seeds: [.automatedCampaignElements]),
            StepKindDeclaration("test", "test: { variants: [{ share: 10%, next: STEP }, ...], winner_by: opens|clicks|goal, decide_after: DURATION }",
                                exits: [], optionExits: true, seeds: [.automatedCampaignElements]),
            StepKindDeclaration("distribute", "distribute: [{ max: 1000, next: STEP }, ...]", exits: ["otherwise"], optionExits: true,
                                seeds: [.automatedCampaignElements]),
            StepKindDeclaration("dedupe", "dedupe: { by: email|phone, keep: newest|oldest }", seeds: [.automatedCampaignElements]),
            StepKindDeclaration("end", "end: success|failure|abandon|neutral", exits: [], seeds: [.automatedCampaignElements]),
        ]
    }()

    /// The kind a key gives a step, if it is a kind key.
    static func declaration(forKey key: String) -> StepKindDeclaration? {
        all.first { $0.keys.contains(key) }
    }
}
