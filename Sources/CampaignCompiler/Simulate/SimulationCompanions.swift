extension PopulationSimulation {
    /// The campaign versions a simulation of `campaign` runs beside it, in the order first named: the
    /// ``LiveVersion`` of each campaign its `start_campaign` and `exit_campaign` steps name, then of each
    /// campaign in `ids` (`campaignc simulate --with`), and, transitively, of each campaign their own such
    /// steps name; never a version of `campaign`'s own id. A campaign a step names that has no live version
    /// is left out, as the runtime enters nothing there.
    ///
    /// Throws when an id of `ids` is no campaign's among `campaigns`, or names one with no live version.
    public static func companions(of campaign: CheckedCampaign, with ids: [String],
                                  among campaigns: [CheckedCampaign]) throws(SimulationCompanionError) -> [CheckedCampaign] {
        let live = LiveVersion.byCampaign(campaigns, \.source)
        let known = Set(campaigns.map(\.id))
        for id in ids where id != campaign.id && live[id] == nil {
            guard known.contains(id) else {
                throw .unknownCampaign(id, suggestion: Suggestions.nearest(to: id, in: known.sorted()))
            }
            throw .noLiveVersion(id)
        }
        var companions: [CheckedCampaign] = []
        var seen: Set = [campaign.id]
        var named = campaign.namedCampaigns + ids
        var next = 0
        while next < named.count {
            let id = named[next]
            next += 1
            guard seen.insert(id).inserted, let version = live[id] else { continue }
            companions.append(version)
            named += version.namedCampaigns
        }
        return companions
    }
}

/// Why a campaign given to run beside a simulated one cannot run.
public enum SimulationCompanionError: Error, Equatable, CustomStringConvertible {
    /// No campaign has this id; the nearest id, when one is close.
    case unknownCampaign(String, suggestion: String?)
    /// The campaign has no published version and no draft.
    case noLiveVersion(String)

    public var description: String {
        switch self {
        case .unknownCampaign(let id, let suggestion): "unknown campaign '\(id)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
        case .noLiveVersion(let id): "campaign '\(id)' has no published version and no draft to run"
        }
    }
}

extension CheckedCampaign {
    /// The campaigns its `start_campaign` and `exit_campaign` steps name, in file order.
    fileprivate var namedCampaigns: [String] {
        steps.compactMap { $0.source.kind.namedCampaign?.value }
    }
}
