import Foundation
@testable import CampaignCompiler

/// The golden fixtures under `Fixtures/`: `ok/<rule>/` folders must check clean, `err/<rule>/` folders must
/// give exactly the diagnostics in `err/<rule>.out`. Set `UPDATE_GOLDEN=1` to rewrite the `.out` files
/// (then review the diff).
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let repository = root.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The project's shared folder (YAML conformance suite, SARIF schema): `$CAMPAIGNC_SHARED`, else
    /// `shared/` beside the repository.
    static let shared: URL = {
        if let path = ProcessInfo.processInfo.environment["CAMPAIGNC_SHARED"] { return URL(fileURLWithPath: path) }
        return repository.deletingLastPathComponent().appendingPathComponent("shared")
    }()

    /// The fixture folders of one kind (`ok` or `err`), sorted.
    static func names(_ kind: String) -> [String] {
        let folder = root.appendingPathComponent(kind)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return entries.filter { !$0.hasSuffix(".out") }.sorted()
    }

    /// The YAML files under `folder`, with paths relative to it.
    static func inputFiles(in folder: URL) -> [InputFile] {
        let enumerator = FileManager.default.enumerator(atPath: folder.path)
        let paths = (enumerator?.compactMap { $0 as? String } ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        return paths.map { path in
            InputFile(path: path, bytes: [UInt8](FileManager.default.contents(atPath: folder.appendingPathComponent(path).path)!))
        }
    }

    static var workspace: InputFile {
        InputFile(path: "workspace.yaml",
                  bytes: [UInt8](FileManager.default.contents(atPath: root.appendingPathComponent("workspace.yaml").path)!))
    }

    /// Checks one fixture folder against the fixtures' workspace.
    static func check(_ kind: String, _ name: String) -> CheckResult {
        Checker.check(workspace: workspace, files: inputFiles(in: root.appendingPathComponent(kind).appendingPathComponent(name)))
    }

    /// The `.out` format: one line per diagnostic, notes indented beneath it.
    static func golden(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map { diagnostic in
            "\(diagnostic.location): \(diagnostic.severity.rawValue): \(diagnostic.message) [\(diagnostic.rule.rawValue)]\n"
                + diagnostic.notes.map { "    note: \($0.location): \($0.message)\n" }.joined()
        }.joined()
    }
}
