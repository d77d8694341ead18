import Testing
@testable import CampaignCompiler

/// The rule registry (``RuleCatalog``) against the compiler and the golden fixtures: every rule id the
/// compiler can emit has exactly one complete entry, and the phases an entry lists are exactly those in
/// which the golden fixtures see the rule raised.
@Suite struct RuleRegistryTests {
    @Test func everyRuleIDHasExactlyOneEntry() {
        let registered = RuleCatalog.all.map(\.id)
        for id in RuleID.allCases {
            #expect(registered.count { $0 == id } == 1, "'\(id.rawValue)' is registered \(registered.count { $0 == id }) times")
        }
        #expect(registered.count == RuleID.allCases.count)
    }

    @Test func everyEntryIsComplete() {
        for rule in RuleCatalog.all {
            let id = rule.id.rawValue
            #expect(!rule.summary.isEmpty && !rule.rationale.isEmpty, "'\(id)' lacks a summary or rationale")
            #expect(!rule.failingExample.isEmpty && rule.failingExample != rule.fixedExample,
                    "'\(id)' needs a failing example and a different fixed one")
            #expect(!rule.phases.isEmpty, "'\(id)' names no phase")
            #expect(rule.phases == Array(Set(rule.phases)).sorted(), "'\(id)' must list its phases once each, in the order they run")
        }
    }

    /// Each diagnostic carries the phase that raised it; over all failing fixtures, the phases seen for each
    /// rule must be exactly the registered ones: a phase raising an unregistered rule, or a registered phase
    /// that no fixture exercises, fails.
    @Test func registeredPhasesAreThoseTheFixturesRaise() {
        var seen: [RuleID: Set<RulePhase>] = [:]
        for name in Fixtures.names("err") {
            for diagnostic in Fixtures.check("err", name).diagnostics {
                seen[diagnostic.rule, default: []].insert(diagnostic.phase)
            }
        }
        for rule in RuleCatalog.all {
            let raised = (seen[rule.id] ?? []).sorted()
            #expect(raised == rule.phases,
                    "'\(rule.id.rawValue)' is registered for \(rule.phases.map(\.rawValue)) but the fixtures raise it in \(raised.map(\.rawValue))")
        }
    }
}
