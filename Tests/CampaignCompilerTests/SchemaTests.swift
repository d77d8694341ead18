import Foundation
import Testing
@testable import CampaignCompiler

/// The JSON Schemas in `schemas/` accept the bundled campaigns and agree with the checker on the fixtures.
@Suite struct SchemaTests {
    /// Rules about a file's shape, which the schemas also express when the readers raise them. Reading raises
    /// `unknown-name` only for a workspace's type names, which the schema's pattern refuses too. The scenario
    /// rules raise some of these on what only the campaign under test can tell (a step's kind), which a schema
    /// expresses in part: files with such diagnostics are left out of the comparison.
    static let shapeRules: Set<RuleID> = [.unknownKey, .wrongType, .missingKey, .missingExit, .unknownName]
    /// Rules on value formats that the schemas check only in part (a pattern, not a calendar): fixtures
    /// raising them are left out of the comparison.
    static let formatRules: Set<RuleID> = [.badDuration, .badWindow, .badCron, .badTimezone, .badDate]
    /// Rules raised before a tree exists: such files are not YAML a schema can see.
    static let readingRules: Set<RuleID> = [.yamlSyntax, .duplicateKey, .yamlAlias]

    @Test func everyFileUnderCampaignsIsValid() throws {
        let folder = Fixtures.repository.appendingPathComponent("campaigns")
        let files = Fixtures.inputFiles(in: folder).map { folder.appendingPathComponent($0.path).path }
        #expect(files.count > 20)
        let verdicts = try SchemaValidator.validate(files)
        for file in files { #expect(verdicts[file] == [], "\(file): \(verdicts[file] ?? [])") }
    }

    @Test func schemasAndCheckerAgreeOnTheFixtures() throws {
        var compared: [(path: String, checkerRejects: Bool)] = []
        for kind in ["ok", "err"] {
            for name in Fixtures.names(kind) {
                let folder = Fixtures.root.appendingPathComponent("\(kind)/\(name)")
                let result = Fixtures.check(kind, name)
                for file in Fixtures.inputFiles(in: folder) {
                    let diagnostics = result.diagnostics.filter { $0.location.file == file.path }
                    let rules = Set(diagnostics.map(\.rule))
                    guard rules.isDisjoint(with: Self.readingRules), rules.isDisjoint(with: Self.formatRules),
                          !diagnostics.contains(where: { $0.phase == .scenarios && Self.shapeRules.contains($0.rule) })
                    else { continue }
                    let shapeProblems = diagnostics.filter { $0.phase == .reading && Self.shapeRules.contains($0.rule) }
                    compared.append((folder.appendingPathComponent(file.path).path, !shapeProblems.isEmpty))
                }
            }
        }
        let verdicts = try SchemaValidator.validate(compared.map(\.path))
        for (path, checkerRejects) in compared {
            let schemaRejects = !(verdicts[path] ?? []).isEmpty
            #expect(schemaRejects == checkerRejects, "\(path): schema says \(verdicts[path] ?? [])")
        }
        #expect(compared.filter(\.checkerRejects).count >= 4, "the comparison must include rejected files")
    }
}
