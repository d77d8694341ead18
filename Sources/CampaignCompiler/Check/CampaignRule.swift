/// What every per-campaign rule sees: the campaign, the workspace, its step graph and the post-send calls
/// found while type-checking its conditions.
struct CampaignContext {
    let campaign: Campaign
    let workspace: Workspace
    let graph: StepGraph
    /// Post-send calls in each step's condition, by step index.
    let postSendCalls: [Int: [ExpressionTypeChecker.PostSendCall]]
}

/// A rule over one campaign version. Each rule lives in its own file and reports through the collector.
protocol CampaignRule: Sendable {
    func check(_ context: CampaignContext, into diagnostics: inout DiagnosticCollector)
}

/// The registry of per-campaign rules, in the order they run (output is sorted afterwards).
enum CampaignRules {
    static let all: [any CampaignRule] = [
        ReferenceRule(),
        ExitRule(),
        StepTargetRule(),
        UnreachableStepRule(),
        NoEndRule(),
        ZeroTimeCycleRule(),
        PostSendRule(),
        SplitWeightsRule(),
        TestSharesRule(),
        UpdateContactRule(),
        SendRule(),
        PromoWithoutEmailRule(),
        MessageBudgetRule(),
        WaitForTimeoutRule(),
        HoldoutShareRule(),
        GoalRule(),
    ]
}
