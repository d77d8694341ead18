/// `unreachable-step`: a step that no path from `start` reaches.
struct UnreachableStepRule: CampaignRule {
    func check(_ context: CampaignContext, into diagnostics: inout DiagnosticCollector) {
        guard let start = context.graph.start else { return }
        let reached = context.graph.reached(from: [start])
        for (index, step) in context.graph.steps.enumerated() where !reached[index] {
            diagnostics.emit(.unreachableStep, "step '\(step.id.value)' is never reached from start step '\(context.graph.steps[start].id.value)'",
                             at: step.location)
        }
    }
}
