import Foundation

/// What a workspace declares that the service checks its inputs against (the contact fields and the events,
/// with their types) and the contact-pressure policies it applies across campaigns.
public struct WorkspaceSchema: Codable, Sendable, Equatable {
    /// A contact field.
    public struct Field: Codable, Sendable, Equatable {
        public var type: ValueType
        /// A key field identifies the contact (its `id` is separate).
        public var isKey: Bool
        /// The only values the field may hold, when declared.
        public var allowedValues: [String]?

        public init(type: ValueType, isKey: Bool = false, allowedValues: [String]? = nil) {
            self.type = type
            self.isKey = isKey
            self.allowedValues = allowedValues
        }

        enum CodingKeys: String, CodingKey {
            case type
            case isKey = "is_key"
            case allowedValues = "allowed_values"
        }
    }

    public var fields: [String: Field]
    /// Every event a trigger, exit or sender may name, built-in ones included, with its payload's fields.
    public var events: [String: [String: ValueType]]
    /// The groups and personas a contact may belong to, sorted.
    public var groups: [String]
    public var personas: [String]
    /// The frequency caps and quiet hours; nil when the workspace declares no `policies` (as every schema
    /// stored before language v1.2).
    public var policies: ContactPressurePolicy?

    public init(fields: [String: Field], events: [String: [String: ValueType]], groups: [String] = [], personas: [String] = [],
                policies: ContactPressurePolicy? = nil) {
        self.fields = fields
        self.events = events
        self.groups = groups.sorted()
        self.personas = personas.sorted()
        self.policies = policies
    }
}

/// What `campaignc bundle` writes and `POST /v1/deployments` takes: a workspace's schema and every campaign
/// version in its lowered form.
public struct DeploymentBundle: Codable, Sendable, Equatable {
    /// The bundle format's version: a service refuses a format it does not know. Format 2 writes function
    /// calls as `call` (a function of ``ExpressionFunction`` and its arguments).
    public static let currentFormat = 2

    public var format: Int
    /// The campaignc version that wrote it.
    public var compiler: String
    public var workspace: WorkspaceSchema
    /// Every campaign version, in (campaign, version) order.
    public var campaigns: [FlowDefinition]

    public init(compiler: String, workspace: WorkspaceSchema, campaigns: [FlowDefinition]) {
        format = Self.currentFormat
        self.compiler = compiler
        self.workspace = workspace
        self.campaigns = campaigns
    }
}

extension ValueType: Codable {
    /// Types are written as the workspace writes them: `string`, `[int]`.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let type = ValueType(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a type: '\(text)'"))
        }
        self = type
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// What a deployment changes, or would change: the service's answer to `POST /v1/deployments`.
public struct DeploymentPlan: Codable, Sendable, Equatable {
    /// A campaign version the service did not run before.
    public struct AddedVersion: Codable, Sendable, Equatable {
        public var campaign: String
        public var version: Int
        public var status: CampaignStatus
        public var source: String

        public init(campaign: String, version: Int, status: CampaignStatus, source: String) {
            self.campaign = campaign
            self.version = version
            self.status = status
            self.source = source
        }
    }

    /// A version already deployed whose status the bundle changes, with the contacts it holds now.
    public struct StatusChange: Codable, Sendable, Equatable {
        public var campaign: String
        public var version: Int
        public var from: CampaignStatus?
        public var to: CampaignStatus
        public var contactsInFlight: Int

        public init(campaign: String, version: Int, from: CampaignStatus?, to: CampaignStatus, contactsInFlight: Int) {
            self.campaign = campaign
            self.version = version
            self.from = from
            self.to = to
            self.contactsInFlight = contactsInFlight
        }

        enum CodingKeys: String, CodingKey {
            case campaign, version, from, to
            case contactsInFlight = "contacts_in_flight"
        }
    }

    public var versionsAdded: [AddedVersion]
    public var statusChanges: [StatusChange]
    /// Versions the bundle holds as they are deployed.
    public var unchanged: Int
    /// Whether the service applied it (false for a dry run).
    public var applied: Bool

    public init(versionsAdded: [AddedVersion], statusChanges: [StatusChange], unchanged: Int, applied: Bool) {
        self.versionsAdded = versionsAdded
        self.statusChanges = statusChanges
        self.unchanged = unchanged
        self.applied = applied
    }

    enum CodingKeys: String, CodingKey {
        case unchanged, applied
        case versionsAdded = "versions_added"
        case statusChanges = "status_changes"
    }
}
