/// `split-weights`: split weights must each be positive and sum to 100.
struct SplitWeightsRule: CampaignRule {
    func check(_ context: CampaignContext, into diagnostics: inout DiagnosticCollector) {
        for step in context.campaign.steps {
            guard case .split(let weights) = step.kind, !weights.isEmpty else { continue }
            for weight in weights where weight.value <= 0 {
                diagnostics.emit(.splitWeights, "split weight must be positive, found \(weight.value)", at: weight.location)
            }
            let total = weights.reduce(0) { $0 &+ $1.value }
            if total != 100 {
                diagnostics.emit(.splitWeights, "the weights of split '\(step.id.value)' sum to \(total), not 100", at: step.location)
            }
        }
    }
}
