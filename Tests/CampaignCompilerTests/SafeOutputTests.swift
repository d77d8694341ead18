import CampaignFlows
import Foundation
import Testing
@testable import CampaignCompiler

/// Output that hostile or unreadable inputs cannot subvert: escaped names in text and GitHub output, quoted
/// graph identifiers, bounded excerpts, errors for what cannot be read, emitter failures that fail, paths
/// that start with a dash, and a build plugin that does not skip campaigns silently.
@Suite struct SafeOutputTests {
    /// A fresh folder holding the fixtures' workspace and `c/v1.yaml` with `campaign`.
    private func project(_ campaign: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("campaignc-safe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("c"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Fixtures.root.appendingPathComponent("workspace.yaml"),
                                         to: folder.appendingPathComponent("workspace.yaml"))
        try campaign.write(to: folder.appendingPathComponent("c/v1.yaml"), atomically: true, encoding: .utf8)
        return folder
    }

    private static let header = "campaign: c\nversion: 1\nstatus: published\ntrigger: { event: signup }\nrepeat: once\nstart: w\nsteps:\n"

    /// Scalars that must never reach a terminal or a CI log from a file: C0 and C1 controls, line and
    /// paragraph separators, bidi controls. (Text output's own colour codes are off in a pipe.)
    private static func unsafeScalars(_ text: String) -> [Unicode.Scalar] {
        text.unicodeScalars.filter { scalar in
            scalar != "\n" && (scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || [0x2028, 0x2029].contains(scalar.value)
                               || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
                               || [0x200E, 0x200F, 0x061C].contains(scalar.value))
        }
    }

    // MARK: 1. Safe output

    @Test func textAndGitHubOutputEscapeControlCharactersNewlinesAndBidiControls() throws {
        let folder = try project(Self.header + """
              w: { wait: 1d, next: "x\\n::error file=a::forged\\e[2J\\a\\u202Eevil\\u2028\\u0085" }
              fin: { end: success }
            ::error::forged: 1

            """)
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = try CampaigncProcess.run(["check", "c", "--workspace", "workspace.yaml"], in: folder)
        #expect(text.status == 1)
        #expect(Self.unsafeScalars(text.stdout).isEmpty, "\(text.stdout.debugDescription)")
        #expect(text.stdout.contains("'x\\n::error file=a::forged\\u{1B}[2J\\u{7}\\u{202E}evil\\u{2028}\\u{85}'"), "\(text.stdout)")
        // No line of the output can be read as a workflow command, not even the excerpt of a key that starts with '::'.
        for line in text.stdout.split(separator: "\n") {
            #expect(!line.drop { $0 == " " }.hasPrefix("::"), "\(line)")
        }
        #expect(text.stdout.contains("\\u{3A}:error::forged: 1\n^"), "\(text.stdout)")

        let github = try CampaigncProcess.run(["check", "c", "--workspace", "workspace.yaml", "--format", "github"], in: folder)
        #expect(github.status == 1)
        #expect(Self.unsafeScalars(github.stdout).isEmpty, "\(github.stdout.debugDescription)")
        let lines = github.stdout.split(separator: "\n")
        #expect(lines.count == 2, "one command per diagnostic: \(lines)")
        #expect(lines.allSatisfy { $0.hasPrefix("::error file=c/v1.yaml,") })
        #expect(github.stdout.contains("x\\n::error file=a::forged\\u{1B}"))
    }

    // MARK: 2. Bounded, streamed output

    /// Records what a renderer writes, to see that it writes as it goes.
    private struct RecordingStream: TextOutputStream {
        var writes = 0
        var largestWrite = 0
        var total = 0
        mutating func write(_ string: String) {
            writes += 1
            largestWrite = max(largestWrite, string.utf8.count)
            total += string.utf8.count
        }
    }

