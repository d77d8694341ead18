import CampaignFlows

/// The cross-file rules on versions: `single-published`, `single-draft`, `duplicate-version` and
/// `path-mismatch`. They look at every campaign file given to one `check`.
enum VersionRules {
    static func check(_ campaigns: [Campaign], into diagnostics: inout DiagnosticCollector) {
        for campaign in campaigns { checkPath(campaign, into: &diagnostics) }

        let byID = Dictionary(grouping: campaigns.filter { $0.id != nil }, by: { $0.id!.value })
        for (id, versions) in byID.sorted(by: { $0.key < $1.key }) {
            let ordered = versions.sorted { $0.location < $1.location }
            for status in [CampaignStatus.published, .draft] {
                let holding = ordered.filter { $0.status?.value == status }
                guard let first = holding.first else { continue }
                for other in holding.dropFirst() {
                    diagnostics.emit(status == .published ? .singlePublished : .singleDraft,
                                     "campaign '\(id)' already has a \(status.rawValue) version; only one may be \(status.rawValue)",
                                     at: other.status!.location,
                                     notes: [.init("version \(first.version.map { String($0.value) } ?? "?") is also \(status.rawValue) here",
                                                   at: first.status!.location)])
                }
            }
            var firstByVersion: [Int: Campaign] = [:]
            for campaign in ordered {
                guard let version = campaign.version else { continue }
                if let first = firstByVersion[version.value] {
                    diagnostics.emit(.duplicateVersion, "version \(version.value) of campaign '\(id)' is defined twice",
                                     at: version.location,
                                     notes: [.init("version \(version.value) is also defined here", at: first.version!.location)])
                } else {
                    firstByVersion[version.value] = campaign
                }
            }
        }
    }

    /// A version lives at `<campaign-id>/v<N>.yaml`.
    private static func checkPath(_ campaign: Campaign, into diagnostics: inout DiagnosticCollector) {
        let components = campaign.file.split(separator: "/")
        let fileName = components.last.map(String.init) ?? campaign.file
        let folder = components.dropLast().last.map(String.init)
        if let id = campaign.id, let folder, folder != id.value {
            diagnostics.emit(.pathMismatch, "campaign '\(id.value)' is in folder '\(folder)'; move it to '\(id.value)/' or rename the campaign",
                             at: id.location)
        }
        if let version = campaign.version {
            let stem = fileName.hasSuffix(".yaml") ? String(fileName.dropLast(5))
                : fileName.hasSuffix(".yml") ? String(fileName.dropLast(4)) : fileName
            if stem != "v\(version.value)" {
                diagnostics.emit(.pathMismatch, "version \(version.value) is in file '\(fileName)'; name the file 'v\(version.value).yaml'",
                                 at: version.location)
            }
        }
    }
}
