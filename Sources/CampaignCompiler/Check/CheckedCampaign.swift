import CampaignFlows
import Foundation

/// A campaign version that checked without errors, in the shape lowering needs: what the checker guarantees
/// is certain here rather than optional, every step reference is an index into ``steps``, every expression
/// is a typed ``CheckedExpression`` and every `update_contact` value a runtime value.
///
/// Only ``Checker/check(workspace:files:)`` makes one, and only when a check reports no errors, so lowering
/// reads it without fallbacks.
public struct CheckedCampaign: Sendable {
    /// The campaign as read, for its file, positions and names.
    public var source: Campaign
    public var id: String
    public var version: Int
    public var status: CampaignStatus
    /// The IANA zone's name as written, `UTC` when the file names none; with ``contactTimezoneField``, the
    /// fallback zone's.
    public var timezone: String
    /// The zone `timezone` resolves to.
    public var timeZone: TimeZone
    /// The contact field that holds each contact's zone (v1.2, `timezone: contact.FIELD`); nil for a campaign
    /// in one zone.
    public var contactTimezoneField: String?
    /// One trigger, or several event triggers of which any enters, in file order.
    public var triggers: [CheckedTrigger]
    /// Who may enter (and, with `leave_when_out_of_audience`, stay); nil when anyone may.
    public var audience: CheckedExpression?
    /// The `exit_when` entries, in file order.
    public var exits: [CheckedExit]
    /// `many` when the file says nothing.
    public var repeatPolicy: RepeatPolicy
    /// The holdout share in percent (v1.2); nil when the campaign holds no one out.
    public var holdout: Double?
    /// What converts a visit (v1.2); nil when the campaign has no goal.
    public var goal: CheckedGoal?
    /// The start step's index.
    public var start: Int
    /// Steps in file order, their exits resolved.
    public var steps: [CheckedStep]

    public var file: String { source.file }
}

/// What enters contacts into a checked campaign.
public enum CheckedTrigger: Sendable {
    /// The contact the event is about enters, if `filter` holds on the payload.
    case event(Located<String>, filter: CheckedExpression?)
    /// A cron recurrence entering the audience at each firing.
    case schedule(Located<String>)
    /// Fixed instants (seconds since 1970) entering the audience, read in the campaign's zone.
    case dates([Double])
    case manual
    case api
}

/// A checked campaign's `goal`: what converts a visit, within how long after entry, and whether converting
/// ends it with outcome `success`.
public struct CheckedGoal: Sendable {
    /// The goal's event and its `where`, or its condition on the contact.
    public var awaited: CheckedAwaited
    public var within: CampaignDuration
    public var exit: Bool
}

/// One `exit_when` entry of a checked campaign.
public enum CheckedExit: Sendable {
    /// Leave when this event happens and `filter` holds on its payload.
    case event(Located<String>, filter: CheckedExpression?)
    /// Leave when the condition holds.
    case condition(CheckedExpression)
}

/// One step of a checked campaign: the step as read and its kind with exits as step indices.
public struct CheckedStep: Sendable {
    public var source: Step
    public var kind: CheckedStepKind

    public var id: String { source.id.value }
}

/// What a checked `wait_for` waits for.
public enum CheckedAwaited: Sendable {
    /// A condition on the contact.
    case condition(CheckedExpression)
    /// An event about the contact, when `filter` holds on its payload.
    case event(Located<String>, filter: CheckedExpression?)
}

