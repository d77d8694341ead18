import CampaignRuntime
import Foundation

/// The result of one scenario case.
public struct ScenarioCaseResult: Sendable {
    public var file: String
    public var name: String
    public var location: SourceLocation
    /// One line per expectation that failed: what was expected beside what happened.
    public var failures: [String]
    /// What happened, in the same words as the expectations.
    public var actual: ScenarioActual

    public var passed: Bool { failures.isEmpty }
}

/// What happened to the contact of a case.
public struct ScenarioActual: Sendable {
    public var sent: [(step: String, at: Double)] = []
    public var outcome = "not_entered"
    public var atStep: String?
    public var tagsAdded: [String] = []
    public var tagsRemoved: [String] = []
    public var fields: [String: Value] = [:]
}

/// Runs scenario cases on a virtual clock through the runtime engine, with the interpreter by default or
/// any other flow factory (the differential tests pass compiled flows).
public enum ScenarioRunner {
    /// After the last event the clock runs on for at most this long.
    public static let horizon: Double = 2 * 365 * 86_400

    public static func run(_ scenario: ScenarioFile, campaigns: [Campaign], workspace: Workspace,
                           flow makeFlow: (FlowDefinition) -> any CampaignFlow = { FlowInterpreter($0) })
        -> [ScenarioCaseResult] {
        guard let campaign = campaigns.first(where: {
            $0.id?.value == scenario.campaign?.value && $0.version?.value == scenario.version?.value
        }) else { return [] }
        let flow = makeFlow(FlowLowering.lower(campaign, workspace: workspace))
        return scenario.cases.map { runCase($0, file: scenario.file, flow: flow, workspace: workspace).result }
    }

    /// Runs one case and returns its result with the engine's trace.
    public static func runCase(_ scenarioCase: ScenarioCase, file: String, flow: any CampaignFlow,
                               workspace: Workspace) -> (result: ScenarioCaseResult, trace: [TraceEvent]) {
        let definition = flow.definition
        let key = FlowKey(campaign: definition.campaign, version: definition.version)
        let zone = TimeZone(identifier: definition.timezone) ?? TimeZone(identifier: "UTC")!
        let clock = VirtualClock(now: 0)
        let engine = CampaignEngine(flows: [flow], clock: clock)
        // A scenario tests the version as if it took contacts, whatever its file's status.
        engine.setStatus(key, .published)

        var contact = ContactProfile(id: "contact")
        for (field, node) in scenarioCase.contact {
            switch field.value {
            case "groups": contact.groups = Set(listStrings(node))
            case "personas": contact.personas = Set(listStrings(node))
            default: contact.fields[field.value] = FlowLowering.value(node, type: workspace.fields[field.value]?.type, zone: zone)
            }
        }
        if case .string(let id)? = contact.fields["id"] { contact.id = id }
        let initialTags = Set(tags(contact.fields["tags"]))
        engine.upsertContact(contact)
        for (step, counts) in scenarioCase.distributed { engine.setDistributed(key, step: step.value, counts: counts) }

        var time: Double = 0
        for event in scenarioCase.events {
            switch event.at.value {
            case .absolute(let text): time = Value.parseInstant(text) ?? time
            case .after(let duration): time += Double(duration.seconds)
            }
            engine.runTimers(upTo: time)
            clock.now = time
            switch event.action {
            case .event(let name, let payload):
                let fields = workspace.events[name.value]?.fields ?? [:]
                var values: [String: Value] = [:]
                for (field, node) in payload {
                    values[field.value] = FlowLowering.value(node, type: fields[field.value] ?? .string, zone: zone)
                }
                engine.handle(event: name.value, contact: contact.id, payload: values)
            case .fire:
                engine.fire(key, contact: contact.id)
            case .approve(let step):
                engine.approve(key, step: step.value, contact: contact.id)
            case .update(let pairs):
                var fields: [String: Value] = [:]
                for (field, node) in pairs {
                    fields[field.value] = FlowLowering.value(node, type: workspace.fields[field.value]?.type, zone: zone)
                }
                engine.updateContact(contact.id, fields: fields)
            }
        }
        engine.runTimers(upTo: time + horizon)

        var actual = ScenarioActual()
        for record in engine.trace {
            if case .action(let visit, let state, .send, let at) = record, visit.contact == contact.id {
                actual.sent.append((state, at))
            }
        }
        if let last = engine.store.visits(of: contact.id).filter({ $0.key.flow == key }).max(by: { $0.key < $1.key }) {
            actual.outcome = last.outcome ?? "waiting"
            if last.isActive { actual.atStep = definition.states[last.state].id }
        }
        let final = engine.store.contact(contact.id) ?? contact
        let finalTags = Set(tags(final.fields["tags"]))
        actual.tagsAdded = finalTags.subtracting(initialTags).sorted()
        actual.tagsRemoved = initialTags.subtracting(finalTags).sorted()
        actual.fields = final.fields

        let failures = compare(scenarioCase.expectation, actual, workspace: workspace, zone: zone)
        return (ScenarioCaseResult(file: file, name: scenarioCase.name.value, location: scenarioCase.name.location,
                                   failures: failures, actual: actual), engine.trace)
    }

