/// `test-shares`: A/X test shares must each be above 0% and sum to less than 100%, leaving contacts to wait
/// for the winner.
struct TestSharesRule: CampaignRule {
    func check(_ context: CampaignContext, into diagnostics: inout DiagnosticCollector) {
        for step in context.campaign.steps {
            guard case .test(let test) = step.kind, !test.shares.isEmpty else { continue }
            for share in test.shares where share.value <= 0 {
                diagnostics.emit(.testShares, "test share must be above 0%, found \(Self.percent(share.value))", at: share.location)
            }
            let total = test.shares.reduce(0) { $0 + $1.value }
            if total >= 100 {
                diagnostics.emit(.testShares,
                                 "the shares of test '\(step.id.value)' sum to \(Self.percent(total)); they must leave some contacts to receive the winner",
                                 at: step.location)
            }
        }
    }

    private static func percent(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))%" : "\(value)%"
    }
}