    @Test func excerptsOfALongLineAreBoundedAndOutputIsStreamed() throws {
        let keys = 4_000
        let line = "  w: { wait: 1d, next: fin, " + (0..<keys).map { "k\($0): 1" }.joined(separator: ", ") + " }\n"
        let source = Self.header + line + "  fin: { end: success }\n"
        let folder = try project(source)
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = try CampaigncProcess.run(["check", "c", "--workspace", "workspace.yaml"], in: folder)
        #expect(output.status == 1)
        let lines = output.stdout.split(separator: "\n")
        #expect(lines.count >= keys * 3)
        let longest = lines.map(\.count).max() ?? 0
        #expect(longest <= 200, "every excerpt is a window of its line: longest \(longest) of a \(line.count)-character line")
        #expect(output.stdout.utf8.count < keys * 400)
        // The window is centred on the column: the 2,000th key's excerpt shows it, cut on both sides.
        #expect(output.stdout.contains("…"))
        #expect(lines.contains { $0.hasPrefix("…") && $0.contains("k2000: 1") && $0.hasSuffix("…") })

        let result = Checker.check(workspace: Fixtures.workspace, files: [InputFile(path: "c/v1.yaml", bytes: Array(source.utf8))])
        var stream = RecordingStream()
        DiagnosticFormat.text.render(result, to: &stream)
        #expect(stream.writes >= result.diagnostics.count)
        #expect(stream.largestWrite < 1_000, "written diagnostic by diagnostic, never as one string")
        var github = RecordingStream()
        DiagnosticFormat.github.render(result, to: &github)
        #expect(github.writes == result.diagnostics.count)
    }

    @Test func caretsStayUnderTheirColumnAfterEscapes() {
        let source = "  a: \"\u{1B}\u{7}\"\tb: c\n"
        let line = SourceFile(path: "f", text: source).line(1)
        let column = line.index(line.startIndex, offsetBy: 10)  // 'b'
        let excerpt = SourceExcerpt(line, columnIndex: column)
        #expect(excerpt.line == "  a: \"\\u{1B}\\u{7}\"\tb: c")
        #expect(excerpt.caret == String(repeating: " ", count: 18) + "\t")
        #expect(Array(excerpt.line.unicodeScalars)[excerpt.caret.unicodeScalars.count] == "b")
    }

    @Test func dotAndMermaidQuoteEveryIdentifier() throws {
        let ids = ["node", "edge", "graph", "digraph", "subgraph", "strict", "end", "start", "style", "class", "o", "x", "a-b", "1st", "é"]
        let states = ids.enumerated().map { index, id in
            FlowState(id: id, line: index + 1, step: index == ids.count - 1 ? .end(.success) : .wait(seconds: 60, next: index + 1))
        }
        let definition = FlowDefinition(
            campaign: "c", version: 1, status: .published, name: nil, source: "c/v1.yaml", timezone: "UTC",
            trigger: .manual, audience: nil, leaveWhenOutOfAudience: false, repeatPolicy: .once, exits: [], start: 0,
            states: states, messages: [:])
        let emitter = GraphEmitter(definition)
        let dot = emitter.emit(.dot)
        // Every node and edge statement names its nodes in quotes; `node [...]` stays the one default line.
        let statements = dot.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.hasPrefix("digraph") && $0 != "}" && !$0.hasPrefix("rankdir") && !$0.hasPrefix("node [fontname") }
        for statement in statements { #expect(statement.hasPrefix("\""), "\(statement)") }
        #expect(dot.contains("\"node\" [label=\"node\\nwait 1m\""), "\(dot)")
        #expect(dot.contains("\"start\" -> \"node\" [label=\"manual\"];"))
        #expect(dot.contains("\"start_2\" [label=\"start\\n"), "a step named start is not the start point: \(dot)")
        #expect(dot.contains("\"graph\" -> \"digraph\";"))
        let mermaid = emitter.emit(.mermaid)
        for line in mermaid.split(separator: "\n").dropFirst() {
            let statement = line.trimmingCharacters(in: .whitespaces)
            #expect(statement.hasPrefix("s_") || statement.hasPrefix("start(( ))") || statement.hasPrefix("style s_"), "\(statement)")
        }
        #expect(mermaid.contains("    s_end[/\"end<br/>wait 1m\"/]"), "\(mermaid)")
        #expect(mermaid.contains("    s_class_ --> s_o\n"))
        #expect(mermaid.contains("    s_o --> s_x\n"))
    }