    private static func listStrings(_ node: YAMLNode) -> [String] {
        if case .sequence(let items, _) = node { return items.compactMap { $0.scalar?.text } }
        return node.scalar.map { [$0.text] } ?? []
    }

    private static func tags(_ value: Value?) -> [String] {
        guard case .list(let items)? = value else { return [] }
        return items.compactMap { if case .string(let tag) = $0 { tag } else { nil } }
    }

    static func format(_ time: Double) -> String { Value.instant(time).description }

    private static func compare(_ expectation: ScenarioExpectation?, _ actual: ScenarioActual, workspace: Workspace,
                                zone: TimeZone) -> [String] {
        guard let expectation else { return [] }
        var failures: [String] = []
        func mismatch(_ what: String, _ expected: String, _ got: String) {
            failures.append("\(what): expected \(expected), got \(got)")
        }
        if let sent = expectation.sent {
            let expectedSteps = sent.map(\.step.value)
            let actualSteps = actual.sent.map(\.step)
            let expectsTimes = sent.contains { $0.at != nil }
            let times = sent.map { $0.at.flatMap { Value.parseInstant($0.value, timeZone: zone) } }
            let timesMatch = zip(times, actual.sent).allSatisfy { expected, got in expected.map { $0 == got.at } ?? true }
            if expectedSteps != actualSteps || (expectsTimes && !timesMatch) {
                let describe = { (steps: [(String, Double?)]) in
                    "[" + steps.map { step, at in at.map { "\(step) at \(format($0))" } ?? step }.joined(separator: ", ") + "]"
                }
                mismatch("sent", describe(zip(expectedSteps, times).map { ($0, $1) }),
                         describe(actual.sent.map { ($0.step, expectsTimes ? $0.at : nil) }))
            }
        }
        if let outcome = expectation.outcome, outcome.value != actual.outcome {
            mismatch("outcome", outcome.value, actual.outcome + (actual.atStep.map { " at '\($0)'" } ?? ""))
        }
        if let atStep = expectation.atStep, atStep.value != actual.atStep {
            mismatch("at_step", atStep.value, actual.atStep ?? "no step (the contact is not inside)")
        }
        if let added = expectation.tagsAdded, Set(added.map(\.value)) != Set(actual.tagsAdded) {
            mismatch("tags added", "[\(added.map(\.value).sorted().joined(separator: ", "))]", "[\(actual.tagsAdded.joined(separator: ", "))]")
        }
        if let removed = expectation.tagsRemoved, Set(removed.map(\.value)) != Set(actual.tagsRemoved) {
            mismatch("tags removed", "[\(removed.map(\.value).sorted().joined(separator: ", "))]", "[\(actual.tagsRemoved.joined(separator: ", "))]")
        }
        for (field, node) in expectation.fields ?? [] {
            let expected = FlowLowering.value(node, type: workspace.fields[field.value]?.type, zone: zone)
            let got = actual.fields[field.value] ?? .null
            if !Value.equal(expected, got) { mismatch("field '\(field.value)'", expected.description, got.description) }
        }
        return failures
    }
}
