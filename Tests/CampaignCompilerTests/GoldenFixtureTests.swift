import Foundation
import Testing
@testable import CampaignCompiler

/// actionlint-style golden tests: every rule has a failing fixture with its exact diagnostics and a
/// near-identical passing one.
@Suite struct GoldenFixtureTests {
    @Test(arguments: Fixtures.names("err"))
    func failingFixtureGivesExactlyItsExpectedDiagnostics(name: String) throws {
        let actual = Fixtures.golden(Fixtures.check("err", name).diagnostics)
        let expectedURL = Fixtures.root.appendingPathComponent("err/\(name).out")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try actual.write(to: expectedURL, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: expectedURL, encoding: .utf8)
        #expect(actual == expected)
        #expect(actual.contains("[\(name)]"), "the fixture err/\(name) must raise its own rule")
    }

    @Test(arguments: Fixtures.names("ok"))
    func passingFixtureIsClean(name: String) {
        let diagnostics = Fixtures.check("ok", name).diagnostics
        #expect(diagnostics.isEmpty, "\(Fixtures.golden(diagnostics))")
    }

    @Test func everyRuleHasAFailingAndAPassingFixture() {
        let failing = Set(Fixtures.names("err")), passing = Set(Fixtures.names("ok"))
        for rule in RuleID.allCases {
            #expect(failing.contains(rule.rawValue), "no err/\(rule.rawValue) fixture")
            #expect(passing.contains(rule.rawValue), "no ok/\(rule.rawValue) fixture")
        }
    }
}
