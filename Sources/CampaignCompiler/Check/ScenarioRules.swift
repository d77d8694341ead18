import CampaignFlows
import Foundation

/// Checks scenario files against the campaigns and workspace they name: the version exists, contact fields
/// and events exist and fit, and every step a case names is a step of the right kind.
enum ScenarioRules {
    static func check(_ scenario: ScenarioFile, campaigns: [Campaign], workspace: Workspace,
                      into diagnostics: inout DiagnosticCollector) {
        let ids = Set(campaigns.compactMap { $0.id?.value })
        for companion in scenario.with where !ids.contains(companion.value) {
            diagnostics.emit(.unknownName, "unknown campaign '\(companion.value)'" + Suggestions.didYouMean(companion.value, in: ids),
                             at: companion.location)
        }
        guard let id = scenario.campaign, let version = scenario.version else { return }
        let versions = campaigns.filter { $0.id?.value == id.value }
        guard !versions.isEmpty else {
            diagnostics.emit(.unknownName, "unknown campaign '\(id.value)'"
                             + Suggestions.didYouMean(id.value, in: Set(campaigns.compactMap { $0.id?.value })), at: id.location)
            return
        }
        guard let campaign = versions.first(where: { $0.version?.value == version.value }) else {
            let known = versions.compactMap { $0.version?.value }.sorted().map(String.init).joined(separator: ", ")
            diagnostics.emit(.unknownName, "campaign '\(id.value)' has no version \(version.value) (versions: \(known))", at: version.location)
            return
        }
        var steps: [String: Step] = [:]
        for step in campaign.steps where steps[step.id.value] == nil { steps[step.id.value] = step }

        func checkFields(_ pairs: [(field: Located<String>, value: YAMLNode)], memberships: Bool = false) {
            for (name, value) in pairs {
                if memberships, name.value == "groups" || name.value == "personas" {
                    let known = name.value == "groups" ? workspace.groups : workspace.personas
                    guard case .sequence(let items, _) = value else {
                        diagnostics.emit(.wrongType, "'\(name.value)' must be a list", at: value.location)
                        continue
                    }
                    for item in items {
                        guard let scalar = item.scalar, known.contains(scalar.text) else {
                            diagnostics.emit(.unknownName, "unknown \(name.value == "groups" ? "group" : "persona") '\(item.scalar?.text ?? "")'"
                                             + Suggestions.didYouMean(item.scalar?.text ?? "", in: known), at: item.location)
                            continue
                        }
                    }
                    continue
                }
                guard let field = workspace.fields[name.value] else {
                    diagnostics.emit(.unknownName, "unknown contact field '\(name.value)'"
                                     + workspace.didYouMeanField(name.value), at: name.location)
                    continue
                }
                FieldValueChecker.check(value, for: field, into: &diagnostics)
            }
        }
        func checkStep(_ name: Located<String>, mustSend: Bool) {
            guard let step = steps[name.value] else {
                diagnostics.emit(.unknownStep, "campaign '\(id.value)' v\(version.value) has no step '\(name.value)'"
                                 + Suggestions.didYouMean(name.value, in: steps.keys), at: name.location)
                return
            }
            if mustSend, case .send = step.kind {} else if mustSend {
                diagnostics.emit(.postSendNotASend, "'\(name.value)' is \(step.kind.nameWithArticle) step, not a send", at: name.location)
            }
        }

        // With an unreadable zone (reported on the campaign) times cannot be compared.
        let zone = campaign.resolvedTimeZone
        for scenarioCase in scenario.cases {
            for contact in scenarioCase.contacts { checkFields(contact, memberships: true) }
            let ids = scenarioCase.contacts.map(ScenarioCase.contactID)
            func checkContact(_ name: Located<String>?, required: Bool, at location: SourceLocation) {
                guard scenarioCase.isMultiContact else {
                    if let name {
                        diagnostics.emit(.unknownKey, "'contact' names a contact of a case with 'contacts'; this case has one contact",
                                         at: name.location)
                    }
                    return
                }
                guard let name else {
                    if required {
                        diagnostics.emit(.missingKey, "in a case with 'contacts', say which contact this is about with 'contact: ID'",
                                         at: location)
                    }
                    return
                }
                if !ids.contains(name.value) {
                    diagnostics.emit(.unknownName, "no contact '\(name.value)' in this case" + Suggestions.didYouMean(name.value, in: ids),
                                     at: name.location)
                }
            }
            for (step, index) in scenarioCase.variants {
                guard let target = steps[step.value] else {
                    checkStep(step, mustSend: false)
                    continue
                }
                let count: Int
                switch target.kind {
                case .split(let options): count = options.count
                case .test(let test): count = test.shares.count
                default:
                    diagnostics.emit(.wrongType, "'\(step.value)' is \(target.kind.nameWithArticle) step, not a test or split", at: step.location)
                    continue
                }
                if !(0..<count).contains(index.value) {
                    diagnostics.emit(.wrongType, "'\(step.value)' has variants 0 to \(count - 1), not \(index.value)", at: index.location)
                }
            }
            // Events happen in time order: an absolute time before the previous event's is a mistake.
            var previous: (time: Double, location: SourceLocation)?
            for event in scenarioCase.events {
                let time: Double?
                switch event.at.value {
                case .absolute(let text): time = zone.flatMap { Value.parseInstant(text, timeZone: $0) }
                case .after(let duration): time = previous.map { $0.time + Double(duration.seconds) }
                }
                guard let time else { continue }
                if let previous, time < previous.time {
                    diagnostics.emit(.badDate, "events must be in time order: this one is \(CampaignDuration(seconds: Int(previous.time - time))) before the previous one",
                                     at: event.at.location, notes: [.init("the previous event", at: previous.location)])
                }
                previous = (time, event.at.location)
            }
            for (step, counts) in scenarioCase.distributed {
                guard let target = steps[step.value] else {
                    checkStep(step, mustSend: false)
                    continue
                }
                guard case .distribute(let maxima) = target.kind else {
                    diagnostics.emit(.wrongType, "'\(step.value)' is \(target.kind.nameWithArticle) step, not a distribute", at: step.location)
                    continue
                }
                if counts.count > maxima.count {
                    diagnostics.emit(.wrongType, "'\(step.value)' has \(maxima.count) buckets, not \(counts.count)", at: step.location)
                }
            }
            for event in scenarioCase.events {
                var needsContact = true
                if case .fire = event.action { needsContact = false }
                checkContact(event.contact, required: needsContact, at: event.location)
                switch event.action {
                case .event(let name, let payload):
                    guard let definition = workspace.events[name.value] else {
                        diagnostics.emit(.unknownName, "unknown event '\(name.value)'"
                                         + Suggestions.didYouMean(name.value, in: workspace.events.keys), at: name.location)
                        continue
                    }
                    // A message event names a step of this campaign unless it says it comes from another one.
                    let otherCampaign = payload.first { $0.field.value == "campaign" }?.value.scalar
                    let aboutThisCampaign = definition.isMessageEvent && (otherCampaign == nil || otherCampaign?.text == id.value)
                    for (field, value) in payload {
                        if aboutThisCampaign, field.value == "step" {
                            if let step = value.scalar { checkStep(Located(step.text, at: step.location), mustSend: true) }
                        } else if definition.fields[field.value] == nil {
                            diagnostics.emit(.unknownName, "event '\(name.value)' has no field '\(field.value)'"
                                             + Suggestions.didYouMean(field.value, in: definition.fields.keys), at: field.location)
                        }
                    }
                    if aboutThisCampaign, !payload.contains(where: { $0.field.value == "step" }) {
                        diagnostics.emit(.missingKey, "message event '\(name.value)' needs 'step': the send step whose message it concerns",
                                         at: event.location)
                    }
                case .approve(let step):
                    checkStep(step, mustSend: true)
                case .update(let pairs):
                    checkFields(pairs)
                case .fire:
                    if !campaign.triggerEvents.isEmpty {
                        diagnostics.emit(.wrongType, "'fire' applies to schedule, date, manual and api triggers; send the trigger event instead",
                                         at: event.location)
                    }
                }
            }
            for expectation in scenarioCase.expectations {
                if let contact = expectation.contact { checkContact(contact, required: true, at: contact.location) }
                for send in expectation.sent ?? [] { checkStep(send.step, mustSend: true) }
                for suppression in expectation.suppressed ?? [] { checkStep(suppression.step, mustSend: true) }
                if let atStep = expectation.atStep { checkStep(atStep, mustSend: false) }
                if let fields = expectation.fields { checkFields(fields) }
            }
        }
    }
}
