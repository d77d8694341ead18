import Foundation
import Testing
@testable import CampaignCompiler

/// Reading: malformed, hostile and oversized input gives located diagnostics, never a crash or a hang.
@Suite struct ReadingTests {
    private func check(_ text: String, path: String = "c/v1.yaml") -> [Diagnostic] {
        Checker.check(workspace: Fixtures.workspace, files: [InputFile(path: path, bytes: Array(text.utf8))]).diagnostics
    }

    private func rules(_ diagnostics: [Diagnostic]) -> [String] { diagnostics.map(\.rule.rawValue) }

    @Test func aliasBombUsedAsAMappingKeyIsRefusedWithoutExpanding() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            text += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]\n"
        }
        text += "? *a9\n: 1\n"
        let diagnostics = check(text)
        #expect(Set(rules(diagnostics)) == ["yaml-alias"])
        #expect(diagnostics.count == 10 + 81 + 1, "every anchor and alias is reported")
        #expect(diagnostics.last?.location == SourceLocation(file: "c/v1.yaml", line: 11, column: 3))
    }

    @Test func fileOverOneMebibyteIsRefused() {
        let text = "campaign: c\n" + String(repeating: "# padding\n", count: 110_000)
        let diagnostics = check(text)
        #expect(rules(diagnostics) == ["yaml-syntax"])
        #expect(diagnostics[0].message.contains("limited to 1 MiB"))
    }

    @Test func nestingDeeperThanTheLimitIsRefused() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let diagnostics = check("steps: " + deep)
        #expect(rules(diagnostics) == ["yaml-syntax"])
        #expect(diagnostics[0].message.contains("deeper than 64"))
        #expect(diagnostics[0].location.line == 1)
    }

    @Test func nestingAtTheLimitIsRead() {
        let nested = String(repeating: "[", count: 63) + String(repeating: "]", count: 63)
        #expect(!rules(check("steps: " + nested)).contains("yaml-syntax"))
    }

    @Test func everyDuplicateKeyIsReportedAtItsSecondOccurrence() {
        let diagnostics = check("campaign: c\nversion: 1\ncampaign: d\nsteps:\n  a: { end: success, end: failure }\n")
        #expect(rules(diagnostics) == ["duplicate-key", "duplicate-key"])
        #expect(diagnostics[0].location == SourceLocation(file: "c/v1.yaml", line: 3, column: 1))
        #expect(diagnostics[0].notes.first?.location == SourceLocation(file: "c/v1.yaml", line: 1, column: 1))
        #expect(diagnostics[1].location == SourceLocation(file: "c/v1.yaml", line: 5, column: 22))
    }

    @Test func duplicateKeysAreFoundInLargeMappingsToo() {
        // Past a dozen keys the reader indexes a mapping's keys instead of searching them.
        var text = ""
        for n in 0..<100 { text += "k\(n): \(n)\n" }
        text += "k7: again\n'k50': again\n"
        let (root, diagnostics) = YAMLReader.read(Array(text.utf8), path: "c/v1.yaml")
        #expect(root == nil)
        #expect(diagnostics.map(\.message) == ["duplicate key 'k7'", "duplicate key 'k50'"])
        #expect(diagnostics.map(\.location.line) == [101, 102])
        #expect(diagnostics.map { $0.notes.first?.location.line } == [8, 51])
    }

    @Test func theTreeHoldsLibYAMLsPositionsAndValues() throws {
        // A CR-only file, a value holding U+2028 (a line break to LibYAML), a NUL escape, quoted and block scalars.
        let text = "a: \"x\\0y\"\rb: 'p\u{2028}q'\rc: |\r  z\rd: [1, {e: f}]\r"
        let (root, diagnostics) = YAMLReader.read(Array(text.utf8), path: "f.yaml")
        #expect(diagnostics.isEmpty)
        guard case .mapping(let pairs, let location) = try #require(root) else {
            Issue.record("not a mapping")
            return
        }
        #expect(location == SourceLocation(file: "f.yaml", line: 1, column: 1))
        #expect(pairs.map(\.key.text) == ["a", "b", "c", "d"])
        #expect(pairs.map(\.key.location.line) == [1, 2, 4, 6])
        #expect(pairs[0].value.scalar == YAMLScalar(text: "x\0y", style: .quoted, location: .init(file: "f.yaml", line: 1, column: 4)))
        #expect(pairs[1].value.scalar?.text == "p\u{2028}q")
        #expect(pairs[2].value.scalar == YAMLScalar(text: "z\n", style: .block, location: .init(file: "f.yaml", line: 4, column: 4)))
        guard case .sequence(let items, let listLocation) = pairs[3].value, case .mapping(let inner, _) = items[1] else {
            Issue.record("not a list holding a mapping")
            return
        }
        #expect(listLocation == SourceLocation(file: "f.yaml", line: 6, column: 4))
        #expect(inner.first?.value.scalar?.location == SourceLocation(file: "f.yaml", line: 6, column: 12))
    }

    @Test func invalidUTF8IsLocated() {
        var bytes = Array("campaign: c\nname: ".utf8)
        bytes += [0xFF, 0xFE]
        let diagnostics = Checker.check(workspace: Fixtures.workspace, files: [InputFile(path: "c/v1.yaml", bytes: bytes)]).diagnostics
        #expect(rules(diagnostics) == ["yaml-syntax"])
        #expect(diagnostics[0].location.line == 2)
    }

    @Test func aSecondDocumentIsRefused() {
        let diagnostics = check("campaign: c\n---\ncampaign: d\n")
        #expect(rules(diagnostics) == ["yaml-syntax"])
        #expect(diagnostics[0].location.line == 2)
    }

    @Test func anEmptyFileSaysSo() {
        #expect(check("").map(\.message) == ["the file is empty"])
    }

    @Test func aFileReportsAllItsProblemsAndOtherFilesAreStillChecked() {
        let broken = InputFile(path: "b/v1.yaml", bytes: Array("campaign: b\nversion: [1\n".utf8))
        let manyProblems = InputFile(path: "c/v1.yaml", bytes: Array("""
            campaign: c
            version: one
            status: live
            trigger: { event: signup }
            repeat: once
            strat: a
            steps:
              a: { wait: 2 days, nxt: b }
              b: { end: succes }
            """.utf8))
        let diagnostics = Checker.check(workspace: Fixtures.workspace, files: [broken, manyProblems]).diagnostics
        #expect(diagnostics.filter { $0.location.file == "b/v1.yaml" }.map(\.rule) == [.yamlSyntax])
        let lines = Fixtures.golden(diagnostics.filter { $0.location.file == "c/v1.yaml" })
        #expect(lines == """
            c/v1.yaml:1:1: error: the campaign is missing required key 'start' [missing-key]
            c/v1.yaml:2:10: error: 'version' must be an integer, found 'one' [wrong-type]
            c/v1.yaml:3:9: error: 'status' must be one of 'draft', 'published', 'draining', 'stopped', 'archived', found 'live' [wrong-type]
            c/v1.yaml:6:1: error: unknown key 'strat' in the campaign; did you mean 'start'? [unknown-key]
            c/v1.yaml:8:3: error: step 'a' (wait) is missing 'next' [missing-exit]
            c/v1.yaml:8:14: error: '2 days' is not a duration; write it like 30m, 2h, 3d, 1w or 2h30m [bad-duration]
            c/v1.yaml:8:22: error: unknown key 'nxt' in step 'a' (wait); did you mean 'next'? [unknown-key]
            c/v1.yaml:9:13: error: 'end' must be one of 'success', 'failure', 'abandon', 'neutral', found 'succes'; did you mean 'success'? [wrong-type]

            """)
    }

    @Test func expressionColumnsMapBackIntoQuotedAndFoldedScalars() {
        let text = """
            campaign: c
            version: 1
            status: published
            trigger: { event: signup }
            repeat: once
            start: a
            steps:
              a: { if: "received(category: welcom, within: 2d) > 1", then: b, else: b }
              b:
                if: >
                  contact.orders > 1 and
                  contact.scor > 2
                then: c
                else: c
              c: { end: success }
            """
        let diagnostics = check(text)
        #expect(Fixtures.golden(diagnostics) == """
            c/v1.yaml:8:32: error: unknown message category 'welcom'; did you mean 'welcome'? [unknown-name]
            c/v1.yaml:12:7: error: unknown contact field 'scor'; did you mean 'score'? [unknown-name]

            """)
    }

    @Test func deeplyNestedExpressionsAreRefusedNotRecursedInto() {
        let expression = String(repeating: "(", count: 10_000) + "true" + String(repeating: ")", count: 10_000)
        let diagnostics = check("campaign: c\nversion: 1\nstatus: draft\ntrigger: { event: signup }\nrepeat: once\nstart: a\nsteps:\n  a: { if: \"\(expression)\", then: b, else: b }\n  b: { end: success }\n")
        #expect(rules(diagnostics) == ["expression-syntax"])
    }
}
