import Foundation

/// The time zone a campaign names: an IANA `Area/Location` name, or `UTC`.
///
/// Foundation also accepts abbreviations (`EST`, `CET`), POSIX rules (`PST8PDT`) and fixed offsets
/// (`GMT+1`, `UTC+2`, `Etc/GMT+1`); a campaign may not, since they do not follow the region's daylight-saving
/// rules (or, for `Etc/GMT+1`, mean the opposite of what they seem). The checker and the runtime both resolve
/// names here, and neither falls back to UTC.
public enum CampaignTimeZone {
    /// The IANA areas whose zones a campaign may name.
    static let areas: Set<String> = ["Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia",
                                     "Europe", "Indian", "Pacific"]

    /// The longest name `resolve` looks at: IANA names are at most a few dozen characters.
    public static let maximumNameLength = 64

    /// The zone `name` stands for, or why it is refused.
    public static func resolve(_ name: String) -> Result<TimeZone, TimeZoneProblem> {
        // A contact's field may hold anything: a name of any length is refused before it is looked at.
        guard name.utf8.count <= maximumNameLength else {
            return .failure(TimeZoneProblem(name: String(name.prefix(maximumNameLength)) + "...", kind: .unknown, suggestion: nil))
        }
        if name == "UTC" || name == "Etc/UTC" {
            guard let utc = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) else {
                return .failure(TimeZoneProblem(name: name, kind: .unknown, suggestion: nil))
            }
            return .success(utc)
        }
        if isOffset(name) { return .failure(TimeZoneProblem(name: name, kind: .offset, suggestion: nil)) }
        if let replacement = replacements[name.uppercased()] ?? replacements[name] {
            return .failure(TimeZoneProblem(name: name, kind: .abbreviation, suggestion: replacement))
        }
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        // Foundation reads a name only up to a NUL ("Asia/Tokyo\0..." would be accepted, and run as UTC): only
        // the characters of IANA names reach it.
        if parts.count >= 2, areas.contains(String(parts[0])), name.utf8.allSatisfy(isNameByte), let zone = TimeZone(identifier: name) {
            return .success(zone)
        }
        return .failure(TimeZoneProblem(name: name, kind: .unknown, suggestion: nil))
    }

    /// The names `resolve` accepts that this system's time zone database lists, sorted: the candidates for a
    /// "did you mean".
    public static var knownNames: [String] {
        (["UTC"] + TimeZone.knownTimeZoneIdentifiers.filter { name in
            name.split(separator: "/").first.map { areas.contains(String($0)) } ?? false
        }).sorted()
    }

    /// Whether a byte may appear in an IANA zone name: ASCII letters, digits, `_`, `-`, `+` and `/`.
    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "/"): true
        default: false
        }
    }

    /// `+02:00`, `UTC+2`, `GMT-5`, `Etc/GMT+1`, `UTC+02:00`...: a fixed offset, not a region.
    static func isOffset(_ name: String) -> Bool {
        var rest = Substring(name)
        for prefix in ["Etc/GMT", "Etc/UTC", "GMT", "UTC", "UT"] where rest.uppercased().hasPrefix(prefix.uppercased()) {
            rest = rest.dropFirst(prefix.count)
            break
        }
        guard let sign = rest.first, sign == "+" || sign == "-" || sign == "\u{2212}" else { return false }
        return rest.dropFirst().first?.isNumber ?? false
    }

    /// Abbreviations, POSIX rules and aliases, with the region they are most often meant for.
    static let replacements: [String: String] = [
        "EST": "America/New_York", "EDT": "America/New_York", "EST5EDT": "America/New_York", "US/Eastern": "America/New_York",
        "CST": "America/Chicago", "CDT": "America/Chicago", "CST6CDT": "America/Chicago", "US/Central": "America/Chicago",
        "MST": "America/Denver", "MDT": "America/Denver", "MST7MDT": "America/Denver", "US/Mountain": "America/Denver",
        "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles", "PST8PDT": "America/Los_Angeles",
        "US/Pacific": "America/Los_Angeles",
        "AKST": "America/Anchorage", "HST": "Pacific/Honolulu",
        "GMT": "UTC", "UCT": "UTC", "UT": "UTC", "Z": "UTC", "ZULU": "UTC", "UNIVERSAL": "UTC", "ETC/GMT": "UTC",
        "Etc/GMT": "UTC", "Etc/UCT": "UTC", "Etc/Universal": "UTC", "Etc/Zulu": "UTC",
        "BST": "Europe/London", "WET": "Europe/Lisbon", "WEST": "Europe/Lisbon",
        "CET": "Europe/Paris", "CEST": "Europe/Paris", "MET": "Europe/Paris", "MEST": "Europe/Paris",
        "EET": "Europe/Athens", "EEST": "Europe/Athens", "MSK": "Europe/Moscow",
        "IST": "Asia/Kolkata", "JST": "Asia/Tokyo", "KST": "Asia/Seoul", "HKT": "Asia/Hong_Kong",
        "SGT": "Asia/Singapore",
        "AEST": "Australia/Sydney", "AEDT": "Australia/Sydney", "ACST": "Australia/Adelaide",
        "AWST": "Australia/Perth", "NZST": "Pacific/Auckland", "NZDT": "Pacific/Auckland",
    ]
}

/// Why a campaign's time zone name is refused.
public struct TimeZoneProblem: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// An abbreviation, POSIX rule or alias (`EST`, `CET`, `PST8PDT`, `US/Eastern`, `GMT`).
        case abbreviation
        /// A fixed offset (`UTC+2`, `GMT-5`, `Etc/GMT+1`, `+02:00`).
        case offset
        /// Not a zone this system knows.
        case unknown
    }

    public let name: String
    public let kind: Kind
    /// The IANA name to write instead, when there is a sensible one.
    public let suggestion: String?

    /// The problem as a diagnostic phrase.
    public var description: String {
        switch kind {
        case .abbreviation:
            let instead = suggestion.map { "; use '\($0)'" } ?? "; use an IANA name such as 'Europe/Paris'"
            return "'\(name)' is an abbreviation, not an IANA time zone\(instead)"
        case .offset:
            return "'\(name)' is a fixed offset, not an IANA time zone; use a region's name such as 'Europe/Paris'"
        case .unknown:
            if let suggestion { return "unknown time zone '\(name)'; did you mean '\(suggestion)'?" }
            return "unknown time zone '\(name)'; use an IANA name such as 'Europe/Paris'"
        }
    }

    public init(name: String, kind: Kind, suggestion: String?) {
        self.name = name
        self.kind = kind
        self.suggestion = suggestion
    }
}
