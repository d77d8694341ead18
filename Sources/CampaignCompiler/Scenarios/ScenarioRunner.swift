import CampaignFlows
import CampaignRuntime
import Foundation

/// The result of one scenario case.
public struct ScenarioCaseResult: Sendable {
    public var file: String
    public var name: String
    public var location: SourceLocation
    /// One line per expectation that failed: what was expected beside what happened.
    public var failures: [String]
    /// What happened to each contact of the case, in the order the case lists them.
    public var actual: [ScenarioActual]

    public var passed: Bool { failures.isEmpty }
}

/// What happened to one contact of a case.
public struct ScenarioActual: Sendable {
    public var contact: String
    public var sent: [(step: String, at: Double)] = []
    /// Sends that did not go out, with the reason.
    public var suppressed: [(step: String, reason: String)] = []
    public var outcome = "not_entered"
    /// Whether the last visit reached the campaign's goal.
    public var converted = false
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

    /// Runs the cases of `scenario` on the campaign version it names among `campaigns` (nothing when none is),
    /// beside the versions of the campaigns it lists under `with:`.
    public static func run(_ scenario: ScenarioFile, campaigns: [CheckedCampaign], workspace: Workspace,
                           flow makeFlow: (FlowDefinition) -> any CampaignFlow = { FlowInterpreter($0) }) async
        -> [ScenarioCaseResult] {
        guard let campaign = campaigns.first(where: {
            $0.id == scenario.campaign?.value && $0.version == scenario.version?.value
        }) else { return [] }
        let flow = makeFlow(FlowLowering.lower(campaign))
        let others = companions(of: scenario, among: campaigns).map { makeFlow(FlowLowering.lower($0)) }
        var results: [ScenarioCaseResult] = []
        for scenarioCase in scenario.cases {
            results.append(await runCase(scenarioCase, file: scenario.file, flow: flow, with: others, workspace: workspace).result)
        }
        return results
    }

    /// Every version of the campaigns `scenario` lists under `with:`, other than its own campaign's.
    public static func companions(of scenario: ScenarioFile, among campaigns: [CheckedCampaign]) -> [CheckedCampaign] {
        let ids = Set(scenario.with.map(\.value)).subtracting([scenario.campaign?.value].compactMap { $0 })
        return campaigns.filter { ids.contains($0.id) }
    }

    /// Runs one case and returns its result with the engine's trace.
    ///
    /// The clock starts at the first event, so schedules and dates fire by themselves from there as the
    /// clock passes them. After the last event it runs on until every contact of the case is at an end (or,
    /// never having entered, a scheduled firing has passed without entering them), or nothing is due within
    /// ``horizon``. `companions` run beside `flow` with their own statuses (`with:`); only `flow`'s sends are
    /// the case's `sent`.
    public static func runCase(_ scenarioCase: ScenarioCase, file: String, flow: any CampaignFlow, with companions: [any CampaignFlow] = [],
                               workspace: Workspace) async -> (result: ScenarioCaseResult, trace: [TraceEvent]) {
        do {
            return try await play(scenarioCase, file: file, flow: flow, companions: companions, workspace: workspace)
        } catch {
            return (ScenarioCaseResult(file: file, name: scenarioCase.name.value, location: scenarioCase.name.location,
                                       failures: ["the campaign cannot run: \(error)"], actual: []), [])
        }
    }

