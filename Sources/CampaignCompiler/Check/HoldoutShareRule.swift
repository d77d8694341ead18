/// `holdout-share`: a `holdout` above 0% and below 50%. None is no holdout at all, and a holdout as large as
/// the treated group leaves nothing to compare it with.
struct HoldoutShareRule: CampaignRule {
    func check(_ context: CampaignContext, into diagnostics: inout DiagnosticCollector) {
        guard let holdout = context.campaign.holdout, holdout.value <= 0 || holdout.value >= 50 else { return }
        diagnostics.emit(.holdoutShare,
                         "'holdout' is \(Self.percent(holdout.value)); a holdout must be above 0% and below 50%",
                         at: holdout.location)
    }

    /// `10%`, `12.5%`: a percentage as a campaign file writes it.
    private static func percent(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? "\(Int(value))%" : "\(value)%"
    }
}
