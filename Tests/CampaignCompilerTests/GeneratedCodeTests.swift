import CampaignFlows
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
            messages[message] = FlowMessage(channel: .email, category: randomString(&g))
            flowStates.append(FlowState(id: ids[index], line: index + 1, note: randomString(&g),
                                        step: .send(channel: .email, message: message, approval: false, optimized: false, next: index + 1)))
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

    /// Generated code names channels, outcomes and weekdays as enum cases spelled by their raw values
    /// (`SwiftValuePrinter.member`): a case whose name differed from its raw value would not compile.
    @Test func vocabularyCasesAreNamedByTheirRawValues() {
        for channel in MessageChannel.allCases { #expect(SwiftValuePrinter.member(channel) == ".\(channel)") }
        for outcome in Outcome.allCases { #expect(SwiftValuePrinter.member(outcome) == ".\(outcome)") }
        for day in Weekday.allCases { #expect(SwiftValuePrinter.member(day) == ".\(day)") }
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
            FlowState(id: id, line: index + 2, step: index == ids.count - 1 ? .end(.success) : .wait(seconds: 60, next: index + 1))
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
                                 "CampaignFlows", "CampaignRuntime", "Hashable", "Equatable", "Encodable", "Decodable", "Optional", "none", "some",
                                 "Never", "Error", "print", "main", "end", "stopped"]

    @Test func stepsNamedLikeWhatTheGeneratedCodeDeclaresStillBuild() throws {
        let result = try Self.typecheck([Self.definition(ids: Self.generatedNames)])
        #expect(result.status == 0, "\(result.output.prefix(3000))")
    }

    /// `a op b op c ...` left-deep, or right-deep.
    static func chain(_ count: Int, or: Bool, leftDeep: Bool = true) -> FlowExpression {
        let operands: [FlowExpression] = (0..<count).map { .compare(.equal, .field("score"), .literal(.int($0))) }
        func join(_ left: FlowExpression, _ right: FlowExpression) -> FlowExpression { or ? .or(left, right) : .and(left, right) }
        return leftDeep ? operands.dropFirst().reduce(operands[0], join)
            : operands.dropLast().reversed().reduce(operands[operands.count - 1]) { join($1, $0) }
    }

    /// `a op b op c ...` as the parser builds it: a balanced tree, about log2(count) deep.
    static func balancedChain(_ count: Int, or: Bool, from first: Int = 0) -> FlowExpression {
        guard count > 1 else { return .compare(.equal, .field("score"), .literal(.int(first))) }
        let left = balancedChain(count / 2, or: or, from: first), right = balancedChain(count - count / 2, or: or, from: first + count / 2)
        return or ? .or(left, right) : .and(left, right)
    }

    @Test func longBooleanChainsAndExtremeNumbersBuild() throws {
        let mixed = FlowExpression.or(.and(Self.balancedChain(300, or: true), .not(Self.chain(200, or: false, leftDeep: false))),
                                      .compare(.less, .field("score"), .literal(.decimal(-.infinity))))
        let definitions = [
            Self.definition(ids: ["a", "b"], condition: Self.chain(250, or: true)),
            Self.definition(ids: ["a", "b"], condition: Self.balancedChain(2_000, or: false)),
            Self.definition(ids: ["a", "b"], condition: Self.chain(250, or: true, leftDeep: false)),
            Self.definition(ids: ["a", "b"], condition: mixed),
            Self.definition(ids: ["a", "b"], condition: .compare(.greater, .field("score"), .literal(.decimal(.infinity)))),
        ]
        // A tree nested more than JSON's 512 levels (the parser never builds one: its chains are balanced)
        // is refused with a message, never emitted wrong.
        #expect(throws: EmitError.self) { try SwiftEmitter(Self.definition(ids: ["a"], condition: Self.chain(1_000, or: false)), typeName: "DeepV1") }
        let result = try Self.typecheck(definitions)
        #expect(result.status == 0, "\(result.output.prefix(3000))")
        // Non-finite numbers keep their value, as the interpreter holds it.
        #expect(SwiftValuePrinter.double(.infinity) == "Double.infinity")
        #expect(SwiftValuePrinter.double(-.infinity) == "-Double.infinity")
        #expect(SwiftValuePrinter.double(1e300) == "1e+300")
        #expect(SwiftValuePrinter.double(5e-324) == "Double(bitPattern: 0x1)")
    }

    @Test func longChainsBecomeFunctionsOfOneStatementAnOperand() throws {
        var writer = SwiftConditionWriter()
        let call = writer.condition(.and(Self.chain(1_000, or: true), .not(Self.chain(40, or: false, leftDeep: false))))
        #expect(call == "(Self.chain0(&context) && !Self.chain1(&context))")
        #expect(writer.functions.count == 2)
        #expect(writer.functions[0].count == 1_001 && writer.functions[0].last == "return false")
        #expect(writer.functions[0][999] == "if Value.equal(context.field(\"score\"), .int(999)) { return true }")
        #expect(writer.functions[1].count == 41 && writer.functions[1][0] == "if !(Value.equal(context.field(\"score\"), .int(0))) { return false }")
        #expect(Self.chain(40, or: true).chainOperands(of: .or).count == 40)
        // Short chains stay expressions.
        #expect(writer.condition(Self.chain(3, or: true)).hasPrefix("((Value.equal"))
        #expect(writer.functions.count == 2)
    }

    /// Texts that stress the embedded form: every kind of escape, noncharacters (U+FDD0 and U+FFFF, which
    /// Swift literals cannot spell), scalars beyond the BMP, raw-string delimiters.
    static let embeddedTexts = hostile + [String(decoding: [0xEF, 0xB7, 0x90], as: UTF8.self), String(decoding: [0xEF, 0xBF, 0xBF], as: UTF8.self), "\u{10FFFF}", "\u{7F}", "\"#", "\"##", "\"\"\"#", "\\#(x)", "\\##(", "###"]

    /// A definition holding every step kind and the extreme numbers, with `texts` as its names.
    static func extremeDefinition(texts: [String]) -> FlowDefinition {
        let numbers: [Value] = [.int(.max), .int(.min), .decimal(.greatestFiniteMagnitude), .decimal(-.greatestFiniteMagnitude),
                                .decimal(.infinity), .decimal(-.infinity), .decimal(-0.0), .decimal(5e-324), .decimal(0.1),
                                .decimal(1e300), .instant(-1e15), .duration(.max), .list([.null, .bool(true), .string(texts.joined())])]
        let condition = numbers.map { FlowExpression.compare(.greaterOrEqual, .field(texts[0]), .literal($0)) }
            .dropFirst().reduce(.literal(numbers[0])) { FlowExpression.or($0, $1) }
        let steps: [FlowStep] = [
            .send(channel: .push, message: texts[2], approval: true, optimized: true, next: 1),
            .update(numbers.map { FieldAssignment(field: texts[3], value: $0) }, next: 2),
            .tags(add: texts, remove: [texts[4]], next: 3), .unsubscribe(MessageChannel.allCases, next: 4), .archive(next: 5),
            .grantPromo(texts[5], next: 6), .export(destination: texts[6], fields: texts, next: 7), .postal(texts[7], next: 8),
            .wait(seconds: .max, next: 9), .waitUntil(days: [.sun, .sat], from: 0, to: 1439, next: 10),
            .condition(condition, then: 11, else: 12),
            .branch([FlowOption(condition: .call(.clicked, [.state(0), .value(.literal(.string(texts[8])))]), next: 12)], otherwise: 13),
            .split([FlowOption(amount: 5e-324, next: 13), FlowOption(amount: .greatestFiniteMagnitude, next: 14)]),
            .test(variants: [FlowOption(amount: 50, next: 14)], winnerBy: texts[9], decideAfter: .max),
            .distribute([FlowOption(amount: 1e300, next: 15)], otherwise: 15), .dedupe(by: texts[10], keep: texts[11], next: 16),
            .end(.abandon),
        ]
        let states = steps.enumerated().map { FlowState(id: texts[$0 % texts.count] + "\($0)", line: $0 + 1, note: texts[($0 + 3) % texts.count], step: $1) }
        return FlowDefinition(
            campaign: texts[13], version: .max, status: .draining, name: texts[14], source: texts[15], timezone: texts[16],
            trigger: .dates([-.greatestFiniteMagnitude, 5e-324, .infinity]), audience: condition, leaveWhenOutOfAudience: true,
            repeatPolicy: .afterExit, exits: [.event(texts[17], filter: condition), .condition(.not(condition))], start: 0, states: states,
            messages: Dictionary(uniqueKeysWithValues: texts.enumerated().map { ("\($0):\($1)", FlowMessage(channel: .sms, category: $1, transactional: true)) }))
    }

    @Test func theEmbeddedLoweredFormReadsBackExactly() throws {
        var g = SeededRandom(seed: 11)
        for round in 0..<20 {
            let texts = round == 0 ? Self.embeddedTexts : (0..<40).map { _ in Self.randomString(&g) }
            let definition = Self.extremeDefinition(texts: texts)
            let embedded = try EmbeddedFlowDefinition.encode(definition)
            for line in [embedded.definition] + embedded.states {
                #expect(line.unicodeScalars.allSatisfy { (0x20..<0x7F).contains($0.value) } , "not printable ASCII: \(line.prefix(200))")
            }
            let decoded = try EmbeddedFlowDefinition.decode(definition: embedded.definition, states: embedded.states.joined(separator: "\n"))
            #expect(decoded == definition)
            // -0.0 equals 0.0: its sign must survive too.
            guard case .update(let assignments, _) = decoded.states[1].step, case .decimal(let zero) = assignments[6].value else {
                Issue.record("no update step"); continue
            }
            #expect(zero.sign == .minus)
        }
        // A raw string has more `#` than any run in its text.
        #expect(SwiftLiteral.rawString(["a\"##(b"]) == "###\"a\"##(b\"###")
        #expect(SwiftLiteral.rawString(["a", "b"]) == "#\"\"\"\na\nb\n\"\"\"#")
        #expect(SwiftLiteral.rawString(["é"]) == SwiftLiteral.string("é"))
    }

    @Test func theExtremeDefinitionCompilesAndNaNIsRefused() throws {
        let result = try Self.typecheck([Self.extremeDefinition(texts: Self.embeddedTexts)])
        #expect(result.status == 0, "\(result.output.prefix(3000))")
        var definition = Self.extremeDefinition(texts: Self.embeddedTexts)
        definition.states[0].step = .condition(.compare(.less, .field("x"), .literal(.decimal(.nan))), then: 0, else: 0)
        #expect(throws: EmitError.self) { try SwiftEmitter(definition, typeName: "NaNV1") }
    }
}
