import ArgumentParser
import CampaignCompiler

/// `campaignc rules`: every rule id with its severity and summary.
struct Rules: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List every rule with its severity and what it catches.")

    func run() {
        let width = RuleID.allCases.map(\.rawValue.count).max() ?? 0
        for id in RuleID.allCases {
            let rule = id.rule
            let name = id.rawValue.padding(toLength: width, withPad: " ", startingAt: 0)
            let severity = rule.severity.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
            print("\(name)  \(severity)  \(rule.summary)")
        }
    }
}

/// `campaignc explain RULE`: what a rule catches, why, and a failing and a fixed example.
struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Explain one rule, with a failing and a fixed example.")

    @Argument(help: "A rule id, as printed in brackets after each diagnostic (see 'campaignc rules').")
    var rule: String

    func validate() throws {
        guard RuleID(rawValue: rule) != nil else {
            let near = RuleID.allCases.map(\.rawValue).min { a, b in
                a.commonPrefix(with: rule).count > b.commonPrefix(with: rule).count
            }
            throw ValidationError("unknown rule '\(rule)'\(near.map { "; did you mean '\($0)'?" } ?? ""); 'campaignc rules' lists them")
        }
    }

    func run() {
        let rule = RuleID(rawValue: self.rule)!.rule
        print("""
            \(rule.id.rawValue) (\(rule.severity.rawValue))

            \(rule.summary).

            \(rule.rationale)

            Fails:
            \(indent(rule.failingExample))
            Passes:
            \(indent(rule.fixedExample))
            """)
    }

    private func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "    \($0)" }.joined(separator: "\n")
    }
}
