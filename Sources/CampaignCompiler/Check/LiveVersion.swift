import CampaignFlows

/// The version of a campaign that other campaigns reach: the one a `start_campaign` step enters, which
/// `campaign-cycle` follows and `campaignc simulate` runs beside the campaign it simulates. It is the
/// published version, or, for a campaign with none published, its draft (the version about to be published).
enum LiveVersion {
    /// Each campaign id's live version among `versions`, each read as a campaign through `campaign`; an id
    /// with neither a published version nor a draft has none.
    static func byCampaign<Version>(_ versions: [Version], _ campaign: (Version) -> Campaign) -> [String: Version] {
        var live: [String: (version: Version, status: CampaignStatus)] = [:]
        for version in versions.sorted(by: { campaign($0).location < campaign($1).location }) {
            let read = campaign(version)
            guard let id = read.id?.value, let status = read.status?.value else { continue }
            if status == .published || (status == .draft && live[id]?.status != .published) { live[id] = (version, status) }
        }
        return live.mapValues(\.version)
    }
}
