/// `unknown-name` for the campaign ids that `start_campaign` and `exit_campaign` steps name: each must be the
/// id of some campaign file given to the same `check`, in any status. It looks at every campaign at once, like
/// the version rules.
enum CampaignReferenceRule {
    static func check(_ campaigns: [Campaign], into diagnostics: inout DiagnosticCollector) {
        let ids = Set(campaigns.compactMap { $0.id?.value })
        for campaign in campaigns {
            for step in campaign.steps {
                guard let named = step.kind.namedCampaign, !ids.contains(named.value) else { continue }
                diagnostics.emit(.unknownName, "unknown campaign '\(named.value)'" + Suggestions.didYouMean(named.value, in: ids),
                                 at: named.location)
            }
        }
    }
}

extension StepKind {
    /// The campaign a `start_campaign` or `exit_campaign` step names.
    var namedCampaign: Located<String>? {
        switch self {
        case .startCampaign(let campaign), .exitCampaign(let campaign): campaign
        default: nil
        }
    }
}
