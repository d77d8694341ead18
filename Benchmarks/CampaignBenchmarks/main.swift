import Foundation

// `swift run -c release campaignc-bench [check|runtime] [RUNS] [SECTION]`: the front end's benchmark
// (default) or the runtime's (SECTION: step, e2e, memory, timers, durable, restart or fanout; all but the last two by default). Each figure is the
// fastest of RUNS runs (default 5), and every comparison is made against a baseline measured in the same run.
// `campaignc-bench synthesize long|typical STEPS FOLDER` writes a synthetic project instead, for the
// benchmarks that run the command line (`scripts/bench-emit-build`).

/// The fastest of `repetitions` runs of `body`, in seconds.
func fastest(_ repetitions: Int, _ body: () -> Void) -> Double {
    var best = Double.infinity
    for _ in 0..<repetitions {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return best
}

func milliseconds(_ seconds: Double) -> String { String(format: "%8.1f ms", seconds * 1000) }

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "synthesize" {
    guard arguments.count == 4, let steps = Int(arguments[2]), steps > 0 else {
        FileHandle.standardError.write(Data("usage: campaignc-bench synthesize long|typical STEPS FOLDER\n".utf8))
        exit(2)
    }
    if let problem = synthesize(shape: arguments[1], steps: steps, folder: arguments[3]) {
        FileHandle.standardError.write(Data("campaignc-bench: error: \(problem)\n".utf8))
        exit(1)
    }
    exit(0)
}
if arguments.first == "restart-child", arguments.count == 3, let spawned = UInt64(arguments[2]) {
    try await restartChild(path: arguments[1], spawned: spawned)
    exit(0)
}
let words = arguments.filter { Int($0) == nil }
let mode = words.first ?? "check"
let repetitions = arguments.compactMap(Int.init).first ?? 5
switch mode {
case "runtime": try await runtimeBenchmark(repetitions: repetitions, only: words.dropFirst().first)
case "check": frontEndBenchmark(repetitions: repetitions)
default:
    FileHandle.standardError.write(Data("usage: campaignc-bench [check|runtime] [RUNS] | synthesize long|typical STEPS FOLDER\n".utf8))
    exit(2)
}
