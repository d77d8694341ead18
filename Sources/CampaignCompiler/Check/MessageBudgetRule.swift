import CampaignFlows

/// `message-budget`: some path of this campaign alone can make more marketing sends of a channel than one of
/// the workspace's frequency caps allows within its period, so the runtime would suppress some of them.
///
/// Waits count at their shortest: a `wait` at its duration; a `wait_until`, a `wait_for` (its condition may hold
/// at once, on either exit), an approval (a marketer may approve at once), an optimized send time and a test's `decide_after` (its variants go on at once) as no time. Every
/// exit of a condition, branch, split, test or distribution is a possible path, and loops are unrolled as far
/// as the period allows. Each campaign version is one visit: re-entries and other campaigns' sends are the
/// runtime's to count. One warning per cap: at the send that goes over it on the fastest such path (the
/// first in the file among equals), with notes at the earlier sends of that path.
struct MessageBudgetRule: CampaignRule {
    /// The most earlier sends a warning notes one by one; a longer path (a cap with a large `max`) shows its
    /// first and last few.
    static let notedSends = 10

    func check(_ context: CampaignContext, into diagnostics: inout DiagnosticCollector) {
        for cap in context.workspace.frequencyCaps {
            let budget = MessageBudget(graph: context.graph, workspace: context.workspace, cap: cap.value)
            guard let path = budget.pathOverTheCap() else { continue }
            let steps = context.graph.steps
            let channel = cap.value.channel.rawValue
            let per = CampaignDuration(seconds: cap.value.per)
            let over = path.last!
            func after(_ send: MessageBudget.CountedSend) -> String {
                send.elapsed == 0 ? "at the same time as the first" : "\(CampaignDuration(seconds: send.elapsed)) after the first"
            }
            func note(_ send: MessageBudget.CountedSend) -> Diagnostic.Note {
                Diagnostic.Note(send.number == 1 ? "marketing \(channel) number 1 of that path is sent here"
                                : "marketing \(channel) number \(send.number) is sent here, \(after(send))",
                                at: steps[send.step].location)
            }
            let earlier = path.dropLast()
            var notes: [Diagnostic.Note]
            if earlier.count <= Self.notedSends {
                notes = earlier.map(note)
            } else {
                let shown = Self.notedSends / 2
                let hidden = earlier.dropFirst(shown).first!
                notes = earlier.prefix(shown).map(note)
                notes.append(.init("marketing \(channel) numbers \(hidden.number) to \(earlier.count - shown) are sent on the way (not shown)",
                                   at: steps[hidden.step].location))
                notes += earlier.suffix(shown).map(note)
            }
            notes.append(.init("the cap is declared here", at: cap.location))
            diagnostics.emit(.messageBudget,
                             "'\(steps[over.step].id.value)' can be marketing \(channel) number \(over.number) within \(per) on one path "
                             + "(\(after(over))), over the workspace's frequency cap of \(cap.value.max) per \(per)",
                             at: steps[over.step].location, notes: notes)
        }
    }
}

/// The dynamic program behind ``MessageBudgetRule`` for one frequency cap: over states (step, marketing sends
/// of the cap's channel so far, from 1 to `max + 1`), the shortest time elapsed since the path's first such
/// send. The cap is broken when some send reaches `max + 1` in less than `per` (a send exactly `per` earlier
/// no longer counts).
///
/// Layer `c` holds the states after `c` counted sends; a counted send moves a path to the next layer, so the
/// layers are solved in order, each by Dijkstra's algorithm from the sends that open it. The cost is at most
/// `max + 1` times a shortest-path search over the campaign, and stops at the first layer no path reaches
/// within the period. Times only grow along a path, so a cycle is followed only as long as it stays inside
/// the period; a zero-time cycle (already an error) is followed at most `max + 1` times. The number of states
/// expanded is bounded by ``maximumExpansions``, so that no workspace and campaign, however large or
/// hostile, make the check hang: past it, the cap is not reported.
struct MessageBudget {
    /// A send of the cap's channel on the path found: the `number`-th, `elapsed` seconds after the first.
    struct CountedSend: Equatable {
        var step: Int
        var number: Int
        var elapsed: Int
    }

    /// The most states one cap's search expands in one campaign: about 3 s in a debug build (measured on a
    /// one-minute loop against a cap of a million per ten years), far more than any real campaign needs.
    static let maximumExpansions = 2_000_000

