/// `unknown-step`: `start` or a step's exit names a step that does not exist.
struct StepTargetRule: CampaignRule {
    func check(_ context: CampaignContext, into diagnostics: inout DiagnosticCollector) {
        let ids = context.graph.indexByID.keys
        if let start = context.campaign.start, context.graph.start == nil {
            diagnostics.emit(.unknownStep, "start step '\(start.value)' does not exist" + Suggestions.didYouMean(start.value, in: ids),
                             at: start.location)
        }
        for step in context.campaign.steps {
            for exit in step.exits where context.graph.indexByID[exit.target.value] == nil {
                diagnostics.emit(.unknownStep, "'\(exit.label)' of step '\(step.id.value)' names step '\(exit.target.value)', which does not exist"
                                 + Suggestions.didYouMean(exit.target.value, in: ids), at: exit.target.location)
            }
        }
    }
}
