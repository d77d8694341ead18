/// `goal-unknown-event`: a goal's event must be one the workspace defines (a custom or built-in event), or
/// no visit would ever convert.
struct GoalRule: CampaignRule {
    func check(_ context: CampaignContext, into diagnostics: inout DiagnosticCollector) {
        guard case .event(let name, _)? = context.campaign.goal?.awaited, context.workspace.events[name.value] == nil else { return }
        diagnostics.emit(.goalUnknownEvent, "goal on unknown event '\(name.value)'"
                         + Suggestions.didYouMean(name.value, in: context.workspace.events.keys), at: name.location)
    }
}
