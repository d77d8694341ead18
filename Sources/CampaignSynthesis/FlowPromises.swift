import CampaignCompiler
import CampaignFlows
import CampaignRuntime

/// What the checker promises about a campaign that checks with no errors, tested by running it: the
/// runtime accepts its lowered form, and no contact loops without time passing.
///
/// The checker refuses every cycle of steps that passes through no wait or approval (`zero-time-cycle`), so within one activation (a visit moving through steps at one instant until it
/// waits, is held or ends) a visit reaches each step at most once, and an activation takes at most as many
/// transitions as the campaign has steps. The engine stops a visit that takes more than
/// ``CampaignEngine/maximumTransitionsPerActivation(steps:)`` with outcome `stopped`; with those promises kept
/// it never needs to.
public enum FlowPromises {
    /// Runs `script` on the interpreted `definition` (with at most `maximumWakeUps` timers and firings, when
    /// given: ``RandomScript/run(_:maximumWakeUps:)``) and returns each broken promise, described; empty when
    /// all hold.
    public static func violations(running script: RandomScript, on definition: FlowDefinition,
                                  maximumWakeUps: Int? = nil) async -> [String] {
        let trace: [TraceEvent]
        do {
            trace = try await script.run(FlowInterpreter(definition), maximumWakeUps: maximumWakeUps)
        } catch {
            return ["the runtime refused a campaign that checks clean: \(error)"]
        }
        return violations(in: trace, of: definition)
    }

    /// The broken promises a trace shows.
    public static func violations(in trace: [TraceEvent], of definition: FlowDefinition) -> [String] {
        var found: [String] = []
        // The current activation: whose, when, and the steps it reached in order.
        var visit: VisitKey?
        var instant = -Double.infinity
        var reached: [String] = []
        func begin(_ key: VisitKey?, at time: Double) {
            visit = key
            instant = time
            reached = []
        }
        for event in trace {
            switch event {
            case .entered(let key, let at):
                begin(key, at: at)
            case .arrived(let key, let state, let at):
                if key != visit || at != instant { begin(key, at: at) }
                if reached.contains(state) {
                    let loop = reached.drop { $0 != state } + [state]
                    found.append("\(key) loops at one instant (\(at)): \(loop.map { "'\($0)'" }.joined(separator: " -> "))")
                    return found
                }
                reached.append(state)
                if reached.count > definition.states.count {
                    found.append("\(key) took \(reached.count) transitions at one instant, more than the \(definition.states.count) steps")
                    return found
                }
            case .action(let key, _, _, let at), .suppressed(let key, _, _, let at):
                if key != visit || at != instant { begin(key, at: at) }
            case .held:
                // A hold ends the activation: an approval or a test's winner continues it later.
                begin(nil, at: -.infinity)
            case .ended(let key, let outcome, let at):
                if outcome == .stopped {
                    found.append("\(key) was stopped by the engine at \(at): it took more than "
                                 + "\(CampaignEngine.maximumTransitionsPerActivation(steps: definition.states.count)) transitions at one instant")
                }
                begin(nil, at: -.infinity)
            }
        }
        return found
    }
}
