import Foundation

import CampaignFlows

/// Draws a campaign's steps as a graph, in Graphviz DOT or Mermaid: the start edge labelled with every
/// trigger, shapes by step kind, condition exits labelled, ends coloured by outcome, and each campaign that a
/// `start_campaign` or `exit_campaign` step names as a node of its own, outside the flow, with a dashed edge
/// from the step labelled `start` or `exit`. Where the campaign has them (v1.2), its holdout is a dashed edge
/// from the start point, labelled with the share, to an end node of outcome `holdout`, and its goal a note
/// beside the start point saying what converts, within how long, and whether converting ends the visit.
public struct GraphEmitter {
    public enum Format: String, CaseIterable, Sendable {
        case dot, mermaid
    }

    let definition: FlowDefinition
    /// One plain identifier per step, distinct from each other and from the start node's `start`. DOT
    /// prints them quoted; Mermaid, which has no quoted identifiers, with an `s_` before them, so that no
    /// step id can be read as a keyword (`node`, `edge`, `graph`, `subgraph`, `end`, `style`, ...) or as an
    /// edge's `o` or `x` head.
    private let nodeIDs: [String]

    public init(_ definition: FlowDefinition) {
        self.definition = definition
        nodeIDs = Array(SwiftIdentifier.unique(["start"] + definition.states.map(\.id)).dropFirst())
    }

    public func emit(_ format: Format) -> String {
        format == .dot ? dot() : mermaid()
    }

    /// What a node says: its id and what it does.
    private func label(_ state: FlowState) -> String {
        let detail: String = switch state.step {
        case .send(let channel, let message, let approval, _, _): "send \(channel.rawValue) \(message)\(approval ? " (approval)" : "")"
        case .update(let assignments, _): "update " + assignments.map(\.field).joined(separator: ", ")
        case .tags(let add, let remove, _): (add.map { "+\($0)" } + remove.map { "-\($0)" }).joined(separator: " ")
        case .unsubscribe(let channels, _): "unsubscribe " + channels.map(\.rawValue).joined(separator: ", ")
        case .archive: "archive"
        case .grantPromo(let bank, _): "promo \(bank)"
        case .export(let destination, _, _): "export to \(destination)"
        case .postal(let mode, _): "postal \(mode)"
        case .webhook(let destination, _, _): "webhook to \(destination)"
        case .startCampaign(let campaign, _): "start campaign \(campaign)"
        case .exitCampaign(let campaign, _): "exit campaign \(campaign)"
        case .wait(let seconds, _): "wait \(Self.duration(seconds))"
        case .waitUntil(let days, let from, let to, _):
            "until " + days.map(\.rawValue).joined(separator: ",")
                + " " + Self.time(from) + (to.map { "-" + Self.time($0) } ?? "")
        case .waitFor(.condition(let condition), let within, _, _): "wait for \(text(condition)), \(Self.duration(within)) at most"
        case .waitFor(.event(let event, let filter), let within, _, _):
            "wait for \(event)\(filter.map { " where " + text($0) } ?? ""), \(Self.duration(within)) at most"
        case .condition(let condition, _, _): "if " + text(condition)
        case .branch: "branch"
        case .split: "split"
        case .test(_, let winnerBy, let decideAfter): "A/X test by \(winnerBy), \(Self.duration(decideAfter))"
        case .distribute: "distribute"
        case .dedupe(let by, let keep, _): "dedupe by \(by), keep \(keep)"
        case .end(let outcome): "end: \(outcome.rawValue)"
        }
        return "\(state.id)\n\(detail)"
    }

    private static func duration(_ seconds: Int) -> String {
        CampaignDuration(seconds: seconds).description
    }

    private static func time(_ minutes: Int) -> String {
        let hours = minutes / 60, rest = minutes % 60
        return (hours < 10 ? "0" : "") + "\(hours):" + (rest < 10 ? "0" : "") + "\(rest)"
    }

    /// What enters contacts, one trigger a line, for the start edge.
    private var triggerLabel: String {
        let triggers: [String] = switch definition.trigger {
        case .event, .events:
            definition.trigger.eventTriggers.map { "on \($0.event)" + ($0.filter.map { " where " + text($0) } ?? "") }
        case .schedule(let cron): ["schedule \(cron)"]
        case .dates(let instants): instants.map { "at " + Date(timeIntervalSince1970: $0).ISO8601Format() }
        case .manual: ["manual"]
        case .api: ["api"]
        }
        return triggers.joined(separator: "\n")
    }

    /// The holdout's edge label: the share that leaves at entry.
    private var holdoutLabel: String? {
        definition.holdout.map { "\(Self.number($0))% held out" }
    }

