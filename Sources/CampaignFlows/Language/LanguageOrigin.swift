/// A seed document (`shared/seeds/`, in French): the product notes a feature of the language comes from.
public enum Seed: String, CaseIterable, Sendable, Comparable {
    case smartNurturing = "000"
    case automatedCampaignElements = "001"
    case triggeredCampaigns = "002"
    case engagementTagging = "003"
    case reengagingInactiveSubscribers = "004"

    /// The document's subject, as the language contract names it.
    public var title: String {
        switch self {
        case .smartNurturing: "smart nurturing campaign"
        case .automatedCampaignElements: "automated-campaign elements"
        case .triggeredCampaigns: "triggered campaigns"
        case .engagementTagging: "engagement tagging"
        case .reengagingInactiveSubscribers: "re-engaging inactive subscribers"
        }
    }

    /// Seeds sort by number.
    public static func < (lhs: Seed, rhs: Seed) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Where a feature of the language is specified: the section of the language contract (LANGUAGE.md) that
/// defines it and the seeds it comes from (none for what the contract adds on its own).
public struct LanguageOrigin: Sendable, Hashable, CustomStringConvertible {
    /// The contract's section, as its heading reads ("Expressions", "Step kinds").
    public var section: String
    public var seeds: [Seed]

    /// An origin in `section`, from `seeds` (numbers such as "001").
    public init(_ section: String, seeds: [Seed] = []) {
        self.section = section
        self.seeds = seeds.sorted()
    }

    /// `LANGUAGE.md "Expressions"; seeds 001, 003`.
    public var description: String {
        "LANGUAGE.md \"\(section)\"" + (seeds.isEmpty ? "" : "; seed\(seeds.count == 1 ? "" : "s") "
            + seeds.map(\.rawValue).joined(separator: ", "))
    }
}
