/// The post-send rules on `delivered`, `opened`, `clicked`, `unsubscribed_from` and `complained`:
///
/// - `post-send-without-send`: a path from `start` reaches the condition through none of the sends it names,
///   or a named send can never come before it;
/// - `post-send-without-wait`: a path from a named send to the condition passes no wait or wait_until.
///
/// Each check is one breadth-first search, so the cost is linear in the graph per named send.
struct PostSendRule: CampaignRule {
    func check(_ context: CampaignContext, into diagnostics: inout DiagnosticCollector) {
        let graph = context.graph
        guard let start = graph.start else { return }
        // Paths only mean something for conditions a contact can reach; unreachable ones are reported as such.
        let reachable = graph.reached(from: [start])
        for (conditionIndex, calls) in context.postSendCalls.sorted(by: { $0.key < $1.key }) where reachable[conditionIndex] {
            let condition = graph.steps[conditionIndex]
            let named = calls.compactMap { call in graph.indexByID[call.step.value].map { (call, $0) } }
            guard !named.isEmpty else { continue }
            let sendIndices = Set(named.map(\.1))
            let sentHere = sendIndices.sorted().map {
                Diagnostic.Note("'\(graph.steps[$0].id.value)' is sent here", at: graph.steps[$0].location)
            }

            if !sendIndices.contains(start) {
                let reached = graph.reached(from: [start], blocked: sendIndices.contains)
                if reached[conditionIndex] {
                    let list = sendIndices.sorted().map { "'\(graph.steps[$0].id.value)'" }.joined(separator: " or ")
                    diagnostics.emit(.postSendWithoutSend,
                                     "step '\(condition.id.value)' can be reached without sending \(list)",
                                     at: calls[0].location, notes: sentHere)
                }
            }

            var reported = Set<Int>()
            for (call, send) in named where reported.insert(send).inserted {
                let sendStep = graph.steps[send]
                let note = [Diagnostic.Note("'\(sendStep.id.value)' is sent here", at: sendStep.location)]
                let after = graph.reached(from: graph.successors[send])
                guard graph.successors[send].contains(conditionIndex) || after[conditionIndex] else {
                    diagnostics.emit(.postSendWithoutSend,
                                     "'\(sendStep.id.value)' is never sent before step '\(condition.id.value)'",
                                     at: call.step.location, notes: note)
                    continue
                }
                let isWait = { (index: Int) in graph.steps[index].kind.isWait }
                let starts = graph.successors[send].filter { !isWait($0) }
                let withoutWait = graph.reached(from: starts, blocked: isWait)
                if starts.contains(conditionIndex) || withoutWait[conditionIndex] {
                    diagnostics.emit(.postSendWithoutWait,
                                     "a path from '\(sendStep.id.value)' reaches step '\(condition.id.value)' with no wait: recipients have no time to act",
                                     at: call.step.location, notes: note)
                }
            }
        }
    }
}
