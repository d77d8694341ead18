import CampaignCompiler
import CampaignFlows

// Target `interpret`: reads one input as a campaign file and, when it checks with no errors, lowers it,
// emits it and runs contacts through the interpreter with random events, trapping on any broken promise of
// the checker (FuzzHarness.keepPromises). The campaign is checked beside the workspace it was written for
// (the example campaigns', ``CampaignGrammar``'s or the golden fixtures') at the path its id and version
// name, so seeds from every fixture can check clean.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let first = checkAndRender(workspace: Repository.fixtureWorkspace, files: [InputFile(path: "fuzz/v1.yaml", bytes: bytes)])
    var result = first
    if let campaign = first.campaigns.first, let id = campaign.id?.value, let version = campaign.version?.value,
       !id.isEmpty, !id.contains("/") {
        let workspace = Repository.examples[id] != nil ? Repository.exampleWorkspace
            : id == "gen" ? Repository.grammarWorkspace : Repository.fixtureWorkspace
        let path = "campaigns/\(id)/v\(version).yaml"
        result = checkAndRender(workspace: workspace, files: [InputFile(path: path, bytes: bytes)])
    }
    var choices = SeededRandom(seed: StableHash.of(String(decoding: bytes, as: UTF8.self)))
    keepPromises(of: result, using: &choices)
    return 0
}