    private static func play(_ scenarioCase: ScenarioCase, file: String, flow: any CampaignFlow, companions: [any CampaignFlow],
                             workspace: Workspace) async throws -> (result: ScenarioCaseResult, trace: [TraceEvent]) {
        let definition = flow.definition
        let key = FlowKey(campaign: definition.campaign, version: definition.version)
        func failed(_ reason: String) -> (result: ScenarioCaseResult, trace: [TraceEvent]) {
            (ScenarioCaseResult(file: file, name: scenarioCase.name.value, location: scenarioCase.name.location,
                                failures: [reason], actual: []), [])
        }
        let zone: TimeZone
        switch CampaignTimeZone.resolve(definition.timezone) {
        case .success(let resolved): zone = resolved
        case .failure(let problem): return failed("the campaign cannot run: \(problem)")
        }
        func instant(_ moment: ScenarioEvent.Moment, after previous: Double) -> Double {
            switch moment {
            case .absolute(let text): Value.parseInstant(text, timeZone: zone) ?? previous
            case .after(let duration): previous + Double(duration.seconds)
            }
        }
        let start = scenarioCase.events.first.map { instant($0.at.value, after: 0) } ?? 0
        let clock = VirtualClock(now: start)
        let engine = try await CampaignEngine(flows: [flow] + companions, clock: clock)
        await engine.enforce(workspace.policies)
        // A scenario tests the version as if it took contacts, whatever its file's status.
        try await engine.setStatus(key, .published)

        var contacts: [ContactProfile] = []
        for fields in scenarioCase.contacts {
            var contact = ContactProfile(id: ScenarioCase.contactID(fields))
            for (field, node) in fields {
                switch field.value {
                case "groups": contact.groups = Set(listStrings(node))
                case "personas": contact.personas = Set(listStrings(node))
                default: contact.fields[field.value] = value(node, type: workspace.fields[field.value]?.type, zone: zone)
                }
            }
            try await engine.upsertContact(contact)
            for (step, index) in scenarioCase.variants {
                await engine.forceVariant(key, step: step.value, contact: contact.id, variant: index.value)
            }
            if let holdout = scenarioCase.holdout { await engine.forceHoldout(contact: contact.id, holdout.value) }
            contacts.append(contact)
        }
        for (step, counts) in scenarioCase.distributed { try await engine.setDistributed(key, step: step.value, counts: counts) }
        let soleContact = contacts.count == 1 ? contacts[0].id : nil

        var time = start
        for event in scenarioCase.events {
            time = max(time, instant(event.at.value, after: time))
            try await engine.advance(to: time)
            clock.now = time
            let contact = event.contact?.value ?? soleContact ?? ""
            switch event.action {
            case .event(let name, let payload):
                let fields = workspace.events[name.value]?.fields ?? [:]
                var values: [String: Value] = [:]
                for (field, node) in payload {
                    values[field.value] = value(node, type: fields[field.value] ?? .string, zone: zone)
                }
                try await engine.handle(event: name.value, contact: contact, payload: values)
            case .fire:
                try await engine.fire(key, contact: event.contact?.value ?? soleContact)
            case .approve(let step):
                try await engine.approve(key, step: step.value, contact: contact)
            case .update(let pairs):
                var fields: [String: Value] = [:]
                for (field, node) in pairs {
                    fields[field.value] = value(node, type: workspace.fields[field.value]?.type, zone: zone)
                }
                try await engine.updateContact(contact, fields: fields)
            }
        }
        let lastEvent = time
        /// Whether every contact's visits have ended, and a contact that has none was left out by a firing
        /// of a schedule or dates trigger since the last event (in the contact's own zone, for a schedule
        /// with contact time zones).
        func settled() async throws -> Bool {
            for contact in contacts {
                let visits = try await engine.store.visits(of: contact.id).filter { $0.key.flow == key }
                if visits.contains(where: \.isActive) { return false }
                if visits.isEmpty, let firing = try await engine.nextFiring(of: key, for: contact.id, after: lastEvent),
                   clock.now < firing { return false }
            }
            return true
        }
        while try await !settled(), let next = try await engine.nextWakeUp(), next <= lastEvent + horizon {
            try await engine.advanceOnce(to: next)
            clock.now = next
        }

        var actual: [ScenarioActual] = []
        for contact in contacts {
            actual.append(try await describe(contact, initialTags: Set(tags(contact.fields["tags"])), key: key,
                                             definition: definition, engine: engine))
        }
        var failures: [String] = []
        for expectation in scenarioCase.expectations {
            let id = expectation.contact?.value ?? soleContact ?? ""
            guard let got = actual.first(where: { $0.contact == id }) else { continue }
            let prefix = scenarioCase.isMultiContact ? "\(id): " : ""
            failures += compare(expectation, got, workspace: workspace, zone: zone).map { prefix + $0 }
        }
        return (ScenarioCaseResult(file: file, name: scenarioCase.name.value, location: scenarioCase.name.location,
                                   failures: failures, actual: actual), await engine.trace)
    }

