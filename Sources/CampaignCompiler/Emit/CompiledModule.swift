import CampaignFlows
import Foundation

/// Why a checked campaign could not be emitted (`campaignc compile` exits with status 1).
public struct EmitError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// The files `campaignc compile` writes for a set of checked campaigns: one Swift file per version, an
/// index of them all, or the lowered form as JSON.
public struct CompiledModule {
    /// File name and contents, sorted by name.
    public var files: [(name: String, contents: String)]

    /// Lowers and emits every campaign version, one file each plus `CampaignIndex.swift`; with `combined`,
    /// everything in one `CompiledCampaigns.swift` (what the build plugin declares as its one output).
    /// `result` must hold no errors. Throws, and produces no file, when any version cannot be emitted.
    public static func swift(_ result: CheckResult, combined: Bool = false) throws(EmitError) -> CompiledModule {
        let definitions = lowered(result)
        let names = SwiftIdentifier.unique(definitions.map { "\($0.campaign)\u{0}\($0.version)" }) { key in
            let parts = key.split(separator: "\u{0}", omittingEmptySubsequences: false)
            return SwiftIdentifier.typeName(campaign: String(parts[0]), version: Int(parts[1]) ?? 0)
        }
        var emitters: [SwiftEmitter] = []
        for (definition, name) in zip(definitions, names) {
            emitters.append(try SwiftEmitter(definition, typeName: name))
        }
        if combined {
            var p = CodePrinter()
            SwiftEmitter.preamble(&p, source: nil)
            for emitter in emitters {
                emitter.emitFlow(&p)
                p.line()
            }
            emitIndex(&p, names: names, definitions: definitions)
            return CompiledModule(files: [(name: "CompiledCampaigns.swift", contents: p.text)])
        }
        var files = emitters.map { (name: "\($0.typeName).swift", contents: $0.emit()) }
        var index = CodePrinter()
        SwiftEmitter.preamble(&index, source: nil)
        emitIndex(&index, names: names, definitions: definitions)
        files.append((name: "CampaignIndex.swift", contents: index.text))
        return CompiledModule(files: files.sorted { $0.name < $1.name })
    }

    /// The lowered form of every campaign version as one JSON document. Throws when a definition cannot
    /// be encoded (JSON has no infinity or NaN), rather than writing a partial or empty document.
    public static func ir(_ result: CheckResult) throws(EmitError) -> CompiledModule {
        try ir(lowered(result))
    }

    /// The lowered form of `definitions` as one JSON document.
    public static func ir(_ definitions: [FlowDefinition]) throws(EmitError) -> CompiledModule {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do {
            data = try encoder.encode(definitions)
        } catch {
            throw EmitError(description: "cannot encode the lowered form as JSON: \(Self.reason(error))")
        }
        return CompiledModule(files: [(name: "campaigns.ir.json", contents: String(decoding: data, as: UTF8.self) + "\n")])
    }

    /// What went wrong in an encoder, with the path of the value that failed.
    private static func reason(_ error: Error) -> String {
        guard case EncodingError.invalidValue(let value, let context) = error else { return "\(error)" }
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return "\(value) at \(path.isEmpty ? "the top" : path) (\(context.debugDescription))"
    }

    /// Every campaign version, lowered, in (campaign, version) order. Sources are given relative to the
    /// workspace's folder, so the output is the same wherever the files were compiled from.
    public static func lowered(_ result: CheckResult) -> [FlowDefinition] {
        let workspaceFolder = result.workspace.file.map { ($0 as NSString).deletingLastPathComponent } ?? ""
        let prefix = workspaceFolder.isEmpty ? "" : workspaceFolder + "/"
        return result.checked.map { campaign in
            var definition = FlowLowering.lower(campaign)
            if !prefix.isEmpty, definition.source.hasPrefix(prefix) { definition.source.removeFirst(prefix.count) }
            return definition
        }.sorted { ($0.campaign, $0.version) < ($1.campaign, $1.version) }
    }

    private static func emitIndex(_ p: inout CodePrinter, names: [String], definitions: [FlowDefinition]) {
        p.line("/// Every compiled campaign version, in campaign and version order.")
        p.block("public enum CompiledCampaigns {") { p in
            p.block("public static let all: [any CampaignFlow] = [", closing: "]") { p in
                for (name, definition) in zip(names, definitions) {
                    p.line("\(name)(),  // \(SwiftLiteral.comment(definition.campaign)) v\(definition.version)")
                }
            }
            p.line()
            p.line("/// The compiled flow of a campaign version, if it was compiled.")
            p.block("public static func flow(campaign: String, version: Int) -> (any CampaignFlow)? {") { p in
                p.line("all.first { $0.definition.campaign == campaign && $0.definition.version == version }")
            }
        }
    }

    /// Which files in `directory` differ from this module's (missing, changed, or generated files no longer
    /// produced).
    public func staleFiles(in directory: URL) -> [String] {
        var stale = files.filter { file in
            (try? String(contentsOf: directory.appendingPathComponent(file.name), encoding: .utf8)) != file.contents
        }.map(\.name)
        let produced = Set(files.map(\.name))
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        stale += existing.filter { $0.hasSuffix(".swift") && !produced.contains($0) && isGenerated(directory.appendingPathComponent($0)) }
        return stale.sorted()
    }

    /// Writes the files whose contents changed, removes generated files no longer produced, and returns the
    /// names written. Unchanged files are not touched, so builds do not redo work.
    public func write(to directory: URL) throws -> [String] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var written: [String] = []
        for file in files {
            let url = directory.appendingPathComponent(file.name)
            if (try? String(contentsOf: url, encoding: .utf8)) == file.contents { continue }
            try file.contents.write(to: url, atomically: true, encoding: .utf8)
            written.append(file.name)
        }
        let produced = Set(files.map(\.name))
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        where name.hasSuffix(".swift") && !produced.contains(name) && isGenerated(directory.appendingPathComponent(name)) {
            try FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
        return written
    }

    private func isGenerated(_ url: URL) -> Bool {
        (try? String(contentsOf: url, encoding: .utf8))?.hasPrefix("// DO NOT EDIT. Generated by campaignc") ?? false
    }
}
