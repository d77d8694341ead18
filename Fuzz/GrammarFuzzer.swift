import CampaignCompiler
import CampaignSynthesis
import Foundation

// Target `grammar`, structure-aware: the input's bytes are choices (``ByteChoices``) from which
// ``CampaignGrammar`` writes a campaign file, up to about 20,000 steps for a 1 MiB input; it is checked beside
// the grammar's workspace and, when it checks with no errors, lowered, emitted and run with contacts and
// events drawn from the choices that remain, trapping on any broken promise (FuzzHarness.keepPromises).
// With FUZZ_PRINT=1 it prints each campaign it writes, its diagnostics and what the run did.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var choices = ByteChoices(Array(UnsafeBufferPointer(start: data, count: size)))
    let text = CampaignGrammar.campaign(using: &choices, maximumSteps: min(20_000, 12 + size / 50))
    if printing { print(text, terminator: "") }
    let result = checkAndRender(workspace: Repository.grammarWorkspace,
                                files: [InputFile(path: "campaigns/gen/v1.yaml", bytes: Array(text.utf8))])
    keepPromises(of: result, using: &choices)
    return 0
}
