import CampaignRuntime
import Foundation

/// A campaign version that checked without errors, in the shape lowering needs: what the checker guarantees
/// is certain here rather than optional, and every step reference is an index into ``steps``.
///
/// Only ``Checker/check(workspace:files:)`` makes one, and only when a check reports no errors, so lowering
/// reads it without fallbacks.
public struct CheckedCampaign: Sendable {
    /// The campaign as read, for its file, positions and names.
    public var source: Campaign
    public var id: String
    public var version: Int
    public var status: CampaignStatus
    /// The IANA zone's name as written, `UTC` when the file names none.
    public var timezone: String
    /// The zone `timezone` resolves to.
    public var timeZone: TimeZone
    /// One trigger, or several event triggers of which any enters, in file order.
    public var triggers: [CheckedTrigger]
    /// `many` when the file says nothing.
    public var repeatPolicy: RepeatPolicy
    /// The start step's index.
    public var start: Int
    /// Steps in file order, their exits resolved.
    public var steps: [CheckedStep]
    /// Step indices by step id, for the post-send calls in expressions.
    public var indexByID: [String: Int]

    public var file: String { source.file }
}

/// What enters contacts into a checked campaign.
public enum CheckedTrigger: Sendable {
    /// The contact the event is about enters, if `filter` holds on the payload.
    case event(Located<String>, filter: Expression?)
    /// A cron recurrence entering the audience at each firing.
    case schedule(Located<String>)
    /// Fixed instants (seconds since 1970) entering the audience, read in the campaign's zone.
    case dates([Double])
    case manual
    case api
}

/// One step of a checked campaign: the step as read and its kind with exits as step indices.
public struct CheckedStep: Sendable {
    public var source: Step
    public var kind: CheckedStepKind

    public var id: String { source.id.value }
}

/// What a checked step does; `next`, `then`, `else` and `otherwise` are step indices.
public enum CheckedStepKind: Sendable {
    case send(SendStep, next: Int)
    case update([(field: Located<String>, value: YAMLNode)], next: Int)
    case tags(add: [Located<String>], remove: [Located<String>], next: Int)
    case unsubscribe(channels: [Located<MessageChannel>], next: Int)
    case archive(next: Int)
    case grantPromo(Located<String>, next: Int)
    case export(destination: Located<String>, fields: [Located<String>], next: Int)
    case postal(Located<String>, next: Int)
    case wait(CampaignDuration, next: Int)
    case waitUntil(days: [Weekday], time: WaitUntilWindow.Time, next: Int)
    /// Goes on to `next` when `awaited` happens, to `timeout` when `within` passes first.
    case waitFor(WaitForStep.Awaited, within: CampaignDuration, next: Int, timeout: Int)
    case condition(Expression, then: Int, else: Int)
    case branch([(condition: Expression, next: Int)], otherwise: Int)
    /// Weights in percent.
    case split([(weight: Int, next: Int)])
    case test(variants: [(share: Double, next: Int)], winnerBy: String, decideAfter: CampaignDuration)
    case distribute([(maximum: Int, next: Int)], otherwise: Int)
    case dedupe(by: Located<String>, keep: Located<String>, next: Int)
    case end(Outcome)
}

/// What a campaign lacked when it was resolved after a check without errors: a disagreement between the
/// readers and rules and ``CheckedCampaign``, reported as an error rather than lowered with a guess.
struct UnresolvedCampaign: Error {
    var what: String
    var location: SourceLocation
}

extension CheckedCampaign {
    /// Resolves a campaign whose check reported no errors.
    init(resolving campaign: Campaign) throws(UnresolvedCampaign) {
        func missing(_ what: String, at location: SourceLocation? = nil) -> UnresolvedCampaign {
            UnresolvedCampaign(what: what, location: location ?? campaign.location)
        }
        guard let id = campaign.id?.value else { throw missing("its 'campaign' id") }
        guard let version = campaign.version?.value else { throw missing("its 'version'") }
        guard let status = campaign.status?.value else { throw missing("its 'status'") }
        guard !campaign.triggers.isEmpty else { throw missing("its 'trigger'") }
        let timezone = campaign.timezone?.value ?? "UTC"
        guard case .success(let timeZone) = CampaignTimeZone.resolve(timezone) else {
            throw missing("its time zone '\(timezone)'", at: campaign.timezone?.location)
        }
        let triggers = try campaign.triggers.map { read throws(UnresolvedCampaign) -> CheckedTrigger in
            switch read.kind {
            case .event(let name, let filter): return .event(name, filter: filter)
            case .schedule(let cron): return .schedule(cron)
            case .dates(let dates):
                var instants: [Double] = []
                for date in dates {
                    guard let instant = FlowLowering.instant(date.value, zone: timeZone) else {
                        throw missing("the date-time '\(date.value)'", at: date.location)
                    }
                    instants.append(instant)
                }
                return .dates(instants)
            case .manual: return .manual
            case .api: return .api
            }
        }
        var indexByID: [String: Int] = [:]
        for (index, step) in campaign.steps.enumerated() where indexByID[step.id.value] == nil {
            indexByID[step.id.value] = index
        }
        guard let startID = campaign.start, let start = indexByID[startID.value] else {
            throw missing("its 'start' step", at: campaign.start?.location)
        }
        let steps = try campaign.steps.map { step throws(UnresolvedCampaign) in
            CheckedStep(source: step, kind: try Self.resolve(step, indexByID: indexByID))
        }
        self.init(source: campaign, id: id, version: version, status: status, timezone: timezone, timeZone: timeZone,
                  triggers: triggers, repeatPolicy: campaign.repeatPolicy?.value ?? .many, start: start, steps: steps,
                  indexByID: indexByID)
    }

