/// `no-end`: a step reachable from `start` from which no `end` step can be reached.
struct NoEndRule: CampaignRule {
    func check(_ context: CampaignContext, into diagnostics: inout DiagnosticCollector) {
        let graph = context.graph
        guard let start = graph.start else { return }
        let reached = graph.reached(from: [start])
        // Follow-ons are not reported: a step whose exit names a missing step may reach an end once the name is fixed: the steps before it
        // are not reported either (the `unknown-step` error comes alone).
        let endsReachable = graph.canReach { index in
            switch graph.steps[index].kind {
            case .end: return true
            // An unreadable step (`end: succes`) is already an error and may well be an end.
            case .unreadable: return true
            default: break
            }
            return graph.steps[index].exits.contains { graph.indexByID[$0.target.value] == nil }
        }
        for index in 0..<graph.count where reached[index] && !endsReachable[index] {
            let step = graph.steps[index]
            // A step whose exit names a missing step is already reported as `unknown-step`.
            guard step.exits.allSatisfy({ graph.indexByID[$0.target.value] != nil }) else { continue }
            diagnostics.emit(.noEnd, "no end can be reached from step '\(step.id.value)'", at: step.location)
        }
    }
}
