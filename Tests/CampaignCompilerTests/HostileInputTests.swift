import Foundation
import Testing
@testable import CampaignCompiler

/// Hostile and merely large inputs: no recursion deeper than the nesting limit, linear time, number literals
/// that mean what they say, positions that agree with LibYAML's, and diagnostics that point at the cause.
@Suite struct HostileInputTests {
    private static let header = """
        campaign: c
        version: 1
        status: draft
        trigger: { event: signup }
        repeat: once
        start: s
        steps:

        """

    private func result(_ text: String, workspace: InputFile = Fixtures.workspace) -> CheckResult {
        Checker.check(workspace: workspace, files: [InputFile(path: "c/v1.yaml", bytes: Array(text.utf8))])
    }

    private func check(_ text: String, workspace: InputFile = Fixtures.workspace) -> [Diagnostic] {
        result(text, workspace: workspace).diagnostics
    }

    /// The height of an expression tree, walked with an explicit stack (the test must not recurse either).
    private func height(_ expression: CampaignCompiler.Expression) -> Int {
        var deepest = 0
        var stack: [(CampaignCompiler.Expression, Int)] = [(expression, 1)]
        while let (node, depth) = stack.popLast() {
            deepest = max(deepest, depth)
            switch node {
            case .not(let operand, _): stack.append((operand, depth + 1))
            case .binary(_, let left, let right, _): stack += [(left, depth + 1), (right, depth + 1)]
            case .list(let items, _): stack += items.map { ($0, depth + 1) }
            case .call(let call): stack += call.arguments.map { ($0.value, depth + 1) }
            default: break
            }
        }
        return deepest
    }

    private func conditionOfFirstStep(_ campaign: Campaign?) -> CampaignCompiler.Expression? {
        guard let step = campaign?.steps.first, case .condition(let condition) = step.kind else { return nil }
        return condition
    }

    // MARK: 1. No recursion deeper than the nesting limit

    @Test func aHundredKilobyteChainOfAndsChecksLowersAndStaysShallow() throws {
        let terms = Array(repeating: "contact.score > 1", count: 5_500).joined(separator: " and ")
        #expect(terms.utf8.count > 100_000)
        let text = Self.header + "  s: { if: \(terms), then: e, else: e }\n  e: { end: success }\n"
        let checked = result(text)
        #expect(checked.diagnostics.isEmpty, "\(Fixtures.golden(checked.diagnostics))")
        let condition = try #require(conditionOfFirstStep(checked.campaigns.first))
        #expect(height(condition) <= ReadingLimits.maximumNesting)
        // Lowering (and so both back ends) walks the same shallow tree.
        let flow = FlowLowering.lower(checked.checked[0])
        #expect(flow.states.count == 2)
    }

    @Test func everyOperatorLevelCountsTowardTheNestingLimit() {
        // 40 parentheses are within the limit, but each holds an `and` and a `==`: 80 levels of operators.
        let nested = String(repeating: "true and true == (", count: 40) + "true" + String(repeating: ")", count: 40)
        let diagnostics = check(Self.header + "  s: { if: \"\(nested)\", then: e, else: e }\n  e: { end: success }\n")
        #expect(diagnostics.map(\.rule) == [.expressionSyntax])
        #expect(diagnostics.first?.message.contains("nests deeper than 64 levels") == true)
        #expect(diagnostics.first?.location.line == 8)
    }

