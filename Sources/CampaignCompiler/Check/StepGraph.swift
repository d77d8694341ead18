/// A campaign's steps as a directed graph over indices, for the path rules.
///
/// Every analysis is a linear-time traversal (breadth-first search or Tarjan's strongly connected
/// components); nothing enumerates paths, so a chain of diamonds checks as fast as a straight line.
struct StepGraph {
    let steps: [Step]
    let indexByID: [String: Int]
    /// Successors of each step, through exits whose target exists, without repeats.
    let successors: [[Int]]
    /// Predecessors of each step: the reverse of `successors`.
    let predecessors: [[Int]]
    /// The start step's index, when it exists.
    let start: Int?

    init(campaign: Campaign) {
        steps = campaign.steps
        let indexByID = campaign.stepIndices
        self.indexByID = indexByID
        successors = steps.map { step in
            var targets: [Int] = []
            for exit in step.exits {
                if let target = indexByID[exit.target.value], !targets.contains(target) { targets.append(target) }
            }
            return targets
        }
        var predecessors = [[Int]](repeating: [], count: steps.count)
        for (node, nexts) in successors.enumerated() {
            for next in nexts { predecessors[next].append(node) }
        }
        self.predecessors = predecessors
        start = campaign.start.flatMap { indexByID[$0.value] }
    }

    var count: Int { steps.count }

    /// Whether some exit names a step that does not exist.
    var hasDanglingExits: Bool {
        steps.contains { $0.exits.contains { indexByID[$0.target.value] == nil } }
    }

    /// Steps reached from `sources` by following exits, never entering a step for which `blocked` holds.
    /// Sources themselves are marked reached whatever `blocked` says.
    func reached(from sources: [Int], blocked: (Int) -> Bool = { _ in false }) -> [Bool] {
        var reached = [Bool](repeating: false, count: count)
        var queue = sources
        for source in sources { reached[source] = true }
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            for next in successors[node] where !reached[next] && !blocked(next) {
                reached[next] = true
                queue.append(next)
            }
        }
        return reached
    }

    /// A breadth-first search from `sources` along exits (or against them when `backward`) that never enters
    /// a `blocked` step and stops at the first step (sources included) for which `found` holds.
    ///
    /// Its cost is that of the region it explores, not of the whole graph, so the many small searches of
    /// the post-send rules stay cheap on large campaigns.
    func firstReached(from sources: [Int], backward: Bool = false, blocked: (Int) -> Bool = { _ in false },
                      where found: (Int) -> Bool) -> Int? {
        let edges = backward ? predecessors : successors
        var visited = Set(sources)
        var queue = sources
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            if found(node) { return node }
            for next in edges[node] where !blocked(next) && visited.insert(next).inserted {
                queue.append(next)
            }
        }
        return nil
    }

    /// Steps from which some step satisfying `isTarget` can be reached.
    func canReach(_ isTarget: (Int) -> Bool) -> [Bool] {
        var reaches = [Bool](repeating: false, count: count)
        var queue = (0..<count).filter(isTarget)
        for node in queue { reaches[node] = true }
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            for previous in predecessors[node] where !reaches[previous] {
                reaches[previous] = true
                queue.append(previous)
            }
        }
        return reaches
    }

    /// The strongly connected components of the subgraph of steps satisfying `included`.
    func stronglyConnectedComponents(among included: (Int) -> Bool) -> [[Int]] {
        DirectedGraph(successors: successors).stronglyConnectedComponents(among: included)
    }

    /// A shortest path from `source` to `target` through steps allowed by `allowed`, both ends included.
    func path(from source: Int, to target: Int, within allowed: (Int) -> Bool) -> [Int]? {
        DirectedGraph(successors: successors).path(from: source, to: target, within: allowed)
    }
}

/// Nodes `0..<count` and their successors: the searches the path rules share, over one campaign's steps
/// (``StepGraph``) or over the steps of several campaigns (``CampaignCycleRule``).
struct DirectedGraph {
    let successors: [[Int]]

    var count: Int { successors.count }

    /// The strongly connected components of the subgraph of nodes satisfying `included`, each as a list of
    /// indices (iterative Tarjan, so deep graphs do not exhaust the stack).
    func stronglyConnectedComponents(among included: (Int) -> Bool = { _ in true }) -> [[Int]] {
        var index = [Int](repeating: -1, count: count)
        var lowLink = [Int](repeating: 0, count: count)
        var onStack = [Bool](repeating: false, count: count)
        var stack: [Int] = []
        var components: [[Int]] = []
        var nextIndex = 0
        for root in 0..<count where included(root) && index[root] == -1 {
            var work: [(node: Int, edge: Int)] = [(root, 0)]
            index[root] = nextIndex; lowLink[root] = nextIndex; nextIndex += 1
            stack.append(root); onStack[root] = true
            while let (node, edge) = work.last {
                let nexts = successors[node]
                if edge < nexts.count {
                    work[work.count - 1].edge += 1
                    let next = nexts[edge]
                    guard included(next) else { continue }
                    if index[next] == -1 {
                        index[next] = nextIndex; lowLink[next] = nextIndex; nextIndex += 1
                        stack.append(next); onStack[next] = true
                        work.append((next, 0))
                    } else if onStack[next] {
                        lowLink[node] = min(lowLink[node], index[next])
                    }
                    continue
                }
                work.removeLast()
                if let parent = work.last { lowLink[parent.node] = min(lowLink[parent.node], lowLink[node]) }
                if lowLink[node] == index[node] {
                    var component: [Int] = []
                    while let member = stack.popLast() {
                        onStack[member] = false
                        component.append(member)
                        if member == node { break }
                    }
                    components.append(component)
                }
            }
        }
        return components
    }

    /// A shortest path from `source` to `target` through nodes allowed by `allowed`, both ends included.
    func path(from source: Int, to target: Int, within allowed: (Int) -> Bool) -> [Int]? {
        var parent = [Int](repeating: -1, count: count)
        var visited = [Bool](repeating: false, count: count)
        var queue = [source]
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            for next in successors[node] where allowed(next) {
                if next == target {
                    var path = [target]
                    var current = node
                    while current != source {
                        path.append(current)
                        current = parent[current]
                    }
                    path.append(source)
                    return path.reversed()
                }
                if !visited[next] {
                    visited[next] = true
                    parent[next] = node
                    queue.append(next)
                }
            }
        }
        return nil
    }
}
