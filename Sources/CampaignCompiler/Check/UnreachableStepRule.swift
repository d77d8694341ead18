/// `unreachable-step`: a step that no path from `start` reaches.
///
/// Not reported while some exit names a missing step: the steps beyond a broken link would all be reported,
/// and the `unknown-step` error already says what to fix.
struct UnreachableStepRule: CampaignRule {
    func check(_ context: CampaignContext, into diagnostics: inout DiagnosticCollector) {
        guard let start = context.graph.start, !context.graph.hasDanglingExits else { return }
        let reached = context.graph.reached(from: [start])
        for (index, step) in context.graph.steps.enumerated() where !reached[index] {
            diagnostics.emit(.unreachableStep, "step '\(step.id.value)' is never reached from start step '\(context.graph.steps[start].id.value)'",
                             at: step.location)
        }
    }
}
