import ArgumentParser
import CampaignCompiler
import Foundation

/// `campaignc compile`: emit Swift (or the lowered form) for checked campaigns.
struct Compile: ParsableCommand {
    enum Emit: String, ExpressibleByArgument, CaseIterable {
        case swift, ir
    }

    static let configuration = CommandConfiguration(
        abstract: "Compile checked campaigns to Swift state machines, or to their lowered form as JSON.",
        discussion: """
            Refuses to emit while 'check' reports errors. Writes one Swift file per campaign version and \
            CampaignIndex.swift, rewriting only files whose contents change. With --check, writes nothing and \
            exits 1 when the files on disk are stale.
            """)

    @Argument(help: "Campaign files or folders (searched recursively).")
    var paths: [String] = ["campaigns"]

    @Option(help: ArgumentHelp("The workspace file.", valueName: "file"))
    var workspace: String?

    @Option(help: ArgumentHelp("The folder to write into.", valueName: "dir"))
    var output: String

    @Option(help: "What to emit: swift (default) or ir (the lowered form as JSON).")
    var emit: Emit = .swift

    @Flag(help: "Write nothing; exit 1 when the output folder is not up to date.")
    var check = false

    @Flag(help: "Write one CompiledCampaigns.swift instead of a file per version (what the build plugin uses).")
    var combined = false

    func run() throws {
        let result = try CheckedProject.load(paths: paths, workspace: workspace)
        let module: CompiledModule
        do {
            module = emit == .swift ? try CompiledModule.swift(result, combined: combined) : try CompiledModule.ir(result)
        } catch {
            FileHandle.standardError.write(Data("campaignc: error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let directory = URL(fileURLWithPath: output)
        if check {
            let stale = module.staleFiles(in: directory)
            for name in stale { print("stale: \((output as NSString).appendingPathComponent(name))") }
            if !stale.isEmpty { throw ExitCode(1) }
            return
        }
        do {
            let written = try module.write(to: directory)
            FileHandle.standardError.write(Data("campaignc: \(module.files.count) files, \(written.count) written to \(output)\n".utf8))
        } catch {
            FileHandle.standardError.write(Data("campaignc: error: cannot write to '\(output)': \(error.localizedDescription)\n".utf8))
            throw ExitCode(2)
        }
    }
}
