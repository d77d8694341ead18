import CampaignFlows
import CampaignRuntime
import Testing
@testable import CampaignCompiler

/// Every example campaign's scenarios take every exit of every step at least once.
@Suite struct ScenarioCoverageTests {
    /// The exits of a state, as (from, to) state ids.
    static func exits(of definition: FlowDefinition) -> Set<String> {
        var edges = Set<String>()
        for state in definition.states {
            let targets: [Int] = switch state.step {
            case .send(_, _, _, _, let next), .update(_, let next), .tags(_, _, let next), .unsubscribe(_, let next),
                 .archive(let next), .grantPromo(_, let next), .export(_, _, let next), .postal(_, let next),
                 .webhook(_, _, let next), .startCampaign(_, let next), .exitCampaign(_, let next),
                 .wait(_, let next), .waitUntil(_, _, _, let next), .dedupe(_, _, let next): [next]
            case .condition(_, let then, let otherwise), .waitFor(_, _, let then, let otherwise): [then, otherwise]
            case .branch(let options, let otherwise), .distribute(let options, let otherwise): options.map(\.next) + [otherwise]
            case .split(let options), .test(let options, _, _): options.map(\.next)
            case .end: []
            }
            for target in targets { edges.insert("\(state.id) -> \(definition.states[target].id)") }
        }
        return edges
    }

    @Test func scenariosTakeEveryExitOfEveryStep() async throws {
        let project = ExampleCampaignTests.result
        for definition in CompiledModule.lowered(project) {
            var taken = Set<String>()
            var arrived = Set<String>()
            for scenario in project.scenarios where scenario.campaign?.value == definition.campaign && scenario.version?.value == definition.version {
                let companions = ScenarioRunner.companions(of: scenario, among: project.checked).map { FlowInterpreter(FlowLowering.lower($0)) }
                for scenarioCase in scenario.cases {
                    let trace = await ScenarioRunner.runCase(scenarioCase, file: scenario.file, flow: FlowInterpreter(definition),
                                                       with: companions, workspace: project.workspace).trace
                    var last: [VisitKey: String] = [:]
                    for event in trace {
                        guard case .arrived(let visit, let state, _) = event,
                              visit.flow == FlowKey(campaign: definition.campaign, version: definition.version) else { continue }
                        arrived.insert(state)
                        if let previous = last[visit] { taken.insert("\(previous) -> \(state)") }
                        last[visit] = state
                    }
                }
            }
            let missing = Self.exits(of: definition).subtracting(taken).sorted()
            #expect(missing.isEmpty, "\(definition.campaign) v\(definition.version): no scenario takes \(missing.joined(separator: ", "))")
        }
    }
}
