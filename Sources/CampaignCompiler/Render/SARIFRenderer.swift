import Foundation

/// Renders diagnostics as a SARIF 2.1.0 log that GitHub code scanning accepts: one run, the full rule
/// catalogue in the driver, one result per diagnostic with its notes as related locations.
enum SARIFRenderer {
    private struct Log: Encodable {
        var schema = "https://json.schemastore.org/sarif-2.1.0.json"
        var version = "2.1.0"
        var runs: [Run]

        enum CodingKeys: String, CodingKey {
            case schema = "$schema", version, runs
        }
    }

    private struct Run: Encodable {
        var tool: Tool
        var results: [Result]
        var columnKind = "unicodeCodePoints"
    }

    private struct Tool: Encodable { var driver: Driver }

    private struct Driver: Encodable {
        var name = "campaignc"
        var informationUri = "https://github.com/campaignc/campaignc"
        var semanticVersion = CampaignCompilerVersion.current
        var rules: [RuleDescriptor]
    }

    private struct Text: Encodable { var text: String }

    private struct RuleDescriptor: Encodable {
        struct Configuration: Encodable { var level: String }
        var id: String
        var name: String
        var shortDescription: Text
        var fullDescription: Text
        var help: Text
        var defaultConfiguration: Configuration
    }

    private struct Result: Encodable {
        var ruleId: String
        var ruleIndex: Int
        var level: String
        var message: Text
        var locations: [Location]
        var relatedLocations: [Location]?
    }

    private struct Location: Encodable {
        var id: Int?
        var physicalLocation: PhysicalLocation
        var message: Text?
    }

    private struct PhysicalLocation: Encodable {
        struct Artifact: Encodable {
            var uri: String
            var uriBaseId = "%SRCROOT%"
        }
        struct Region: Encodable {
            var startLine: Int
            var startColumn: Int
        }
        var artifactLocation: Artifact
        var region: Region
    }

    static func render(_ result: CheckResult) -> String {
        let rules = RuleCatalog.all
        let ruleIndex = Dictionary(uniqueKeysWithValues: rules.enumerated().map { ($1.id, $0) })
        let descriptors = rules.map { rule in
            RuleDescriptor(id: rule.id.rawValue, name: rule.id.rawValue, shortDescription: Text(text: rule.summary),
                           fullDescription: Text(text: rule.rationale),
                           help: Text(text: "\(rule.rationale)\n\nRun `campaignc explain \(rule.id.rawValue)` for examples."),
                           defaultConfiguration: .init(level: rule.severity == .error ? "error" : "warning"))
        }
        let results = result.diagnostics.map { diagnostic in
            Result(ruleId: diagnostic.rule.rawValue, ruleIndex: ruleIndex[diagnostic.rule]!,
                   level: diagnostic.severity == .error ? "error" : "warning",
                   message: Text(text: diagnostic.message),
                   locations: [Location(physicalLocation: physical(diagnostic.location))],
                   relatedLocations: diagnostic.notes.isEmpty ? nil : diagnostic.notes.enumerated().map { index, note in
                       Location(id: index + 1, physicalLocation: physical(note.location), message: Text(text: note.message))
                   })
        }
        return JSONRenderer.encode(Log(runs: [Run(tool: Tool(driver: Driver(rules: descriptors)), results: results)]))
    }

    private static func physical(_ location: SourceLocation) -> PhysicalLocation {
        let uri = location.file.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? location.file
        return PhysicalLocation(artifactLocation: .init(uri: uri),
                                region: .init(startLine: location.line, startColumn: location.column))
    }
}

/// The version of campaignc, reported in SARIF output and by `--version`.
public enum CampaignCompilerVersion {
    public static let current = "0.1.0"
}
