import Foundation
import PackagePlugin

/// Compiles a target's campaign files during `swift build`: every `.yaml` file of the target (its
/// `workspace.yaml`, campaign versions and scenarios) is checked and compiled into one
/// `CompiledCampaigns.swift` that builds with the target's own code. A campaign with errors fails the
/// build with the checker's diagnostics; campaign files without a `workspace.yaml` fail it too.
@main
struct CampaignCompilerPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let inputs = target.sourceFiles.map(\.url).filter { ["yaml", "yml"].contains($0.pathExtension) }
            .sorted { $0.path < $1.path }
        guard let workspace = try CampaignInputs.workspace(among: inputs, target: target.name) else { return [] }
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("GeneratedCampaigns")
        return [
            .buildCommand(
                displayName: "Compiling the campaigns of \(target.name)",
                executable: try context.tool(named: "campaignc").url,
                arguments: ["compile", "--combined", "--workspace", workspace.path, "--output", output.path, "--"]
                    + inputs.map(\.path),
                inputFiles: inputs,
                outputFiles: [output.appendingPathComponent("CompiledCampaigns.swift")]),
        ]
    }
}
