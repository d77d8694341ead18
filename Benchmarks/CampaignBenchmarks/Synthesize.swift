import CampaignSynthesis
import Foundation

/// Writes a synthetic project for benchmarks that run the command line (`scripts/bench-emit-build`):
/// `folder/workspace.yaml` and one campaign of about `steps` steps at `folder/<shape>/v1.yaml`, where
/// `shape` is `long` (send, wait, post-send condition, repeated) or `typical` (branches, sends, waits,
/// tags and updates). Returns a message when the shape is unknown or the files cannot be written.
func synthesize(shape: String, steps: Int, folder: String) -> String? {
    let campaign: String
    switch shape {
    case "long": campaign = SyntheticCampaigns.long(id: shape, steps: steps)
    case "typical": campaign = SyntheticCampaigns.typical(id: shape, steps: steps)
    default: return "unknown shape '\(shape)' (long or typical)"
    }
    let root = URL(fileURLWithPath: folder)
    do {
        try FileManager.default.createDirectory(at: root.appendingPathComponent(shape), withIntermediateDirectories: true)
        try SyntheticCampaigns.workspace.write(to: root.appendingPathComponent("workspace.yaml"), atomically: true, encoding: .utf8)
        try campaign.write(to: root.appendingPathComponent(shape).appendingPathComponent("v1.yaml"), atomically: true, encoding: .utf8)
    } catch {
        return "cannot write '\(folder)': \(error.localizedDescription)"
    }
    return nil
}
