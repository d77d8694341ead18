import CampaignRuntime
import Foundation
import Testing
@testable import CampaignCompiler

/// Generated Swift is safe whatever the campaign files hold: random Unicode in names, notes, step ids and
/// message ids always gives code that compiles, and string literals hold exactly the original text.
@Suite struct GeneratedCodeTests {
    /// Fragments that break naive generators, mixed into the random strings.
    static let hostile = ["\"\"\"", "\\(", "\"#", "#\"", "*/", "/*", "//", "\n", "\r\n", "\u{0}", "\u{202E}", "\u{2066}",
                          "\u{200B}", "\\", "\"", "'", "`", "$0", "#if", "}", "{", "default", "self", "Self", "init",
                          "rawValue", "Type", "case", "_", "0", "é", "🙂", "\u{1F3F3}\u{FE0F}\u{200D}\u{1F308}", " "]

    static func randomString(_ g: inout SeededRandom) -> String {
        var text = ""
        for _ in 0..<Int.random(in: 0...6, using: &g) {
            if Bool.random(using: &g) {
                text += hostile.randomElement(using: &g)!
            } else {
                // Any scalar: ASCII, Latin, the BMP or beyond (surrogates are not scalars).
                let ranges: [ClosedRange<UInt32>] = [0...0x7F, 0x80...0x24F, 0x250...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF]
                let range = ranges.randomElement(using: &g)!
                if let scalar = Unicode.Scalar(UInt32.random(in: range, using: &g)) { text.unicodeScalars.append(scalar) }
            }
        }
        return text
    }

    /// A flow whose every name is random: `states` steps, each a send of a random message with a random note.
    static func randomDefinition(_ g: inout SeededRandom, states: Int) -> (FlowDefinition, strings: Int) {
        var ids: [String] = (0..<states).map { _ in randomString(&g) }
        ids.append(randomString(&g))  // the end
        var messages: [String: FlowMessage] = [:]
        var flowStates: [FlowState] = []
        for index in 0..<states {
            let message = randomString(&g)
            messages[message] = FlowMessage(channel: "email", category: randomString(&g))
            flowStates.append(FlowState(id: ids[index], line: index + 1, note: randomString(&g),
                                        step: .send(channel: "email", message: message, approval: false, optimized: false, next: index + 1)))
        }
        flowStates.append(FlowState(id: ids[states], line: states + 1,
                                    step: .condition(.compare(.equal, .field(randomString(&g)), .literal(.string(randomString(&g)))),
                                                     then: 0, else: 0)))
        let definition = FlowDefinition(
            campaign: "c", version: 1, status: .published, name: randomString(&g), source: randomString(&g), timezone: "UTC",
            trigger: .event(randomString(&g), filter: nil), audience: .call(.hasTag, [.name(randomString(&g))]), leaveWhenOutOfAudience: false,
            repeatPolicy: .many, exits: [], start: 0, states: flowStates, messages: messages)
        // ids + per state (message, category, note) + condition field and literal + name, source, trigger, tag
        return (definition, ids.count + states * 3 + 2 + 4)
    }

    static var modules: URL {
        let products = CampaigncProcess.executable.deletingLastPathComponent()
        return products.appendingPathComponent("Modules")
    }

