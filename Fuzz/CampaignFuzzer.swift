import CampaignCompiler

// Target `campaign`: reads and checks one input as a campaign file beside the golden fixtures' workspace,
// and renders the diagnostics in every format.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = checkAndRender(workspace: Repository.fixtureWorkspace, files: [InputFile(path: "fuzz/v1.yaml", bytes: bytes)])
    return 0
}
