import Foundation

/// Why the plugin cannot compile a target's campaigns; SwiftPM prints it and fails the build.
struct CampaignPluginError: Error, CustomStringConvertible {
    var description: String
}

/// Which of a target's YAML files is its workspace. Kept free of `PackagePlugin` so that the tests can
/// compile and run it.
enum CampaignInputs {
    /// The target's `workspace.yaml`; nil when the target has no YAML files at all (nothing to compile).
    /// Throws when it has YAML files but no `workspace.yaml`, or more than one: the campaigns would
    /// otherwise be left out of the build without a word.
    static func workspace(among inputs: [URL], target: String) throws -> URL? {
        guard !inputs.isEmpty else { return nil }
        let workspaces = inputs.filter { $0.lastPathComponent == "workspace.yaml" }
        guard let workspace = workspaces.first else {
            let listed = inputs.prefix(3).map(\.lastPathComponent).joined(separator: ", ") + (inputs.count > 3 ? ", ..." : "")
            throw CampaignPluginError(description: """
                campaignc: error: target '\(target)' has \(inputs.count) campaign file\(inputs.count == 1 ? "" : "s") \
                (\(listed)) but no workspace.yaml; add the workspace.yaml that declares their fields, events and \
                messages to the target's sources, or remove the CampaignCompilerPlugin from the target
                """)
        }
        guard workspaces.count == 1 else {
            throw CampaignPluginError(description: """
                campaignc: error: target '\(target)' has \(workspaces.count) workspace.yaml files \
                (\(workspaces.map(\.path).joined(separator: ", "))); a target compiles the campaigns of one workspace
                """)
        }
        return workspace
    }
}
