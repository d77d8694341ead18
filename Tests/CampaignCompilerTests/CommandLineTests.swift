import Foundation
import Testing
@testable import CampaignCompiler

/// The `campaignc` executable: exit statuses, output formats, paths and help.
@Suite struct CommandLineTests {
    private let fixtures = Fixtures.root

    @Test func bundledCampaignsCheckClean() throws {
        let output = try CampaigncProcess.run(["check", "campaigns"])
        #expect(output.status == 0, "\(output.stdout)")
        #expect(output.stdout.isEmpty)
        #expect(output.stderr.contains("0 errors, 0 warnings"))
    }

    @Test func errorsExitWithOneAndPrintTheSwiftCompilerLayout() throws {
        let output = try CampaigncProcess.run(["check", "err/channel-mismatch", "--workspace", "workspace.yaml"], in: fixtures)
        #expect(output.status == 1)
        #expect(output.stdout == """
            err/channel-mismatch/c/v1.yaml:8:24: error: 'send_email' cannot send 'flash', whose channel is sms; use 'send_sms' [channel-mismatch]
              send:  { send_email: flash, next: wait }
                                   ^
            workspace.yaml:19:3: note: 'flash' is declared here
              flash:    { channel: sms }
              ^

            """)
    }

    @Test func warningsFailOnlyWithStrict() throws {
        let arguments = ["check", "err/unreachable-step", "--workspace", "workspace.yaml"]
        #expect(try CampaigncProcess.run(arguments, in: fixtures).status == 0)
        #expect(try CampaigncProcess.run(arguments + ["--strict"], in: fixtures).status == 1)
    }

    @Test func usageAndInputFailuresExitWithTwo() throws {
        #expect(try CampaigncProcess.run(["check", "--format", "xml"]).status == 2)
        #expect(try CampaigncProcess.run(["check", "no/such/folder"]).status == 2)
        #expect(try CampaigncProcess.run(["explain", "no-such-rule"]).status == 2)
        let noWorkspace = try CampaigncProcess.run(["check", "/proc/version"], in: URL(fileURLWithPath: "/"))
        #expect(noWorkspace.status == 2)
        #expect(noWorkspace.stderr.contains("no workspace.yaml found"))
    }

    @Test func colourOnlyOnATerminalAndNeverWithNoColor() throws {
        // A pipe is not a terminal: no escape codes, whatever NO_COLOR says.
        let output = try CampaigncProcess.run(["check", "err/channel-mismatch", "--workspace", "workspace.yaml"],
                                              in: fixtures, environment: ["NO_COLOR": "1"])
        #expect(!output.stdout.contains("\u{1B}["))
        #expect(TextRenderer(color: true).render(Fixtures.check("err", "channel-mismatch")).contains("\u{1B}[1;31merror:"))
    }

    @Test func githubFormatWritesWorkflowCommands() throws {
        let output = try CampaigncProcess.run(["check", "err/exit-on-trigger", "--workspace", "workspace.yaml", "--format", "github"],
                                              in: fixtures)
        #expect(output.status == 1)
        #expect(output.stdout == "::error file=err/exit-on-trigger/c/v1.yaml,line=8,col=12,title=exit-on-trigger::exit on the trigger's own event 'purchase' with no 'where': every contact would leave at once%0Anote: the trigger is 'purchase' here (err/exit-on-trigger/c/v1.yaml:4:19)\n")
    }

    @Test func jsonFormatCarriesEveryField() throws {
        let output = try CampaigncProcess.run(["check", "err/duplicate-key", "--workspace", "workspace.yaml", "--format", "json"],
                                              in: fixtures)
        let document = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
        let diagnostics = document?["diagnostics"] as? [[String: Any]]
        #expect(diagnostics?.count == 1)
        #expect(diagnostics?.first?["rule"] as? String == "duplicate-key")
        #expect(diagnostics?.first?["line"] as? Int == 11)
        #expect(diagnostics?.first?["column"] as? Int == 5)
        #expect((diagnostics?.first?["notes"] as? [[String: Any]])?.first?["line"] as? Int == 10)
        #expect((document?["summary"] as? [String: Int])?["errors"] == 1)
    }

    @Test func sarifOutputValidatesAgainstTheOASISSchema() throws {
        let output = try CampaigncProcess.run(["check", "err", "--workspace", "workspace.yaml", "--format", "sarif"], in: fixtures)
        #expect(output.status == 1)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("campaignc-\(UUID().uuidString).sarif")
        try output.stdout.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let schema = Fixtures.shared.appendingPathComponent("sarif/sarif-schema-2.1.0.json")
        let verdicts = try SchemaValidator.validate(["--schema", schema.path, file.path])
        #expect(verdicts[file.path] == [], "\(verdicts)")
        let log = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
        let results = ((log?["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]) ?? []
        #expect(results.count == Fixtures.check("err", "").diagnostics.count)
    }

    @Test func outputIsTheSameFromRunToRun() throws {
        let arguments = ["check", "err", "--workspace", "workspace.yaml", "--format", "json"]
        #expect(try CampaigncProcess.run(arguments, in: fixtures).stdout == CampaigncProcess.run(arguments, in: fixtures).stdout)
    }

    @Test func rulesListsEveryRuleAndExplainShowsExamples() throws {
        let rules = try CampaigncProcess.run(["rules"])
        #expect(rules.status == 0)
        for id in RuleID.allCases { #expect(rules.stdout.contains(id.rawValue + " ")) }
        let explain = try CampaigncProcess.run(["explain", "post-send-without-wait"])
        #expect(explain.status == 0)
        #expect(explain.stdout.contains("Fails:"))
        #expect(explain.stdout.contains("wait_2d: { wait: 2d, next: check }"))
        let function = try CampaigncProcess.run(["explain", "received"])
        #expect(function.status == 0 && function.stdout.contains("received(category: C, within: D) -> int"))
        let event = try CampaigncProcess.run(["explain", "link_clicked"])
        #expect(event.status == 0 && event.stdout.contains("link  ") && event.stdout.contains("Payload:"))
        let unknown = try CampaigncProcess.run(["explain", "opend"])
        #expect(unknown.status == 2 && unknown.stderr.contains("did you mean 'opened'?"))
    }

    @Test func referencePrintsTheCommittedLanguageReference() throws {
        let reference = try CampaigncProcess.run(["reference"])
        #expect(reference.status == 0)
        let committed = try String(contentsOf: Fixtures.repository.appendingPathComponent("docs/language.md"), encoding: .utf8)
        #expect(reference.stdout == committed)
        let noSchemas = try CampaigncProcess.run(["reference", "--schemas", "no-such-folder"])
        #expect(noSchemas.status == 2 && noSchemas.stderr.contains("no-such-folder"))
    }

    @Test func helpReadsWell() throws {
        let help = try CampaigncProcess.run(["check", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--workspace <file>"))
        #expect(help.stdout.contains("Exit status: 0"))
    }
}
