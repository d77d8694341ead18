import CampaignFlows
import CampaignSynthesis
import Foundation
import Testing
@testable import CampaignCompiler

/// A campaign that checks clean but is built to break generated code: a few hundred steps, or-chains of 300
/// comparisons, step ids named like what Swift or the generated code declares, extreme literals and text
/// that needs escaping. Compiled through the command line's path, built with `swiftc` against the runtime,
/// and run beside the interpreter on the same contexts.
@Suite struct BuiltCampaignTests {
    static let stepNames = ["RawValue", "Type", "self", "init", "Step", "default", "AllCases", "Self", "é🙂", "step",
                            "lowered", "interpreter", "context", "state", "chain0", "steps1"]

    /// `blocks` blocks of 13 steps: a send, a wait, an or-chain of 300 comparisons, a branch on extreme
    /// numbers and a string full of quotes and hashes, tags holding U+2028, updates to the largest integers,
    /// a post-send condition against 1e300, a split, a wait_until, a list of non-ASCII text, and waits.
    static func campaign(blocks: Int) -> String {
        let chain = (0..<300).map { "contact.score == \($0)" }.joined(separator: " or ")
        func ids(_ block: Int) -> [String] {
            (0..<13).map { block == 0 ? stepNames[$0] : "\(stepNames[(block * 4 + $0) % stepNames.count])_\(block)" }
        }
        var text = #"""
            campaign: hostile
            version: 1
            status: published
            name: "Ünïcödé \u202E \"\"\"# campaign"
            trigger:
              event: purchase
              where: event.total > 1.7976931348623157e308 or event.total < 4.9e-324 or event.total == 0.1
            audience: contact.score != 9223372036854775807 and contact.orders > -9223372036854775807
            repeat: once
            start: RawValue
            steps:

            """#
        for block in 0..<blocks {
            let i = ids(block)
            let next = block + 1 < blocks ? ids(block + 1)[0] : "done"
            text += #"""
                  "\#(i[0])": { send_email: mail, next: "\#(i[1])" }
                  "\#(i[1])": { wait: 1h, next: "\#(i[2])" }
                  "\#(i[2])": { if: "\#(chain)", then: "\#(i[3])", else: "\#(i[6])" }
                  "\#(i[3])":
                    branch:
                      - { when: contact.score > -9223372036854775807, next: "\#(i[4])" }
                      - { when: "contact.email == \"fr\\\"#\\\"\\\"\\\"##\" and not (contact.score < 9223372036854775807)", next: "\#(i[5])" }
                    otherwise: "\#(i[6])"
                  "\#(i[4])": { add_tags: ["t\u2028\#(block)"], next: "\#(i[7])" }
                  "\#(i[5])": { update_contact: { score: 9223372036854775807 }, next: "\#(i[7])" }
                  "\#(i[6])": { update_contact: { score: -9223372036854775807 }, next: "\#(i[7])" }
                  "\#(i[7])": { if: "opened(\"\#(i[0])\") and contact.score >= 1.0e300", then: "\#(i[8])", else: "\#(i[9])" }
                  "\#(i[8])": { split: [{ weight: 33, next: "\#(i[10])" }, { weight: 67, next: "\#(i[11])" }] }
                  "\#(i[9])": { wait_until: { days: [mon], at: "09:00" }, next: "\#(i[10])" }
                  "\#(i[10])": { if: "contact.email in [\"female\", \"é\u2028🙂\u202E\"]", then: "\#(i[12])", else: "\#(i[11])" }
                  "\#(i[11])": { wait: 1d, next: "\#(i[12])" }
                  "\#(i[12])": { wait: 2d, next: "\#(next)" }

                """#
        }
        return text + "  done: { end: success }\n"
    }

    /// Runs every state, the audience, the trigger's filter and the exits of `HostileV1` and of the
    /// interpreter on its own lowered form, on contacts and events at the literals' edges, and prints each
    /// disagreement, then how many answers were compared.
    static let differentialMain = #"""
        import CampaignFlows
        import Foundation

        let compiled = HostileV1()
        let interpreted = FlowInterpreter(compiled.definition)
        let scores: [Value] = [.int(0), .int(1), .int(299), .int(300), .int(Int.max), .int(-Int.max), .decimal(1e300), .null]
        let emails: [Value] = [.string("female"), .string("é\u{2028}🙂\u{202E}"), .string("fr\"#\"\"\"##"), .string("x"), .null]
        let totals: [Value] = [.decimal(.greatestFiniteMagnitude), .decimal(.infinity), .decimal(.leastNonzeroMagnitude), .decimal(0.1), .int(0)]
        var compared = 0
        for (index, score) in scores.enumerated() {
            for email in emails {
                var contact = ContactProfile(id: "c")
                contact.fields = ["score": score, "email": email, "orders": scores[(index + 3) % scores.count]]
                let total = totals[index % totals.count]
                var a = FlowContext(now: 1_780_000_000, contact: contact, event: ["total": total], campaign: "hostile",
                                    version: 1, timeZone: TimeZone(secondsFromGMT: 0) ?? .current)
                var b = a
                func agree<T: Equatable>(_ what: String, _ x: T, _ y: T) {
                    compared += 1
                    if x != y { print("disagree: \(what) score \(score) email \(email): \(x) != \(y)") }
                }
                for state in -1...compiled.definition.states.count {
                    let expected: StepResult = compiled.definition.states.indices.contains(state) ? interpreted.step(state, &b) : .stop
                    agree("state \(state)", compiled.step(state, &a), expected)
                }
                agree("audience", compiled.audience(&a), interpreted.audience(&b))
                for trigger in 0...compiled.definition.trigger.eventTriggers.count {
                    agree("trigger \(trigger)", compiled.triggerFilter(trigger, &a), interpreted.triggerFilter(trigger, &b))
                }
                for exit in compiled.definition.exits.indices { agree("exit \(exit)", compiled.exitHolds(exit, &a), interpreted.exitHolds(exit, &b)) }
            }
        }
        print("states \(compiled.definition.states.count) compared \(compared)")
        """#

    @Test func aHostileCampaignOfAFewHundredStepsBuildsAndRunsLikeTheInterpreter() throws {
        let blocks = 22
        let result = Checker.check(workspace: InputFile(path: "workspace.yaml", bytes: Array(SyntheticCampaigns.workspace.utf8)),
                                   files: [InputFile(path: "hostile/v1.yaml", bytes: Array(Self.campaign(blocks: blocks).utf8))])
        #expect(result.diagnostics.isEmpty, "\(Fixtures.golden(result.diagnostics))")
        let definition = try #require(CompiledModule.lowered(result).first)
        #expect(definition.states.count == blocks * 13 + 1)
        // As `campaignc compile --combined` writes it (every step compiled), and with only the conditions
        // compiled, as in flows of more than `SwiftEmitter.wholeFlowCompiledUpTo` states.
        let whole = try CompiledModule.swift(result, combined: true).files[0].contents
        let conditionsOnly = try SwiftEmitter(definition, typeName: "HostileV1", wholeFlowUpTo: 0).emit()
        #expect(whole.contains("/// Every step, compiled.") && conditionsOnly.contains("Self.interpreter.step(state, &context)"))
        for source in [whole, conditionsOnly] {
            try buildAndCompare(source, states: definition.states.count)
        }
    }

    private func buildAndCompare(_ source: String, states: Int) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("campaignc-built-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let generated = folder.appendingPathComponent("CompiledCampaigns.swift"), main = folder.appendingPathComponent("main.swift")
        try source.write(to: generated, atomically: true, encoding: .utf8)
        try Self.differentialMain.write(to: main, atomically: true, encoding: .utf8)

        // The objects of `CampaignFlows` alone, as the test bundle was linked with them: generated code needs
        // nothing of the engine.
        let flows = GeneratedCodeTests.modules.deletingLastPathComponent().appendingPathComponent("CampaignFlows.build")
        let objects = try FileManager.default.contentsOfDirectory(atPath: flows.path).filter { $0.hasSuffix(".o") }
            .sorted().map { flows.appendingPathComponent($0).path }
        #expect(!objects.isEmpty, "no CampaignFlows objects in \(flows.path)")
        let binary = folder.appendingPathComponent("hostile")
        let build = try GeneratedCodeTests.swiftc(["-swift-version", "6", "-warnings-as-errors", "-I", GeneratedCodeTests.modules.path,
                                                   generated.path, main.path] + objects + ["-o", binary.path])
        #expect(build.status == 0, "\(build.output.prefix(3000))")
        guard build.status == 0 else { return }

        let lines = try CampaigncProcess.runExecutable(binary).split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("disagree") }.isEmpty, "\(lines.prefix(20))")
        // 40 contexts, each comparing every state and one on either side, the audience, and the trigger and
        // one index past it.
        #expect(lines.last == "states \(states) compared \(40 * (states + 2 + 3))", "\(lines.suffix(3))")
    }
}
