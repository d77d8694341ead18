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
}