    let graph: StepGraph
    let cap: FrequencyCap
    /// Whether each step is a marketing send of the cap's channel (a declared message, not transactional).
    let counts: [Bool]
    /// Each step's shortest stay in seconds; nil for an unreadable step, which no path is followed through.
    let stay: [Int?]

    init(graph: StepGraph, workspace: Workspace, cap: FrequencyCap) {
        self.graph = graph
        self.cap = cap
        counts = graph.steps.map { step in
            guard case .send(let send) = step.kind, send.channel == cap.channel,
                  let message = workspace.messages[send.message.value] else { return false }
            return !message.isTransactional
        }
        stay = graph.steps.map { step in
            switch step.kind {
            case .wait(let duration): duration.value.seconds
            case .unreadable: nil
            default: 0
            }
        }
    }

    /// The counted sends of a fastest path that makes `max + 1` of them within `per`, in path order, or nil
    /// when no path does (or the search would pass ``maximumExpansions``).
    func pathOverTheCap(maximumExpansions: Int = Self.maximumExpansions) -> [CountedSend]? {
        guard let start = graph.start else { return nil }
        let reached = graph.reached(from: [start])
        // Layer 1 opens at every reachable counted send: a window may begin at any of them.
        var openings: [Int: Int] = [:]
        for step in 0..<graph.count where reached[step] && counts[step] { openings[step] = 0 }
        var layer = 0
        // Each state reached, by ``state(_:_:)``: the step it came from (-1 for a first send) and its time.
        var cameFrom: [Int: (step: Int, elapsed: Int)] = [:]
        for step in openings.keys { cameFrom[state(layer, step)] = (-1, 0) }
        var elapsed = [Int](repeating: .max, count: graph.count)
        var expansions = 0
        while !openings.isEmpty {
            if layer == cap.max {
                let over = openings.min { ($0.value, $0.key) < ($1.value, $1.key) }!.key
                return path(endingAt: over, in: layer, cameFrom)
            }
            // Dijkstra's algorithm inside the layer; counted sends reached open the next one.
            var next: [Int: Int] = [:]
            var queue = TimeQueue()
            var touched: [Int] = []
            // In step order, so that among equally fast paths the same one is found on every run.
            for (step, time) in openings.sorted(by: { $0.key < $1.key }) {
                elapsed[step] = time
                touched.append(step)
                queue.push(time, step)
            }
            while let (time, step) = queue.pop() {
                guard time == elapsed[step], let stay = stay[step] else { continue }
                expansions += 1
                if expansions > maximumExpansions { return nil }
                let leaving = time + stay
                guard leaving < cap.per else { continue }
                for successor in graph.successors[step] {
                    if counts[successor] {
                        if leaving < next[successor] ?? .max {
                            next[successor] = leaving
                            cameFrom[state(layer + 1, successor)] = (step, leaving)
                        }
                    } else if leaving < elapsed[successor] {
                        if elapsed[successor] == .max { touched.append(successor) }
                        elapsed[successor] = leaving
                        cameFrom[state(layer, successor)] = (step, leaving)
                        queue.push(leaving, successor)
                    }
                }
            }
            for step in touched { elapsed[step] = .max }
            openings = next
            layer += 1
        }
        return nil
    }

    /// The key of the state at `step` after `layer + 1` counted sends.
    private func state(_ layer: Int, _ step: Int) -> Int { layer * graph.count + step }

    /// Walks back from the send that goes over the cap to the path's first counted send.
    private func path(endingAt over: Int, in lastLayer: Int, _ cameFrom: [Int: (step: Int, elapsed: Int)]) -> [CountedSend] {
        var sends: [CountedSend] = []
        var step = over
        var layer = lastLayer
        while let (previous, time) = cameFrom[state(layer, step)] {
            if counts[step] {
                sends.append(CountedSend(step: step, number: layer + 1, elapsed: time))
                if previous == -1 { break }
                // A counted send is entered from the layer before it.
                layer -= 1
            }
            step = previous
        }
        return sends.reversed()
    }
}

/// A binary min-heap of (elapsed seconds, step), for the shortest-time search of ``MessageBudget``.
private struct TimeQueue {
    private var items: [(time: Int, step: Int)] = []

    mutating func push(_ time: Int, _ step: Int) {
        items.append((time, step))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].time < items[parent].time else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (time: Int, step: Int)? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        guard !items.isEmpty else { return first }
        items[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count, items[left].time < items[smallest].time { smallest = left }
            if right < items.count, items[right].time < items[smallest].time { smallest = right }
            guard smallest != parent else { return first }
            items.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
