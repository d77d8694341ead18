import CampaignFlows

extension Workspace {
    /// What the service checks profiles and events against (the declared contact fields, and every event,
    /// built-in ones included, with its payload's types) and the policies it applies across campaigns.
    public var schema: WorkspaceSchema {
        WorkspaceSchema(
            fields: fields.mapValues { WorkspaceSchema.Field(type: $0.type, isKey: $0.isKey, allowedValues: $0.allowedValues) },
            events: events.mapValues(\.fields), groups: Array(groups), personas: Array(personas), policies: policies)
    }

    /// The frequency caps and quiet hours the runtime applies across campaigns; nil when none is declared.
    public var policies: ContactPressurePolicy? {
        frequencyCaps.isEmpty && quietHours == nil
            ? nil : ContactPressurePolicy(frequencyCaps: frequencyCaps.map(\.value), quietHours: quietHours)
    }
}

extension DeploymentBundle {
    /// The bundle of a checked project: its workspace's schema and every campaign version, lowered.
    public init(_ result: CheckResult) {
        self.init(compiler: CampaignCompilerVersion.current, workspace: result.workspace.schema,
                  campaigns: CompiledModule.lowered(result))
    }
}
