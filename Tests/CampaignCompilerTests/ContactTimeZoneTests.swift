import CampaignFlows
import Foundation
import Testing
@testable import CampaignCompiler

/// `timezone: contact.FIELD` with `fallback_timezone` (v1.2): read with positions, checked against the
/// workspace's contact fields, lowered with the field and the fallback, and the file's own dates read in the
/// fallback zone. The golden fixtures (`bad-timezone`, `missing-key`, `unknown-key`, `unknown-name`,
/// `type-mismatch`, `wrong-type`) hold the other diagnostics.
@Suite struct ContactTimeZoneTests {
    private func check(_ top: String, trigger: String = "{ event: signup }") -> CheckResult {
        let text = "campaign: c\nversion: 1\nstatus: draft\ntrigger: \(trigger)\nrepeat: once\n" + top
            + "start: done\nsteps:\n  done: { end: success }\n"
        return Checker.check(workspace: Fixtures.workspace, files: [InputFile(path: "c/v1.yaml", bytes: Array(text.utf8))])
    }

    @Test func aContactZoneIsLoweredWithItsFieldAndFallback() throws {
        let result = check("timezone: contact.timezone\nfallback_timezone: Asia/Tokyo\n")
        #expect(result.diagnostics.isEmpty, "\(Fixtures.golden(result.diagnostics))")
        let definition = try #require(CompiledModule.lowered(result).first)
        #expect(definition.timezone == "Asia/Tokyo")
        #expect(definition.contactTimezoneField == "timezone")
    }

    @Test func theFilesDatesAreReadInTheFallbackZone() throws {
        let result = check("timezone: contact.timezone\nfallback_timezone: Asia/Tokyo\n", trigger: "{ at: [2026-12-01T09:00:00] }")
        #expect(result.diagnostics.isEmpty, "\(Fixtures.golden(result.diagnostics))")
        let definition = try #require(CompiledModule.lowered(result).first)
        // 09:00 in Tokyo (UTC+9) is 00:00 UTC.
        #expect(definition.trigger == .dates([Value.parseInstant("2026-12-01T00:00:00Z", timeZone: TimeZone(identifier: "UTC")!)!]))
    }

    @Test func aCampaignInOneZoneStoresNoFieldSoStoredDefinitionsReadAsBefore() throws {
        let definition = try #require(CompiledModule.lowered(check("timezone: Europe/Paris\n")).first)
        #expect(definition.contactTimezoneField == nil)
        let json = String(decoding: try JSONEncoder().encode(definition), as: UTF8.self)
        #expect(json.contains("\"timezone\":\"Europe\\/Paris\""))
        #expect(!json.contains("contactTimezoneField"))
    }

    @Test func theFallbackIsRequiredAndAppliesOnlyToAContactField() {
        #expect(Fixtures.golden(check("timezone: contact.timezone\n").diagnostics) == """
            c/v1.yaml:6:11: error: 'timezone: contact.timezone' needs 'fallback_timezone', the zone of contacts whose field is absent or names no zone [missing-key]

            """)
        #expect(Fixtures.golden(check("fallback_timezone: Europe/Paris\n").diagnostics) == """
            c/v1.yaml:6:1: error: 'fallback_timezone' applies only with 'timezone: contact.FIELD', and this campaign has no 'timezone' [unknown-key]

            """)
        #expect(Fixtures.golden(check("timezone: contact.timezone\nfallback_timezone: UTC+2\n").diagnostics) == """
            c/v1.yaml:7:20: error: 'UTC+2' is a fixed offset, not an IANA time zone; use a region's name such as 'Europe/Paris' [bad-timezone]

            """)
    }

    @Test func theFieldMustBeAStringFieldOfTheWorkspace() {
        #expect(Fixtures.golden(check("timezone: contact.tz\nfallback_timezone: Europe/Paris\n").diagnostics)
                .hasPrefix("c/v1.yaml:6:11: error: unknown contact field 'tz'"))
        #expect(check("timezone: contact.score\nfallback_timezone: Europe/Paris\n").diagnostics.map(\.rule) == [.typeMismatch])
        #expect(check("timezone: \"contact.\"\nfallback_timezone: Europe/Paris\n").diagnostics.map(\.rule) == [.expressionSyntax])
    }

    /// A scenario of a schedule with contact time zones waits for the firing in each contact's zone: the
    /// fallback zone's firing, earlier, does not settle a contact who lives where 09:00 comes later.
    @Test func aScenarioWaitsForTheFiringInTheContactsZone() async throws {
        let campaign = """
            campaign: c
            version: 1
            status: published
            trigger: { schedule: "0 9 * * *" }
            timezone: contact.timezone
            fallback_timezone: Europe/Paris
            repeat: once
            start: send
            steps:
              send: { send_email: welcome, next: done }
              done: { end: success }

            """
        // 09:00 is 07:00Z in Paris and 13:00Z in New York on 2026-05-04; times without an offset are Paris's.
        let scenario = """
            campaign: c
            version: 1
            cases:
              - name: a New Yorker enters at 09:00 New York time
                contact: { id: n1, email: n1@example.com, timezone: America/New_York }
                events: [{ at: 2026-05-04T05:00:00Z, event: signup }]
                expect: { sent: [{ step: send, at: 2026-05-04T13:00:00Z }], outcome: success }
              - name: a contact without a zone enters at 09:00 in Paris
                contact: { id: p1, email: p1@example.com }
                events: [{ at: 2026-05-04T05:00:00Z, event: signup }]
                expect: { sent: [{ step: send, at: 2026-05-04T09:00:00 }], outcome: success }

            """
        let result = Checker.check(workspace: Fixtures.workspace, files: [InputFile(path: "c/v1.yaml", bytes: Array(campaign.utf8)),
                                                                         InputFile(path: "c/tests/zones.yaml", bytes: Array(scenario.utf8))])
        #expect(result.errorCount == 0, "\(Fixtures.golden(result.diagnostics))")
        let scenarioFile = try #require(result.scenarios.first)
        let cases = await ScenarioRunner.run(scenarioFile, campaigns: result.checked, workspace: result.workspace)
        #expect(cases.count == 2)
        for scenarioCase in cases { #expect(scenarioCase.failures.isEmpty, "\(scenarioCase.name): \(scenarioCase.failures)") }
    }
}