/// What a checked step does; `next`, `then`, `else` and `otherwise` are step indices.
public enum CheckedStepKind: Sendable {
    /// The send and the workspace message it sends.
    case send(FlowSend, FlowMessage, next: Int)
    /// Each value read as its field's type.
    case update([FieldAssignment], next: Int)
    case tags(add: [Located<String>], remove: [Located<String>], next: Int)
    case unsubscribe(channels: [Located<MessageChannel>], next: Int)
    case archive(next: Int)
    case grantPromo(Located<String>, next: Int)
    case export(destination: Located<String>, fields: [Located<String>], next: Int)
    /// POSTs the contact's `fields` to a webhook destination.
    case webhook(destination: Located<String>, fields: [Located<String>], next: Int)
    /// Enters the contact into the named campaign's published version.
    case startCampaign(Located<String>, next: Int)
    /// Ends the contact's visits in every version of the named campaign.
    case exitCampaign(Located<String>, next: Int)
    case postal(Located<String>, next: Int)
    case wait(CampaignDuration, next: Int)
    case waitUntil(days: [Weekday], time: WaitUntilWindow.Time, next: Int)
    /// Goes on to `next` when `awaited` happens, to `timeout` when `within` passes first.
    case waitFor(CheckedAwaited, within: CampaignDuration, next: Int, timeout: Int)
    case condition(CheckedExpression, then: Int, else: Int)
    case branch([(condition: CheckedExpression, next: Int)], otherwise: Int)
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
    /// Resolves a campaign whose check reported no errors, with its expressions as ``ExpressionRule``
    /// resolved them.
    init(resolving campaign: Campaign, expressions: CampaignExpressions, workspace: Workspace) throws(UnresolvedCampaign) {
        func missing(_ what: String, at location: SourceLocation? = nil) -> UnresolvedCampaign {
            UnresolvedCampaign(what: what, location: location ?? campaign.location)
        }
        guard let id = campaign.id?.value else { throw missing("its 'campaign' id") }
        guard let version = campaign.version?.value else { throw missing("its 'version'") }
        guard let status = campaign.status?.value else { throw missing("its 'status'") }
        guard !campaign.triggers.isEmpty else { throw missing("its 'trigger'") }
        let timezone = campaign.timeZoneName
        guard let timeZone = campaign.resolvedTimeZone else {
            throw missing("its time zone '\(timezone)'", at: campaign.timezone?.location)
        }
        /// The resolved form of an expression the campaign has, or of none when it has none.
        func resolved(_ expression: Expression?, _ checked: CheckedExpression?, _ what: String) throws(UnresolvedCampaign) -> CheckedExpression? {
            guard let expression else { return nil }
            guard let checked else { throw missing(what, at: expression.startLocation) }
            return checked
        }
        var triggers: [CheckedTrigger] = []
        for (index, read) in campaign.triggers.enumerated() {
            switch read.kind {
            case .event(let name, let filter):
                triggers.append(.event(name, filter: try resolved(filter, expressions.triggerFilters[index], "the trigger's 'where'")))
            case .schedule(let cron): triggers.append(.schedule(cron))
            case .dates(let dates):
                var instants: [Double] = []
                for date in dates {
                    guard let instant = Value.parseInstant(date.value, timeZone: timeZone) else {
                        throw missing("the date-time '\(date.value)'", at: date.location)
                    }
                    instants.append(instant)
                }
                triggers.append(.dates(instants))
            case .manual: triggers.append(.manual)
            case .api: triggers.append(.api)
            }
        }
        let audience = try resolved(campaign.audience, expressions.audience, "the audience")
        var exits: [CheckedExit] = []
        for (index, exit) in campaign.exits.enumerated() {
            switch exit.kind {
            case .event(let name, let filter):
                exits.append(.event(name, filter: try resolved(filter, expressions.exits[index], "an exit's 'where'")))
            case .condition(let condition):
                guard let checked = expressions.exits[index] else { throw missing("an exit's 'when'", at: condition.startLocation) }
                exits.append(.condition(checked))
            }
        }
        var goal: CheckedGoal?
        if let read = campaign.goal {
            guard let within = read.within?.value else { throw missing("the goal's 'within'", at: read.location) }
            let awaited: CheckedAwaited
            switch read.awaited {
            case .event(let name, let filter)?:
                awaited = .event(name, filter: try resolved(filter, expressions.goal, "the goal's 'where'"))
            case .condition(let condition)?:
                guard let checked = expressions.goal else { throw missing("the goal's 'when'", at: condition.startLocation) }
                awaited = .condition(checked)
            case nil:
                throw missing("what the goal waits for", at: read.location)
            }
            goal = CheckedGoal(awaited: awaited, within: within, exit: read.exit)
        }
        let indexByID = campaign.stepIndices
        guard let startID = campaign.start, let start = indexByID[startID.value] else {
            throw missing("its 'start' step", at: campaign.start?.location)
        }
        var steps: [CheckedStep] = []
        for (index, step) in campaign.steps.enumerated() {
            let kind = try Self.resolve(step, indexByID: indexByID, conditions: expressions.conditions[index] ?? [],
                                        workspace: workspace, timeZone: timeZone)
            steps.append(CheckedStep(source: step, kind: kind))
        }
        self.init(source: campaign, id: id, version: version, status: status, timezone: timezone, timeZone: timeZone,
                  contactTimezoneField: campaign.contactTimezoneField?.value,
                  triggers: triggers, audience: audience, exits: exits, repeatPolicy: campaign.repeatPolicy?.value ?? .many,
                  holdout: campaign.holdout?.value, goal: goal, start: start, steps: steps)
    }

