import CampaignCompiler
import CampaignSynthesis
import Foundation
import Yams

/// Times `Checker.check` on generated campaigns beside the time Yams takes only to compose the same bytes
/// (the baseline, measured in the same run: a YAML library doing only the YAML part, with the basic
/// resolver), and prints the ratio.
func frontEndBenchmark(repetitions: Int) {
    struct Case {
        var name: String
        var files: [InputFile]
        var goal: String
    }

    let workspace = InputFile(path: "workspace.yaml", bytes: Array(SyntheticCampaigns.workspace.utf8))
    let cases = [
        Case(name: "1,000 campaigns of ~50 steps",
             files: (0..<1000).map { InputFile(path: "c\($0)/v1.yaml", bytes: Array(SyntheticCampaigns.typical(id: "c\($0)").utf8)) },
             goal: "check within 2x of compose"),
        Case(name: "one campaign of 10,000 steps",
             files: [InputFile(path: "long/v1.yaml", bytes: Array(SyntheticCampaigns.long(id: "long", steps: 10_000).utf8))],
             goal: "check under 100 ms"),
        Case(name: "chain of 20 diamonds (2^20 paths)",
             files: [InputFile(path: "diamonds/v1.yaml", bytes: Array(SyntheticCampaigns.diamondChain(id: "diamonds", diamonds: 20).utf8))],
             goal: "check under 100 ms"),
    ]

    print("campaignc \(CampaignCompilerVersion.current) check benchmark, best of \(repetitions) runs")
    print("case                                    bytes     compose       check   ratio  goal")
    for benchmarkCase in cases {
        let texts = benchmarkCase.files.map { String(decoding: $0.bytes, as: UTF8.self) }
        let bytes = benchmarkCase.files.reduce(0) { $0 + $1.bytes.count }
        let compose = fastest(repetitions) { for text in texts { _ = try! Yams.compose(yaml: text, .basic) } }
        var diagnostics = 0
        let check = fastest(repetitions) { diagnostics = Checker.check(workspace: workspace, files: benchmarkCase.files).diagnostics.count }
        precondition(diagnostics == 0, "generated campaigns must check clean, found \(diagnostics) diagnostics")
        print(benchmarkCase.name.padding(toLength: 36, withPad: " ", startingAt: 0),
              String(format: "%9d", bytes), milliseconds(compose), milliseconds(check),
              String(format: "%6.2fx", check / compose), " \(benchmarkCase.goal)")
    }
}