    /// The goal's note, one line each for what converts, the window and what converting does.
    private var goalLabel: String? {
        guard let goal = definition.goal else { return nil }
        let awaited = switch goal.awaited {
        case .event(let event, let filter): "on \(event)" + (filter.map { " where " + text($0) } ?? "")
        case .condition(let condition): "when " + text(condition)
        }
        return "goal: \(awaited)\nwithin \(Self.duration(goal.within)) of entry\n"
            + (goal.exit ? "converting ends the visit: success" : "converting does not end the visit")
    }

    /// Every edge with its label.
    private func edges(_ index: Int) -> [(to: Int, label: String?)] {
        switch definition.states[index].step {
        case .send(_, _, _, _, let next), .update(_, let next), .tags(_, _, let next), .unsubscribe(_, let next),
             .archive(let next), .grantPromo(_, let next), .export(_, _, let next), .postal(_, let next),
             .webhook(_, _, let next), .startCampaign(_, let next), .exitCampaign(_, let next),
             .wait(_, let next), .waitUntil(_, _, _, let next), .dedupe(_, _, let next):
            return [(next, nil)]
        case .waitFor(_, _, let next, let timeout):
            return [(next, "next"), (timeout, "timeout")]
        case .condition(_, let then, let otherwise):
            return [(then, "yes"), (otherwise, "no")]
        case .branch(let options, let otherwise):
            return options.map { ($0.next, $0.condition.map(text) ?? "") } + [(otherwise, "otherwise")]
        case .split(let options):
            return options.map { ($0.next, "\(Self.number($0.amount))%") }
        case .test(let variants, _, _):
            return variants.map { ($0.next, "\(Self.number($0.amount))% / winner") }
        case .distribute(let buckets, let otherwise):
            return buckets.map { ($0.next, "max \(Self.number($0.amount))") } + [(otherwise, "otherwise")]
        case .end:
            return []
        }
    }

    /// The campaigns that cross-campaign steps name, in the order first named, and each such step's edge to
    /// one of them (its index in the first list) labelled `start` or `exit`.
    private var externalCampaigns: (campaigns: [String], edges: [(from: Int, to: Int, label: String)]) {
        var campaigns: [String] = []
        var edges: [(from: Int, to: Int, label: String)] = []
        for (index, state) in definition.states.enumerated() {
            let (campaign, label): (String, String)
            switch state.step {
            case .startCampaign(let name, _): (campaign, label) = (name, "start")
            case .exitCampaign(let name, _): (campaign, label) = (name, "exit")
            default: continue
            }
            if !campaigns.contains(campaign) { campaigns.append(campaign) }
            edges.append((index, campaigns.firstIndex(of: campaign)!, label))
        }
        return (campaigns, edges)
    }

