import CampaignFlows
import Foundation
import Testing
@testable import CampaignCompiler

/// docs/language.md is what `campaignc reference` writes today, and `campaignc explain` knows every rule,
/// function and built-in event.
@Suite struct LanguageReferenceTests {
    static var schemas: LanguageReference.Schemas {
        get throws { try LanguageReference.Schemas.read(from: Fixtures.repository.appendingPathComponent("schemas")) }
    }

    @Test func theCommittedReferenceIsUpToDate() throws {
        let generated = try LanguageReference.markdown(Self.schemas)
        let committed = try String(contentsOf: Fixtures.repository.appendingPathComponent("docs/language.md"), encoding: .utf8)
        #expect(committed == generated, "docs/language.md is out of date: regenerate it with `\(LanguageReference.command)`")
    }

    @Test func theReferenceListsEveryTableEntry() throws {
        let text = try LanguageReference.markdown(Self.schemas)
        for kind in [FileKind.campaign, .workspace, .scenario] {
            for key in kind.topLevelKeys { #expect(text.contains("| `\(key.name)` |")) }
        }
        for kind in StepKindDeclaration.all { #expect(text.contains("| `\(kind.name)` |")) }
        for event in BuiltInEvent.allCases { #expect(text.contains("| `\(event.rawValue)` |")) }
        for function in ExpressionFunction.allCases { #expect(text.contains("| `\(function.signature)` |")) }
        for id in RuleID.allCases { #expect(text.contains("| `\(id.rawValue)` |")) }
    }

    @Test func aSchemaThatDisagreesWithTheReadersIsRefused() throws {
        let schemas = try Self.schemas
        var campaign = try #require(schemas.files[.campaign])
        campaign.properties?["audience"] = nil
        var missing = schemas.files
        missing[.campaign] = campaign
        #expect(throws: ReferenceError.self) { try LanguageReference.markdown(LanguageReference.Schemas(files: missing)) }

        var workspace = try #require(schemas.files[.workspace])
        workspace.properties?["quotas"] = LanguageReference.SchemaNode(description: "quotas")
        var extra = schemas.files
        extra[.workspace] = workspace
        do {
            _ = try LanguageReference.markdown(LanguageReference.Schemas(files: extra))
            Issue.record("a key the reader does not take was documented")
        } catch {
            #expect(error.description.contains("'quotas'"))
        }
    }

    @Test func explainKnowsEveryRuleFunctionAndEvent() throws {
        for name in LanguageReference.explainableNames { #expect(LanguageReference.explain(name) != nil, "\(name)") }
        let opened = try #require(LanguageReference.explain("opened"))
        #expect(opened.hasPrefix("opened(S) -> bool (function)"))
        let cart = try #require(LanguageReference.explain("cart_abandoned"))
        #expect(cart.contains("cart_id") && cart.contains("total") && cart.contains("decimal"))
        let subscribed = try #require(LanguageReference.explain("subscribed"))
        #expect(subscribed.contains("(function)") && subscribed.contains("(built-in event)"), "a function and an event share the name")
        let rule = try #require(LanguageReference.explain("unknown-name"))
        #expect(rule.contains("Raised while reading a file") && rule.contains("checking scenario files against their campaign"))
        #expect(LanguageReference.explain("openned") == nil)
    }
}