    private static func resolve(_ step: Step, indexByID: [String: Int]) throws(UnresolvedCampaign) -> CheckedStepKind {
        func target(_ label: StepExit.Label) throws(UnresolvedCampaign) -> Int {
            guard let exit = step.exits.first(where: { $0.label == label }) else {
                throw UnresolvedCampaign(what: "the '\(label)' exit of step '\(step.id.value)'", location: step.location)
            }
            guard let index = indexByID[exit.target.value] else {
                throw UnresolvedCampaign(what: "step '\(exit.target.value)'", location: exit.target.location)
            }
            return index
        }
        /// The option exits `0..<count`, in order.
        func options(_ count: Int) throws(UnresolvedCampaign) -> [Int] {
            var targets: [Int] = []
            for index in 0..<count { targets.append(try target(.option(index))) }
            return targets
        }
        func unresolved(_ what: String) -> UnresolvedCampaign {
            UnresolvedCampaign(what: "\(what) of step '\(step.id.value)'", location: step.location)
        }
        switch step.kind {
        case .send(let send): return .send(send, next: try target(.next))
        case .update(let assignments): return .update(assignments, next: try target(.next))
        case .tags(let add, let remove): return .tags(add: add, remove: remove, next: try target(.next))
        case .unsubscribe(let channels): return .unsubscribe(channels: channels, next: try target(.next))
        case .archive: return .archive(next: try target(.next))
        case .grantPromo(let bank): return .grantPromo(bank, next: try target(.next))
        case .export(let destination, let fields): return .export(destination: destination, fields: fields, next: try target(.next))
        case .postal(let mode): return .postal(mode, next: try target(.next))
        case .wait(let duration): return .wait(duration.value, next: try target(.next))
        case .waitUntil(let window):
            guard let time = window.time else { throw unresolved("the time") }
            return .waitUntil(days: window.days, time: time, next: try target(.next))
        case .waitFor(let waitFor):
            guard let awaited = waitFor.awaited else { throw unresolved("what 'wait_for' waits for") }
            guard let within = waitFor.within?.value else { throw unresolved("'within'") }
            return .waitFor(awaited, within: within, next: try target(.next), timeout: try target(.timeout))
        case .condition(let condition):
            guard let condition else { throw unresolved("the condition") }
            return .condition(condition, then: try target(.then), else: try target(.else))
        case .branch(let conditions):
            var resolved: [Expression] = []
            for condition in conditions {
                guard let condition else { throw unresolved("a condition") }
                resolved.append(condition)
            }
            return .branch(Array(zip(resolved, try options(resolved.count))), otherwise: try target(.otherwise))
        case .split(let weights):
            return .split(Array(zip(weights.map(\.value), try options(weights.count))))
        case .test(let test):
            guard let winnerBy = test.winnerBy?.value else { throw unresolved("'winner_by'") }
            guard let decideAfter = test.decideAfter?.value else { throw unresolved("'decide_after'") }
            return .test(variants: Array(zip(test.shares.map(\.value), try options(test.shares.count))),
                         winnerBy: winnerBy, decideAfter: decideAfter)
        case .distribute(let maxima):
            return .distribute(Array(zip(maxima.map(\.value), try options(maxima.count))), otherwise: try target(.otherwise))
        case .dedupe(let by, let keep): return .dedupe(by: by, keep: keep, next: try target(.next))
        case .end(let outcome): return .end(outcome.value)
        case .unreadable(let key): throw unresolved("the '\(key)' value")
        }
    }
}