    static func swiftc(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["swiftc"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    @Test func tenThousandRandomStringsGiveCodeThatCompiles() throws {
        var g = SeededRandom(seed: 2026)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("campaignc-generated-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var strings = 0
        var files: [String] = []
        for index in 0..<20 {
            let (definition, count) = Self.randomDefinition(&g, states: 130)
            strings += count
            let file = folder.appendingPathComponent("Flow\(index).swift")
            try SwiftEmitter(definition, typeName: "Flow\(index)").emit().write(to: file, atomically: true, encoding: .utf8)
            files.append(file.path)
        }
        #expect(strings >= 10_000)
        let result = try Self.swiftc(["-typecheck", "-swift-version", "6", "-I", Self.modules.path] + files)
        #expect(result.status == 0, "\(result.output.prefix(3000))")
    }

    @Test func stringLiteralsHoldExactlyTheirText() throws {
        var g = SeededRandom(seed: 7)
        let texts = (0..<300).map { _ in Self.randomString(&g) } + Self.hostile
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("campaignc-literals-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // The program prints each literal's scalars in hex, one line per literal.
        let body = texts.map { "print(\(SwiftLiteral.string($0)).unicodeScalars.map { String($0.value, radix: 16) }.joined(separator: \" \"))" }
        let source = folder.appendingPathComponent("main.swift")
        try body.joined(separator: "\n").write(to: source, atomically: true, encoding: .utf8)
        let binary = folder.appendingPathComponent("literals")
        let build = try Self.swiftc([source.path, "-o", binary.path])
        #expect(build.status == 0, "\(build.output.prefix(3000))")
        let run = try CampaigncProcess.runExecutable(binary)
        let expected = texts.map { $0.unicodeScalars.map { String($0.value, radix: 16) }.joined(separator: " ") }
        #expect(run.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) == expected)
    }

    @Test func commentsStayOnOneLineWithNoBidiControls() {
        for text in Self.hostile {
            let comment = SwiftLiteral.comment(text)
            #expect(!comment.contains("\n") && !comment.contains("\r") && !comment.unicodeScalars.contains("\u{202E}"))
        }
    }

    @Test func stepIDsThatSanitizeAlikeGetDistinctIdentifiers() {
        let names = SwiftIdentifier.unique(["a-b", "a_b", "a b", "a_b_2", "default", "1st", "é", "_", ""])
        #expect(Set(names).count == names.count)
        // `a_b_2` keeps its own name; the later `a_b`s skip it.
        #expect(names == ["a_b", "a_b_3", "a_b_4", "a_b_2", "default_", "_1st", "__", "___2", "___3"])
    }

    /// A flow whose steps are named `ids`, each waiting a minute, the last one an end; `condition` is the
    /// first step's test.
    static func definition(ids: [String], condition: FlowExpression = .literal(.bool(true))) -> FlowDefinition {
        var states = ids.enumerated().map { index, id in
            FlowState(id: id, line: index + 2, step: index == ids.count - 1 ? .end("success") : .wait(seconds: 60, next: index + 1))
        }
        states.insert(FlowState(id: "check", line: 1, step: .condition(condition, then: 1, else: ids.count)), at: 0)
        for index in states.indices.dropFirst() where index < states.count - 1 {
            states[index].step = .wait(seconds: 60, next: index + 1)
        }
        return FlowDefinition(
            campaign: "c", version: 1, status: .published, name: nil, source: "c/v1.yaml", timezone: "UTC",
            trigger: .event("signup", filter: condition), audience: condition, leaveWhenOutOfAudience: false, repeatPolicy: .many,
            exits: [.condition(condition)], start: 0, states: states, messages: [:])
    }

    /// Type-checks each definition's generated file and returns swiftc's verdict.
    static func typecheck(_ definitions: [FlowDefinition]) throws -> (status: Int32, output: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("campaignc-shapes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var files: [String] = []
        for (index, definition) in definitions.enumerated() {
            let file = folder.appendingPathComponent("Shape\(index).swift")
            try SwiftEmitter(definition, typeName: "Shape\(index)V1").emit().write(to: file, atomically: true, encoding: .utf8)
            files.append(file.path)
        }
        return try swiftc(["-typecheck", "-swift-version", "6", "-I", modules.path] + files)
    }

    /// Names the generated code declares or relies on inside the `Step` enum, as step ids.
    static let generatedNames = ["RawValue", "AllCases", "Step", "Int", "CaseIterable", "Sendable", "Swift", "rawValue",
                                 "allCases", "hashValue", "hash", "init", "self", "Self", "Type", "Protocol", "description",
                                 "StepResult", "FlowContext", "FlowDefinition", "CampaignFlow", "Value", "step", "lowered",
                                 "definition", "audience", "triggerFilter", "exitHolds", "context", "state", "Bool", "String",
                                 "CampaignRuntime", "Hashable", "Equatable", "Encodable", "Decodable", "Optional", "none", "some",
                                 "Never", "Error", "print", "main", "end", "stopped"]

    @Test func stepsNamedLikeWhatTheGeneratedCodeDeclaresStillBuild() throws {
        let result = try Self.typecheck([Self.definition(ids: Self.generatedNames)])
        #expect(result.status == 0, "\(result.output.prefix(3000))")
    }

    /// `a op b op c ...` as the parser builds it (left-deep), or right-deep.
    static func chain(_ count: Int, or: Bool, leftDeep: Bool = true) -> FlowExpression {
        let operands: [FlowExpression] = (0..<count).map { .compare(.equal, .field("score"), .literal(.int($0))) }
        func join(_ left: FlowExpression, _ right: FlowExpression) -> FlowExpression { or ? .or(left, right) : .and(left, right) }
        return leftDeep ? operands.dropFirst().reduce(operands[0], join)
            : operands.dropLast().reversed().reduce(operands[operands.count - 1]) { join($1, $0) }
    }

    @Test func longBooleanChainsAndExtremeNumbersBuild() throws {
        let mixed = FlowExpression.or(.and(Self.chain(300, or: true), .not(Self.chain(300, or: false, leftDeep: false))),
                                      .compare(.less, .field("score"), .literal(.decimal(-.infinity))))
        let definitions = [
            Self.definition(ids: ["a", "b"], condition: Self.chain(250, or: true)),
            Self.definition(ids: ["a", "b"], condition: Self.chain(1_000, or: false)),
            Self.definition(ids: ["a", "b"], condition: Self.chain(250, or: true, leftDeep: false)),
            Self.definition(ids: ["a", "b"], condition: mixed),
            Self.definition(ids: ["a", "b"], condition: .compare(.greater, .field("score"), .literal(.decimal(.infinity)))),
        ]
        let result = try Self.typecheck(definitions)
        #expect(result.status == 0, "\(result.output.prefix(3000))")
        // Non-finite numbers keep their value, as the interpreter holds it.
        #expect(SwiftValuePrinter.double(.infinity) == "Double.infinity")
        #expect(SwiftValuePrinter.double(-.infinity) == "-Double.infinity")
        #expect(SwiftValuePrinter.double(1e300) == "1e+300")
    }

    @Test func flatChainsRebuildTheSameTree() throws {
        // The lowered form is printed as a fold over the operands; folding them here gives back the tree.
        let left = Self.chain(40, or: true), right = Self.chain(40, or: false, leftDeep: false)
        let leftText = SwiftValuePrinter.expression(left), rightText = SwiftValuePrinter.expression(right)
        #expect(leftText.hasPrefix("([.compare(.equal, .field(\"score\"), .literal(.int(1)))"))
        #expect(leftText.hasSuffix("] as [FlowExpression]).reduce(.compare(.equal, .field(\"score\"), .literal(.int(0))), FlowExpression.or)"))
        #expect(rightText.hasPrefix("([.compare(.equal, .field(\"score\"), .literal(.int(38)))"))
        #expect(rightText.hasSuffix("] as [FlowExpression]).reduce(.compare(.equal, .field(\"score\"), .literal(.int(39)))) { FlowExpression.and($1, $0) }"))
        #expect(left.chainOperands(of: .or).count == 40 && right.chainOperands(of: .and).count == 40)
        // Nesting of the emitted condition grows with the logarithm of the chain's length.
        let condition = SwiftEmitter(Self.definition(ids: ["a"]), typeName: "T").condition(Self.chain(1_000, or: true))
        var depth = 0, deepest = 0
        for character in condition {
            if character == "(" { depth += 1; deepest = max(deepest, depth) }
            if character == ")" { depth -= 1 }
        }
        #expect(deepest < 20, "nesting \(deepest)")
    }
}
