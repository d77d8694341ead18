import CampaignCompiler

// libFuzzer entry point: reads and checks one input as a campaign file beside a fixed workspace. Built by
// scripts/fuzz, not by SwiftPM: libFuzzer brings its own main.

private let workspace = InputFile(path: "workspace.yaml", bytes: Array("""
    contact:
      fields:
        id: { type: string, key: true }
        email: { type: string, key: true }
        gender: { type: string, values: [female, male] }
        score: { type: int }
        created_at: { type: datetime, admin: true }
        tags: { type: "[string]" }
    events:
      purchase: { fields: { total: decimal } }
    messages:
      welcome: { channel: email, category: welcome }
      flash: { channel: sms }
    groups: [vip]
    promo_banks: [WELCOME10]

    """.utf8))

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let result = Checker.check(workspace: workspace, files: [InputFile(path: "fuzz/v1.yaml", bytes: bytes)])
    for diagnostic in result.diagnostics {
        // Every diagnostic must be located inside the file (or at its start).
        precondition(diagnostic.location.line >= 1 && diagnostic.location.column >= 1, "unlocated diagnostic \(diagnostic)")
    }
    _ = DiagnosticFormat.text.render(result)
    _ = DiagnosticFormat.sarif.render(result)
    return 0
}
