/// `no-end`: a step reachable from `start` from which no `end` step can be reached.
struct NoEndRule: CampaignRule {
    func check(_ context: CampaignContext, into diagnostics: inout DiagnosticCollector) {
        let graph = context.graph
        guard let start = graph.start else { return }
        let reached = graph.reached(from: [start])
        let endsReachable = graph.canReach { index in
            if case .end = graph.steps[index].kind { return true }
            return false
        }
        for index in 0..<graph.count where reached[index] && !endsReachable[index] {
            let step = graph.steps[index]
            // A step whose exit names a missing step is already reported as `unknown-step`.
            guard step.exits.allSatisfy({ graph.indexByID[$0.target.value] != nil }) else { continue }
            diagnostics.emit(.noEnd, "no end can be reached from step '\(step.id.value)'", at: step.location)
        }
    }
}