    @Test func chainsKeepTheirOperandsInOrder() throws {
        let checked = result(Self.header + "  s: { if: contact.orders > 1 or contact.scor > 2 or contact.ordrs > 3 or contact.score > 4, then: e, else: e }\n  e: { end: success }\n")
        #expect(Fixtures.golden(checked.diagnostics) == """
            c/v1.yaml:8:34: error: unknown contact field 'scor'; did you mean 'score'? [unknown-name]
            c/v1.yaml:8:54: error: unknown contact field 'ordrs'; did you mean 'orders'? [unknown-name]

            """)
    }

    // MARK: 2. Linear time

    @Test func aFoldedExpressionOfNearlyOneMebibyteMapsPositionsInOnePass() {
        let line = "      contact.score > 1 and\n"
        let count = 1_000_000 / line.utf8.count
        let text = Self.header + "  s:\n    if: >\n" + String(repeating: line, count: count)
            + "      contact.scor > 2\n    then: e\n    else: e\n  e: { end: success }\n"
        #expect(text.utf8.count < ReadingLimits.maximumFileBytes)
        let started = Date()
        let diagnostics = check(text)
        // Minutes before positions were mapped in one pass; well under a second in release.
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(Fixtures.golden(diagnostics) == """
            c/v1.yaml:\(10 + count):7: error: unknown contact field 'scor'; did you mean 'score'? [unknown-name]

            """)
    }

    @Test func manyUnknownFieldsAgainstALargeWorkspaceAreBounded() {
        let fields = (0..<30_000).map { "    field\($0): { type: int }\n" }.joined()
        let workspace = InputFile(path: "workspace.yaml",
                                  bytes: Array(("contact:\n  fields:\n" + fields + "events:\n  signup: {}\n").utf8))
        #expect(workspace.bytes.count < ReadingLimits.maximumFileBytes)
        let updates = (0..<10_000).map { "      feild\($0): 1\n" }.joined()
        let text = Self.header + "  s:\n    update_contact:\n" + updates + "    next: e\n  e: { end: success }\n"
        let started = Date()
        let diagnostics = check(text, workspace: workspace)
        #expect(Date().timeIntervalSince(started) < 20, "every pair was compared: 92 s in release")
        #expect(diagnostics.count == 10_000)
        #expect(diagnostics.allSatisfy { $0.rule == .unknownName || $0.rule == .unknownKey || $0.rule == .updateProtectedField })
        // Suggestions are still made where a candidate is close.
        #expect(diagnostics.first?.message.contains("did you mean 'field0'?") == true, "\(diagnostics.first?.message ?? "")")
    }

    @Test func theIndexSuggestsWhatTheScanSuggests() {
        let candidates = ["start", "steps", "status", "trigger", "repeat", "campaign", "version", "audience",
                          "exit_when", "timezone", "description", "name", "score", "orders", "email", "phone"]
        let index = Suggestions.Index(candidates)
        for name in ["strat", "step", "stauts", "triger", "repaet", "campain", "verison", "audeince", "exitwhen",
                     "timzone", "descripton", "nmae", "scor", "ordrs", "emial", "phon", "zzz", "s"] {
            #expect(index.nearest(to: name) == Suggestions.nearest(to: name, in: candidates), "\(name)")
        }
        #expect(index.nearest(to: "strat") == "start")
    }

    // MARK: 3. Number literals that do not fit

    @Test func numberLiteralsThatDoNotFitAreRefused() {
        let huge = "1" + String(repeating: "0", count: 400)
        let tiny = "0." + String(repeating: "0", count: 400) + "1"
        for (literal, message) in [(huge, "outside the range"), (huge + ".5", "too large"), (tiny, "too small"),
                                   ("1e400", "not a number")] {
            let diagnostics = check(Self.header + "  s: { if: contact.score > \(literal), then: e, else: e }\n  e: { end: success }\n")
            #expect(diagnostics.map(\.rule) == [.expressionSyntax], "\(literal)")
            #expect(diagnostics.first?.message.contains(message) == true, "\(diagnostics.first?.message ?? "")")
            #expect(diagnostics.first?.location == SourceLocation(file: "c/v1.yaml", line: 8, column: 28))
        }
        let workspace = InputFile(path: "workspace.yaml", bytes: Array("contact:\n  fields:\n    id: { type: string, key: true }\n    spend: { type: decimal }\nevents:\n  signup: {}\n".utf8))
        for literal in [huge, tiny] {
            let diagnostics = check(Self.header + "  s: { update_contact: { spend: \(literal) }, next: e }\n  e: { end: success }\n",
                                    workspace: workspace)
            #expect(diagnostics.map(\.rule) == [.typeMismatch], "\(Fixtures.golden(diagnostics))")
            #expect(diagnostics.first?.location.column == 33)
        }
        #expect(check(Self.header + "  s: { update_contact: { spend: 12.5 }, next: e }\n  e: { end: success }\n", workspace: workspace).isEmpty)
    }

    // MARK: 4. Exact positions

    @Test(arguments: ["\u{2028}", "\u{2029}", "\u{85}"])
    func lineBreaksLibYAMLCountsAreLineBreaksOfTheSourceMap(_ lineBreak: String) throws {
        let text = "campaign: c\nname: \"a\(lineBreak)b\"\nversion: 1\nstatus: draft\ntrigger: { event: signup }\nrepeat: once\nstart: s\nsteps:\n  s: { end: succes }\n"
        let checked = result(text)
        let diagnostic = try #require(checked.diagnostics.first)
        #expect(checked.diagnostics.map(\.rule) == [.wrongType])
        #expect(diagnostic.location == SourceLocation(file: "c/v1.yaml", line: 10, column: 13))
        let line = checked.sources["c/v1.yaml"]!.line(diagnostic.location.line)
        #expect(String(String.UnicodeScalarView(line)) == "  s: { end: succes }")
    }

    @Test func escapesInDoubleQuotedExpressionsKeepColumns() {
        let text = Self.header + #"  s: { if: "contact.phone == \"\t\u00e9\x41\" and contact.scor > 1", then: e, else: e }"# + "\n  e: { end: success }\n"
        #expect(Fixtures.golden(check(text)) == """
            c/v1.yaml:8:51: error: unknown contact field 'scor'; did you mean 'score'? [unknown-name]

            """)
    }

    @Test func escapedLineBreaksInDoubleQuotedExpressionsKeepLines() {
        let text = Self.header + "  s:\n    if: \"contact.orders > 1 and \\\n      contact.scor > 2\"\n    then: e\n    else: e\n  e: { end: success }\n"
        #expect(Fixtures.golden(check(text)) == """
            c/v1.yaml:10:7: error: unknown contact field 'scor'; did you mean 'score'? [unknown-name]

            """)
    }

    @Test func aFileWithAByteOrderMarkChecksClean() {
        let text = "\u{FEFF}" + Self.header + "  s: { end: success }\n"
        #expect(check(text).isEmpty)
        let broken = check("\u{FEFF}" + Self.header + "  s: { end: succes }\n")
        #expect(broken.first?.location == SourceLocation(file: "c/v1.yaml", line: 8, column: 13))
    }

    @Test func aCROnlyFileKeepsItsSourceExcerpt() throws {
        let text = (Self.header + "  s: { end: succes }\n").replacingOccurrences(of: "\n", with: "\r")
        let checked = result(text)
        let diagnostic = try #require(checked.diagnostics.first)
        #expect(diagnostic.location == SourceLocation(file: "c/v1.yaml", line: 8, column: 13))
        let rendered = TextRenderer(color: false).render(checked)
        #expect(rendered.contains("  s: { end: succes }\n            ^\n"), "\(rendered)")
        // CR LF counts once.
        let crlf = result((Self.header + "  s: { end: succes }\n").replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(crlf.diagnostics.first?.location == diagnostic.location)
        #expect(TextRenderer(color: false).render(crlf).contains("  s: { end: succes }\n            ^\n"))
    }

    @Test func invalidUTF8AfterCROnlyLinesIsLocated() {
        var bytes = Array("campaign: c\rversion: 1\rname: ".utf8)
        bytes += [0xFF]
        let diagnostics = Checker.check(workspace: Fixtures.workspace, files: [InputFile(path: "c/v1.yaml", bytes: bytes)]).diagnostics
        #expect(diagnostics.map(\.rule) == [.yamlSyntax])
        #expect(diagnostics.first?.location.line == 3)
    }

    // MARK: 5. Diagnostics that point at the cause

    @Test func aDedentedNextIsNamedAsAnIndentationMistakeAndNothingFollows() {
        for step in ["  a:\n    wait: 2d\n  next: e\n", "  a: { wait: 2d }\n  next: e\n"] {
            let diagnostics = check(Self.header.replacingOccurrences(of: "start: s", with: "start: a") + step + "  e: { end: success }\n")
            #expect(diagnostics.map(\.rule) == [.wrongType], "\(Fixtures.golden(diagnostics))")
            #expect(diagnostics.first?.message.contains("'next' is indented as a step") == true)
            #expect(diagnostics.first?.message.contains("under step 'a'") == true)
        }
    }

    @Test func anOverIndentedKeyIsNamedAsSuchWithoutTheQuotingHint() {
        let diagnostics = check(Self.header + "  s:\n    wait: 2d\n      next: e\n  e: { end: success }\n")
        #expect(diagnostics.map(\.rule) == [.yamlSyntax])
        let message = diagnostics.first?.message ?? ""
        #expect(message.contains("'next' is indented deeper than the key above it"), "\(message)")
        #expect(!message.contains("quote a condition"))
        // The hint stays where it applies: a labelled argument in an unquoted condition.
        let unquoted = check(Self.header + "  s:\n    if: received(category: welcome, within: 2d) > 1\n    then: e\n    else: e\n  e: { end: success }\n")
        #expect(unquoted.first?.message.contains("quote a condition that contains ': '") == true)
    }

    @Test func aMisspeltStepNameIsReportedAloneAsAnUnknownStep() {
        let text = Self.header + "  s: { wait: 1d, next: a }\n  a: { wait: 2d, next: ee }\n  e: { end: success }\n"
        let diagnostics = check(text)
        #expect(Fixtures.golden(diagnostics) == """
            c/v1.yaml:9:24: error: 'next' of step 'a' names step 'ee', which does not exist; did you mean 'e'? [unknown-step]

            """)
    }

    @Test func aMisspeltOutcomeIsNotFollowedByNoEnd() {
        let diagnostics = check(Self.header + "  s: { wait: 1d, next: e }\n  e: { end: succes }\n")
        #expect(diagnostics.map(\.rule) == [.wrongType])
    }
}