    /// A condition written back in the campaign language, for labels.
    func text(_ expression: FlowExpression) -> String {
        func wrapped(_ operand: FlowExpression) -> String {
            switch operand {
            case .and, .or: "(\(text(operand)))"
            default: text(operand)
            }
        }
        switch expression {
        case .literal(let value):
            if case .string(let string) = value { return "\"\(string)\"" }
            if case .duration(let seconds) = value { return Self.duration(seconds) }
            return value.description
        case .field(let name): return "contact.\(name)"
        case .eventField(let name): return "event.\(name)"
        case .not(let operand): return "not \(wrapped(operand))"
        case .and(let left, let right): return "\(wrapped(left)) and \(wrapped(right))"
        case .or(let left, let right): return "\(text(left)) or \(text(right))"
        case .compare(let op, let left, let right): return "\(text(left)) \(op.rawValue) \(text(right))"
        case .contains(let item, let list): return "\(text(item)) in \(text(list))"
        case .list(let items): return "[" + items.map(text).joined(separator: ", ") + "]"
        case .call(let function, let arguments):
            let written = zip(function.declaration.parameters, arguments).compactMap { parameter, argument -> String? in
                let value: String
                switch argument {
                case .name(let name): value = name
                case .state(let state): value = definition.states.indices.contains(state) ? definition.states[state].id : "?"
                case .value(let expression): value = text(expression)
                case .absent: return nil
                }
                return (parameter.label.map { "\($0): " } ?? "") + value
            }
            return "\(function.rawValue)(\(written.joined(separator: ", ")))"
        }
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// The fill of the holdout's end node: no campaign end has it.
    private static let holdoutColor = "#546e7a"

    private static func color(_ outcome: Outcome) -> String {
        switch outcome {
        case .success: "#2e7d32"
        case .failure: "#c62828"
        case .abandon: "#ef6c00"
        case .neutral: "#757575"
        }
    }

    private func dot() -> String {
        func quoted(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n") + "\""
        }
        let nodeIDs = self.nodeIDs.map(quoted)
        var p = CodePrinter()
        p.block("digraph \(quoted("\(definition.campaign) v\(definition.version)")) {") { p in
            p.line("rankdir=TB;")
            p.line("node [fontname=\"Helvetica\", fontsize=11];")
            p.line("\"start\" [shape=point, width=0.15];")
            p.line("\"start\" -> \(nodeIDs[definition.start]) [label=\(quoted(triggerLabel))];")
            for (index, state) in definition.states.enumerated() {
                let attributes: String = switch state.step {
                case .send: "shape=box, style=\"rounded,filled\", fillcolor=\"#e3f2fd\""
                case .wait, .waitUntil, .waitFor: "shape=box, style=\"dashed\""
                case .condition, .branch: "shape=diamond"
                case .split, .test, .distribute: "shape=hexagon"
                case .end(let outcome): "shape=doublecircle, style=filled, fontcolor=white, fillcolor=\"\(Self.color(outcome))\""
                default: "shape=box"
                }
                p.line("\(nodeIDs[index]) [label=\(quoted(label(state))), \(attributes)];")
            }
            for index in definition.states.indices {
                for edge in edges(index) {
                    p.line("\(nodeIDs[index]) -> \(nodeIDs[edge.to])\(edge.label.map { " [label=\(quoted($0))]" } ?? "");")
                }
            }
            // Step ids are identifiers, so an id with a space is no step's.
            let external = externalCampaigns
            for campaign in external.campaigns {
                p.line("\(quoted("campaign \(campaign)")) [label=\(quoted("campaign \(campaign)")), shape=component, style=dashed];")
            }
            for edge in external.edges {
                p.line("\(nodeIDs[edge.from]) -> \(quoted("campaign \(external.campaigns[edge.to])")) [label=\(quoted(edge.label)), style=dashed];")
            }
            // Neither is a step's (no space) nor a named campaign's ("campaign " and an id).
            if let holdoutLabel {
                p.line("\"outcome holdout\" [label=\(quoted("held out\noutcome: holdout")), shape=doublecircle, style=filled, fontcolor=white, fillcolor=\"\(Self.holdoutColor)\"];")
                p.line("\"start\" -> \"outcome holdout\" [label=\(quoted(holdoutLabel)), style=dashed];")
            }
            if let goalLabel {
                p.line("\"goal note\" [label=\(quoted(goalLabel)), shape=note];")
                p.line("\"start\" -> \"goal note\" [style=dotted, arrowhead=none];")
            }
        }
        return p.text
    }

    private func mermaid() -> String {
        func quoted(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\"", with: "#quot;").replacingOccurrences(of: "\n", with: "<br/>") + "\""
        }
        let nodeIDs = self.nodeIDs.map { "s_" + $0 }
        var p = CodePrinter()
        p.line("flowchart TD")
        p.line("    start(( )) -->|\(quoted(triggerLabel))| \(nodeIDs[definition.start])")
        for (index, state) in definition.states.enumerated() {
            let text = quoted(label(state))
            let node: String = switch state.step {
            case .condition, .branch: "{\(text)}"
            case .split, .test, .distribute: "{{\(text)}}"
            case .wait, .waitUntil, .waitFor: "[/\(text)/]"
            case .end: "(((\(text))))"
            default: "[\(text)]"
            }
            p.line("    \(nodeIDs[index])\(node)")
        }
        for index in definition.states.indices {
            for edge in edges(index) {
                p.line("    \(nodeIDs[index]) -->\(edge.label.map { "|\(quoted($0))|" } ?? "") \(nodeIDs[edge.to])")
            }
        }
        // Step nodes are `s_` and an identifier, so `c_` and a number is no step's.
        let external = externalCampaigns
        for (index, campaign) in external.campaigns.enumerated() {
            p.line("    c_\(index)[[\(quoted("campaign \(campaign)"))]]")
        }
        for edge in external.edges {
            p.line("    \(nodeIDs[edge.from]) -.->|\(quoted(edge.label))| c_\(edge.to)")
        }
        // `holdout` and `goal` have no `s_` either.
        if let holdoutLabel {
            p.line("    holdout(((\"held out<br/>outcome: holdout\")))")
            p.line("    start -.->|\(quoted(holdoutLabel))| holdout")
        }
        if let goalLabel {
            p.line("    goal>\(quoted(goalLabel))]")
            p.line("    start -.- goal")
        }
        for (index, state) in definition.states.enumerated() {
            if case .end(let outcome) = state.step {
                p.line("    style \(nodeIDs[index]) fill:\(Self.color(outcome)),color:#fff")
            }
        }
        if holdoutLabel != nil { p.line("    style holdout fill:\(Self.holdoutColor),color:#fff") }
        return p.text
    }
}
