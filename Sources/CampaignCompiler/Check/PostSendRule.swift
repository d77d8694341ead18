/// The post-send rules on `delivered`, `opened`, `clicked`, `unsubscribed_from` and `complained`:
///
/// - `post-send-without-send`: a path from `start` reaches the condition through none of the sends it names,
///   or a named send can never come before it;
/// - `post-send-without-wait`: a path from a named send to the condition passes no wait or wait_until.
///
/// Each check is a search bounded by the steps it looks for: backwards from the condition until the named
/// sends (or `start`) are met, forwards from a send until the waits are met. No path is enumerated, and on
/// typical campaigns no search crosses the whole graph.
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

            // Going back from the condition without crossing a named send, is `start` met?
            let unsent = graph.firstReached(from: [conditionIndex], backward: true, blocked: sendIndices.contains) { $0 == start }
            if unsent != nil {
                let list = sendIndices.sorted().map { "'\(graph.steps[$0].id.value)'" }.joined(separator: " or ")
                diagnostics.emit(.postSendWithoutSend, "step '\(condition.id.value)' can be reached without sending \(list)",
                                 at: calls[0].location, notes: sentHere)
            }

            // Going back from the condition, which named sends are met at all?
            var notYetMet = sendIndices
            _ = graph.firstReached(from: graph.predecessors[conditionIndex], backward: true) { node in
                notYetMet.remove(node)
                return notYetMet.isEmpty
            }

            var reported = Set<Int>()
            for (call, send) in named where reported.insert(send).inserted {
                let sendStep = graph.steps[send]
                let note = [Diagnostic.Note("'\(sendStep.id.value)' is sent here", at: sendStep.location)]
                if notYetMet.contains(send) {
                    diagnostics.emit(.postSendWithoutSend, "'\(sendStep.id.value)' is never sent before step '\(condition.id.value)'",
                                     at: call.step.location, notes: note)
                    continue
                }
                let isWait = { (index: Int) in graph.steps[index].kind.isWait }
                let instant = graph.firstReached(from: graph.successors[send].filter { !isWait($0) }, blocked: isWait) {
                    $0 == conditionIndex
                }
                if instant != nil {
                    diagnostics.emit(.postSendWithoutWait,
                                     "a path from '\(sendStep.id.value)' reaches step '\(condition.id.value)' with no wait: recipients have no time to act",
                                     at: call.step.location, notes: note)
                }
            }
        }
    }
}