    /// What happened to one contact, read from the trace and the store.
    private static func describe(_ contact: ContactProfile, initialTags: Set<String>, key: FlowKey, definition: FlowDefinition,
                                 engine: CampaignEngine) async throws -> ScenarioActual {
        var actual = ScenarioActual(contact: contact.id)
        for record in await engine.trace {
            switch record {
            case .action(let visit, let state, .send, let at) where visit.contact == contact.id && visit.flow == key:
                actual.sent.append((state, at))
            case .suppressed(let visit, let state, let reason, _) where visit.contact == contact.id && visit.flow == key:
                actual.suppressed.append((state, reason))
            default:
                break
            }
        }
        if let last = try await engine.store.visits(of: contact.id).filter({ $0.key.flow == key }).max(by: { $0.key < $1.key }) {
            actual.outcome = last.outcome?.rawValue ?? "waiting"
            actual.converted = last.convertedAt != nil
            if last.isActive { actual.atStep = definition.states[last.state].id }
        }
        let final = try await engine.store.contact(contact.id) ?? contact
        let finalTags = Set(tags(final.fields["tags"]))
        actual.tagsAdded = finalTags.subtracting(initialTags).sorted()
        actual.tagsRemoved = initialTags.subtracting(finalTags).sorted()
        actual.fields = final.fields
        return actual
    }

    /// A scenario's YAML value for a field of `type`, read in `zone`: text that does not fit the type stays
    /// text, and a value for a field of unknown type is guessed from a plain scalar's text.
    private static func value(_ node: YAMLNode, type: ValueType?, zone: TimeZone) -> Value {
        switch node {
        case .scalar(let scalar):
            if scalar.isNull { return .null }
            let elementType: ValueType? = if case .list(let element)? = type { element } else { type }
            switch elementType {
            case .list?, .null?, nil:
                if scalar.style == .plain {
                    if let int = scalar.int { return .int(int) }
                    if let number = scalar.number { return .decimal(number) }
                    if let bool = scalar.bool { return .bool(bool) }
                }
                return .string(scalar.text)
            case let type?:
                return FieldValueChecker.value(scalar, as: type, zone: zone) ?? .string(scalar.text)
            }
        case .sequence(let items, _):
            let element: ValueType? = if case .list(let element)? = type { element } else { nil }
            return .list(items.map { value($0, type: element, zone: zone) })
        case .mapping:
            return .null
        }
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
        if let suppressed = expectation.suppressed {
            let expected = suppressed.map { "\($0.step.value) (\($0.reason.value))" }
            let got = actual.suppressed.map { "\($0.step) (\($0.reason))" }
            if expected != got {
                mismatch("suppressed", "[\(expected.joined(separator: ", "))]", "[\(got.joined(separator: ", "))]")
            }
        }
        if let outcome = expectation.outcome, outcome.value != actual.outcome {
            mismatch("outcome", outcome.value, actual.outcome + (actual.atStep.map { " at '\($0)'" } ?? ""))
        }
        if let converted = expectation.converted, converted.value != actual.converted {
            mismatch("converted", String(converted.value), String(actual.converted))
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
            let expected = value(node, type: workspace.fields[field.value]?.type, zone: zone)
            let got = actual.fields[field.value] ?? .null
            if !Value.equal(expected, got) { mismatch("field '\(field.value)'", expected.description, got.description) }
        }
        return failures
    }
}
