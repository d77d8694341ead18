/// `zero-time-cycle`: a cycle through no wait or approval, on which the runtime would loop without time
/// passing. A wait_until does not break the cycle: inside its window, or at the minute it names (when its
/// own timer wakes the contact), it ends at once; nor does a wait_for, whose condition may already hold. Each cycle is reported once, at its step that comes first
/// in the file.
struct ZeroTimeCycleRule: CampaignRule {
    func check(_ context: CampaignContext, into diagnostics: inout DiagnosticCollector) {
        let graph = context.graph
        let instant = { (index: Int) in !graph.steps[index].kind.alwaysTakesTime }
        for component in graph.stronglyConnectedComponents(among: instant) {
            let first = component.min { graph.steps[$0].location < graph.steps[$1].location }!
            guard component.count > 1 || graph.successors[first].contains(first) else { continue }
            let members = Set(component)
            let cycle = graph.path(from: first, to: first, within: members.contains) ?? [first, first]
            let names = cycle.map { "'\(graph.steps[$0].id.value)'" }.joined(separator: " -> ")
            let notes = cycle.dropFirst().dropLast().map { Diagnostic.Note("'\(graph.steps[$0].id.value)' is on the cycle", at: graph.steps[$0].location) }
            diagnostics.emit(.zeroTimeCycle, "the cycle \(names) passes through no wait or approval (a wait_until can end at once)",
                             at: graph.steps[first].location, notes: notes)
        }
    }
}
