import Foundation
import Testing
@testable import CampaignCompiler

/// The public YAML conformance suite (`yaml-test-suite` in the shared folder), each input fed to `check` as
/// a campaign file.
@Suite struct YAMLTestSuiteTests {
    static let suite = Fixtures.shared.appendingPathComponent("yaml-test-suite")

    /// Cases whose `in.yaml` LibYAML (and so Yams) parses although the suite marks it invalid: LibYAML's
    /// own known deviations from YAML 1.2. They are still rejected, by the shape rules.
    static let acceptedByLibYAML: Set<String> = ["9C9N", "9JBA", "CVW2", "DK95/01", "G5U8", "MUS6/00", "QB6E", "S98Z", "SU5Z",
                                                    "X4QW", "Y79Y/003", "YJV2"]

    /// Every case folder holding an `in.yaml`, relative to the suite.
    static func cases() -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: suite.path)
        return (enumerator?.compactMap { $0 as? String } ?? [])
            .filter { $0.hasSuffix("/in.yaml") }.map { String($0.dropLast("/in.yaml".count)) }.sorted()
    }

    @Test func theSuiteIsThere() {
        #expect(Self.cases().count > 300, "yaml-test-suite not found at \(Self.suite.path)")
    }

    @Test func everyInputGivesACleanResultOrLocatedDiagnosticsAndErrorCasesAreRejected() throws {
        var rejectedByReading = 0
        var errorCases = 0
        for name in Self.cases() {
            let folder = Self.suite.appendingPathComponent(name)
            let bytes = try [UInt8](Data(contentsOf: folder.appendingPathComponent("in.yaml")))
            let text = String(decoding: bytes, as: UTF8.self)
            let lineCount = text.split(separator: "\n", omittingEmptySubsequences: false).count
            let result = Checker.check(workspace: Fixtures.workspace, files: [InputFile(path: "suite/v1.yaml", bytes: bytes)])
            for diagnostic in result.diagnostics {
                #expect(diagnostic.location.file == "suite/v1.yaml", "\(name)")
                #expect(diagnostic.location.line >= 1 && diagnostic.location.line <= lineCount + 1, "\(name): \(diagnostic)")
                #expect(diagnostic.location.column >= 1, "\(name): \(diagnostic)")
            }
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("error").path) else { continue }
            errorCases += 1
            #expect(result.errorCount > 0, "\(name) is invalid YAML but checked clean")
            let readingRules: Set<RuleID> = [.yamlSyntax, .duplicateKey, .yamlAlias]
            if result.diagnostics.contains(where: { readingRules.contains($0.rule) }) {
                rejectedByReading += 1
            } else {
                #expect(Self.acceptedByLibYAML.contains(name), "\(name) is invalid YAML but was read")
            }
        }
        #expect(errorCases > 70)
        #expect(rejectedByReading >= errorCases - Self.acceptedByLibYAML.count)
    }
}
