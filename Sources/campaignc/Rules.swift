import ArgumentParser
import CampaignCompiler
import Foundation

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

/// `campaignc explain NAME`: a rule (why it matters, a failing and a fixed example), a function (its
/// signature and meaning) or a built-in event (its payload).
struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explain a rule, a function or a built-in event.",
        discussion: "A rule comes with a failing and a fixed example; a function with its signature; an event with its payload fields.")

    @Argument(help: "A rule id as printed in brackets after each diagnostic (see 'campaignc rules'), a function such as 'opened' or a built-in event such as 'cart_abandoned'.")
    var name: String

    func validate() throws {
        guard LanguageReference.explain(name) != nil else {
            let near = LanguageReference.explainableNames.min { a, b in
                a.commonPrefix(with: name).count > b.commonPrefix(with: name).count
            }
            throw ValidationError("unknown rule, function or event '\(name)'\(near.map { "; did you mean '\($0)'?" } ?? ""); "
                                  + "'campaignc rules' lists the rules and 'campaignc reference' everything")
        }
    }

    func run() {
        if let page = LanguageReference.explain(name) { print(page) }
    }
}

/// `campaignc reference`: the language reference in Markdown, as committed in docs/language.md.
struct Reference: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the language reference (docs/language.md) in Markdown.",
        discussion: "Every top-level key, step kind, built-in event, function and rule, from the compiler's tables and the JSON Schemas' descriptions. Regenerate the docs with '\(LanguageReference.command)'.")

    @Option(help: "The folder holding campaign.schema.json, workspace.schema.json and scenario.schema.json.")
    var schemas = "schemas"

    func run() throws {
        do {
            print(try LanguageReference.markdown(LanguageReference.Schemas.read(from: URL(fileURLWithPath: schemas))), terminator: "")
        } catch {
            FileHandle.standardError.write(Data("campaignc: error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