    /// A step's kind with its exits as indices, its conditions as `conditions` (those ``ExpressionRule``
    /// resolved for it, in order) and its field values read as their fields' types.
    private static func resolve(_ step: Step, indexByID: [String: Int], conditions: [CheckedExpression?], workspace: Workspace,
                                timeZone: TimeZone) throws(UnresolvedCampaign) -> CheckedStepKind {
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
        /// The resolved condition at `position`, for a step with `count` conditions.
        func condition(_ position: Int, of count: Int) throws(UnresolvedCampaign) -> CheckedExpression {
            guard conditions.count == count, let condition = conditions[position] else { throw unresolved("a condition") }
            return condition
        }
        switch step.kind {
        case .send(let send):
            guard let message = workspace.messages[send.message.value] else {
                throw UnresolvedCampaign(what: "message '\(send.message.value)'", location: send.message.location)
            }
            let flowSend = FlowSend(channel: send.channel, message: send.message.value, approval: send.approval?.value ?? false,
                                    optimized: send.sendTime?.value == "optimized")
            let flowMessage = FlowMessage(channel: message.channel, category: message.category, transactional: message.isTransactional)
            return .send(flowSend, flowMessage, next: try target(.next))
        case .update(let assignments):
            var values: [FieldAssignment] = []
            for (field, node) in assignments {
                guard let type = workspace.fields[field.value]?.type,
                      let value = FieldValueChecker.value(node, as: type, zone: timeZone) else {
                    throw UnresolvedCampaign(what: "the value of '\(field.value)'", location: node.location)
                }
                values.append(FieldAssignment(field: field.value, value: value))
            }
            return .update(values, next: try target(.next))
        case .tags(let add, let remove): return .tags(add: add, remove: remove, next: try target(.next))
        case .unsubscribe(let channels): return .unsubscribe(channels: channels, next: try target(.next))
        case .archive: return .archive(next: try target(.next))
        case .grantPromo(let bank): return .grantPromo(bank, next: try target(.next))
        case .export(let destination, let fields): return .export(destination: destination, fields: fields, next: try target(.next))
        case .webhook(let destination, let fields): return .webhook(destination: destination, fields: fields, next: try target(.next))
        case .startCampaign(let campaign): return .startCampaign(campaign, next: try target(.next))
        case .exitCampaign(let campaign): return .exitCampaign(campaign, next: try target(.next))
        case .postal(let mode): return .postal(mode, next: try target(.next))
        case .wait(let duration): return .wait(duration.value, next: try target(.next))
        case .waitUntil(let window):
            guard let time = window.time else { throw unresolved("the time") }
            return .waitUntil(days: window.days, time: time, next: try target(.next))
        case .waitFor(let waitFor):
            guard let within = waitFor.within?.value else { throw unresolved("'within'") }
            let checked: CheckedAwaited
            switch waitFor.awaited {
            case .condition?: checked = .condition(try condition(0, of: 1))
            case .event(let name, let filter)?:
                if filter != nil { checked = .event(name, filter: try condition(0, of: 1)) } else { checked = .event(name, filter: nil) }
            case nil: throw unresolved("what 'wait_for' waits for")
            }
            return .waitFor(checked, within: within, next: try target(.next), timeout: try target(.timeout))
        case .condition:
            return .condition(try condition(0, of: 1), then: try target(.then), else: try target(.else))
        case .branch(let written):
            var resolved: [CheckedExpression] = []
            for position in written.indices { resolved.append(try condition(position, of: written.count)) }
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
