import CampaignCompiler

// Target `scenario`: reads and checks one input as a scenario file beside the example campaigns' workspace
// and the example campaign it names (campaigns/<id>/), and when everything checks clean, runs its cases on a
// virtual clock through the interpreter (ScenarioRunner), as `campaignc test` does.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var scenario = InputFile(path: "campaigns/fuzz/tests/fuzz.yaml", bytes: bytes)
    // The first pass reads which campaign the scenario tests; the second checks it beside that campaign.
    let alone = checkAndRender(workspace: Repository.exampleWorkspace, files: [scenario])
    guard let id = alone.scenarios.first?.campaign?.value, let campaignFiles = Repository.examples[id] else { return 0 }
    scenario.path = "campaigns/\(id)/tests/fuzz.yaml"
    let files = campaignFiles.filter { !$0.path.contains("/tests/") } + [scenario]
    let result = checkAndRender(workspace: Repository.exampleWorkspace, files: files)
    guard result.errorCount == 0 else { return 0 }
    for scenarioFile in result.scenarios {
        _ = runBlocking { await ScenarioRunner.run(scenarioFile, campaigns: result.checked, workspace: result.workspace) }
    }
    return 0
}
