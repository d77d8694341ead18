import CampaignFlows

/// A top-level key of a file: the readers accept exactly the keys of their file's kind, and
/// docs/language.md lists them with the description the file's JSON Schema gives.
public struct FileKey: Sendable, Hashable {
    public var name: String
    public var origin: LanguageOrigin

    init(_ name: String, _ section: String, seeds: [Seed] = []) {
        self.name = name
        self.origin = LanguageOrigin(section, seeds: seeds)
    }
}

extension FileKind {
    /// The keys a file of this kind may have at its top level, in the order the contract writes them.
    public var topLevelKeys: [FileKey] {
        switch self {
        case .workspace: Self.workspaceKeys
        case .campaign: Self.campaignKeys
        case .scenario: Self.scenarioKeys
        }
    }

    /// The key names, for the readers.
    var topLevelKeyNames: [String] { topLevelKeys.map(\.name) }

    private static let campaignKeys: [FileKey] = {
        let section = "A campaign version"
        return [
            FileKey("campaign", section), FileKey("version", section),
            FileKey("status", section, seeds: [.triggeredCampaigns]), FileKey("name", section),
            FileKey("description", section), FileKey("timezone", section),
            FileKey("fallback_timezone", "Additions in v1.2", seeds: [.triggeredCampaigns]),
            FileKey("trigger", section, seeds: [.automatedCampaignElements, .engagementTagging]),
            FileKey("audience", section, seeds: [.smartNurturing, .reengagingInactiveSubscribers]),
            FileKey("leave_when_out_of_audience", section, seeds: [.smartNurturing]),
            FileKey("repeat", section, seeds: [.triggeredCampaigns, .engagementTagging]),
            FileKey("exit_when", section, seeds: [.smartNurturing, .triggeredCampaigns]),
            FileKey("holdout", "Additions in v1.2"), FileKey("goal", "Additions in v1.2"),
            FileKey("start", section), FileKey("steps", section, seeds: [.automatedCampaignElements]),
        ]
    }()

    private static let workspaceKeys: [FileKey] = {
        let section = "The workspace"
        return [
            FileKey("contact", section, seeds: [.automatedCampaignElements]), FileKey("events", section),
            FileKey("messages", section), FileKey("groups", section, seeds: [.automatedCampaignElements]),
            FileKey("personas", section, seeds: [.automatedCampaignElements]),
            FileKey("promo_banks", section, seeds: [.automatedCampaignElements]),
            FileKey("destinations", section, seeds: [.automatedCampaignElements]),
            FileKey("policies", "Additions in v1.2", seeds: [.triggeredCampaigns]),
        ]
    }()

    private static let scenarioKeys: [FileKey] = {
        let section = "Scenario tests"
        return [FileKey("campaign", section), FileKey("version", section), FileKey("with", "Additions in v1.2"),
                FileKey("cases", section)]
    }()
}
