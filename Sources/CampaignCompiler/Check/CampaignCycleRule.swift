/// `campaign-cycle`: `start_campaign` steps that lead back where they started without a wait, across
/// campaigns, so that the runtime would enter campaign after campaign in one instant without end.
///
/// It follows each campaign's ``LiveVersion``: the published one, or, for a campaign with none published, its
/// draft. Within a version it follows every exit of the steps that take no time, and from a `start_campaign`
/// step it goes on to the start step of the named campaign's live version too. A `wait`, a `wait_until` and
/// an approval count as waits (a `wait_until` ends a visit's instant even inside its window: the contact
/// entered again is a new visit); a `wait_for` does not, since its condition may hold at once. A cycle within
/// one version without any `start_campaign` is `zero-time-cycle`'s. Each cycle is reported once, at its step
/// that comes first (file, line, column), with notes at the others along the cycle.
enum CampaignCycleRule {
    /// One step of one live version.
    private struct Node {
        let campaign: Campaign
        let step: Step
    }

    static func check(_ campaigns: [Campaign], into diagnostics: inout DiagnosticCollector) {
        let live = LiveVersion.byCampaign(campaigns) { $0 }
        var nodes: [Node] = []
        var firstNode: [String: Int] = [:]
        for (id, campaign) in live.sorted(by: { $0.key < $1.key }) {
            firstNode[id] = nodes.count
            nodes += campaign.steps.map { Node(campaign: campaign, step: $0) }
        }
        // Each version's step indices, built once: a version's steps all look them up.
        let stepIndices = live.mapValues(\.stepIndices)
        // Edges between steps that take no time; `crosses` marks those from a start_campaign to a start step.
        var successors = [[Int]](repeating: [], count: nodes.count)
        var crosses = Set<[Int]>()
        for (index, node) in nodes.enumerated() where !takesTime(node.step.kind) {
            let id = node.campaign.id!.value
            let base = firstNode[id]!
            let indices = stepIndices[id]!
            for exit in node.step.exits {
                if let target = indices[exit.target.value], !takesTime(node.campaign.steps[target].kind) {
                    successors[index].append(base + target)
                }
            }
            if case .startCampaign(let name) = node.step.kind, let target = live[name.value],
               let start = target.start.flatMap({ stepIndices[name.value]![$0.value] }), !takesTime(target.steps[start].kind) {
                let startNode = firstNode[name.value]! + start
                successors[index].append(startNode)
                crosses.insert([index, startNode])
            }
        }
        let graph = DirectedGraph(successors: successors)
        for component in graph.stronglyConnectedComponents() {
            let members = Set(component)
            guard component.contains(where: { from in successors[from].contains { members.contains($0) && crosses.contains([from, $0]) } })
            else { continue }
            let first = component.min { nodes[$0].step.location < nodes[$1].step.location }!
            // A shortest way from the first step back to itself inside the component.
            guard let cycle = graph.path(from: first, to: first, within: members.contains) else { continue }
            let names = cycle.map { "'\(nodes[$0].campaign.id!.value)'.'\(nodes[$0].step.id.value)'" }.joined(separator: " -> ")
            let notes = cycle.dropFirst().dropLast().map {
                Diagnostic.Note("'\(nodes[$0].step.id.value)' of campaign '\(nodes[$0].campaign.id!.value)' is on the cycle",
                                at: nodes[$0].step.location)
            }
            diagnostics.emit(.campaignCycle, "start_campaign steps form the cycle \(names), which passes through no wait or approval",
                             at: nodes[first].step.location, notes: notes)
        }
    }

    /// A wait, a wait_until or an approval: the contact's instant ends there.
    private static func takesTime(_ kind: StepKind) -> Bool {
        if case .waitUntil = kind { return true }
        return kind.alwaysTakesTime
    }
}