    // MARK: 3. Nothing unreadable is skipped

    @Test(.enabled(if: getuid() != 0 || FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
    func anUnreadableFolderIsAnErrorAndCompileKeepsItsOutput() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("campaignc-unreadable-\(UUID().uuidString)")
        let campaigns = folder.appendingPathComponent("campaigns"), output = folder.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Fixtures.repository.appendingPathComponent("campaigns"), to: campaigns)
        defer {
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: campaigns.appendingPathComponent("welcome-customer").path)
            try? FileManager.default.removeItem(at: folder)
        }
        #expect(try CampaigncProcess.run(["compile", "campaigns", "--output", "out"], in: folder).status == 0)
        let generated = output.appendingPathComponent("WelcomeCustomerV1.swift")
        #expect(FileManager.default.fileExists(atPath: generated.path))
        // Anyone may write the output folder, so only campaignc's own refusal keeps the file.
        for path in [folder.path, output.path] { try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: path) }
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: campaigns.appendingPathComponent("welcome-customer").path)

        for arguments in [["check", "campaigns"], ["check", "campaigns", "--strict"], ["test", "campaigns"],
                          ["compile", "campaigns", "--output", "out", "--check"], ["compile", "campaigns", "--output", "out"]] {
            let result = try CampaigncProcess.run(arguments, in: folder, unprivileged: true)
            #expect(result.status == 2, "\(arguments): \(result.stdout) \(result.stderr)")
            #expect(result.stderr.contains("cannot read folder 'campaigns/welcome-customer'"), "\(arguments): \(result.stderr)")
        }
        #expect(FileManager.default.fileExists(atPath: generated.path), "compile deleted the output of a campaign it could not read")
    }

    @Test func anUnreadableFileIsAnErrorWithItsPath() throws {
        let folder = try project(Self.header + "  w: { end: success }\n")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("c/v2.yaml").path,
                                                   withDestinationPath: "missing.yaml")
        let result = try CampaigncProcess.run(["check", "c", "--workspace", "workspace.yaml"], in: folder)
        #expect(result.status == 2)
        #expect(result.stderr.contains("cannot read 'c/v2.yaml'"), "\(result.stderr)")
    }

    @Test func aPathStartingWithADashIsAnErrorOrFollowsDoubleDash() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("campaignc-dash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("-dash"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: Fixtures.repository.appendingPathComponent("campaigns"),
                                         to: folder.appendingPathComponent("-dash/campaigns"))
        let misread = try CampaigncProcess.run(["check", "-dash/campaigns"], in: folder)
        #expect(misread.status == 2)
        #expect(!misread.stdout.contains("USAGE"), "no help printed")
        #expect(misread.stderr.contains("unknown option '-dash/campaigns'") && misread.stderr.contains("'--'"), "\(misread.stderr)")
        let separated = try CampaigncProcess.run(["check", "--", "-dash/campaigns"], in: folder)
        #expect(separated.status == 0, "\(separated.stdout) \(separated.stderr)")
        #expect(separated.stderr.contains("0 errors, 0 warnings"))
        #expect(try CampaigncProcess.run(["check", "--strict", "--", "-dash/campaigns"], in: folder).status == 0)
        // A negative number is no path: left to the parser, which refuses it as a value.
        let negative = try CampaigncProcess.run(["simulate", "campaigns/abandoned-cart/v2.yaml", "--contacts", "-10"])
        #expect(negative.status == 2 && !negative.stderr.contains("unknown option"), "\(negative.stderr)")
    }

    // MARK: 4. Emitter failures

    @Test func emitterFailuresAreErrors() throws {
        var definition = FlowLowering.lower(ExampleCampaignTests.result.checked[0])
        definition.states[0] = FlowState(id: "x", line: 1, step: .condition(.compare(.greater, .literal(.decimal(.infinity)), .literal(.int(1))), then: 0, else: 0))
        #expect(throws: EmitError.self) { try CompiledModule.ir([definition]) }

        let folder = try project(Self.header.replacingOccurrences(of: "trigger: { event: signup }", with: "trigger: { event: purchase }") + """
              w: { if: event.total > 1e999, then: fin, else: fin }
              fin: { end: success }

            """)
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try CampaigncProcess.run(["compile", "c", "--workspace", "workspace.yaml", "--emit", "ir", "--output", "out"], in: folder)
        // Refused by the checker or by the emitter, never a 1-byte document and success.
        #expect(result.status == 1, "\(result.stderr)")
        #expect(!result.stderr.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/campaigns.ir.json").path))
    }

    // MARK: 5. The build plugin

    @Test func thePluginRefusesCampaignFilesWithoutAWorkspace() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("campaignc-plugin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // The plugin's decision, compiled and run without SwiftPM's plugin host.
        let inputs = Fixtures.repository.appendingPathComponent("Plugins/CampaignCompilerPlugin/CampaignInputs.swift")
        let main = folder.appendingPathComponent("main.swift")
        try """
            import Foundation
            for files in [["campaigns/c/v1.yaml", "campaigns/c/tests/t.yaml"], ["campaigns/workspace.yaml", "campaigns/c/v1.yaml"], []] {
                do {
                    let workspace = try CampaignInputs.workspace(among: files.map { URL(fileURLWithPath: "/p/" + $0) }, target: "App")
                    print("workspace: \\(workspace?.lastPathComponent ?? "none")")
                } catch {
                    print("\\(error)")
                }
            }
            """.write(to: main, atomically: true, encoding: .utf8)
        let binary = folder.appendingPathComponent("plugin-inputs")
        let build = try GeneratedCodeTests.swiftc([main.path, inputs.path, "-o", binary.path])
        #expect(build.status == 0, "\(build.output)")
        let lines = try CampaigncProcess.runExecutable(binary).split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines.first?.hasPrefix("campaignc: error: target 'App' has 2 campaign files (v1.yaml, t.yaml) but no workspace.yaml") == true,
                "\(lines)")
        #expect(lines.dropFirst().first == "workspace: workspace.yaml")
        #expect(lines.last == "workspace: none")
    }
}

/// The collector's deterministic order and its removal of exact duplicates.
@Suite struct DiagnosticOrderTests {
    @Test func exactDuplicatesAreRemovedAndDiagnosticsThatDifferOnlyInNotesAreKept() {
        var collector = DiagnosticCollector()
        let at = SourceLocation(file: "f.yaml", line: 3, column: 1)
        // 40 diagnostics sharing one sort key, differing in their notes, each emitted twice in scrambled order:
        // past 16 of one key the collector switches from searching to a set.
        let notes = (0..<40).map { [Diagnostic.Note("note \($0)", at: .start(of: "f.yaml"))] }
        for index in (0..<40).reversed() { collector.emit(.unknownStep, "same", at: at, notes: notes[index]) }
        for index in 0..<40 { collector.emit(.unknownStep, "same", at: at, notes: notes[(index * 7) % 40]) }
        collector.emit(.unknownStep, "earlier", at: .start(of: "f.yaml"))
        collector.emit(.unknownStep, "earlier", at: .start(of: "f.yaml"))
        let sorted = collector.sorted
        #expect(sorted.count == 41)
        #expect(sorted.first?.message == "earlier")
        #expect(Set(sorted.dropFirst().map(\.notes)) == Set(notes))
    }
}
