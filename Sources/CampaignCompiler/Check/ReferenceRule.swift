/// `unknown-name` for the workspace names a campaign uses outside expressions: the contact field that holds
/// contacts' zones (`type-mismatch` when it is not a string field), the trigger events, the events
/// `wait_for` steps await, messages,
/// promo banks, export and webhook destinations and the fields they send; `type-mismatch` for an export to a
/// destination of another kind than sftp, or a webhook to one of another kind than webhook. Campaign ids named
/// by `start_campaign` and `exit_campaign` are the workspace's campaigns: ``CampaignReferenceRule`` checks them.
struct ReferenceRule: CampaignRule {
    func check(_ context: CampaignContext, into diagnostics: inout DiagnosticCollector) {
        let workspace = context.workspace
        if let field = context.campaign.contactTimezoneField {
            if let declared = workspace.fields[field.value] {
                if declared.type != .string {
                    diagnostics.emit(.typeMismatch, "'timezone: contact.\(field.value)' needs a string field holding IANA zone names; '\(field.value)' is \(declared.type.description)",
                                     at: field.location, notes: [.init("'\(field.value)' is declared here", at: declared.name.location)])
                }
            } else {
                diagnostics.emit(.unknownName, "unknown contact field '\(field.value)'" + workspace.didYouMeanField(field.value), at: field.location)
            }
        }
        for event in context.campaign.triggerEvents where workspace.events[event.value] == nil {
            diagnostics.emit(.unknownName, "unknown event '\(event.value)'" + Suggestions.didYouMean(event.value, in: workspace.events.keys),
                             at: event.location)
        }
        for step in context.campaign.steps {
            switch step.kind {
            case .send(let send) where workspace.messages[send.message.value] == nil:
                diagnostics.emit(.unknownName, "unknown message '\(send.message.value)'"
                                 + Suggestions.didYouMean(send.message.value, in: workspace.messages.keys), at: send.message.location)
            case .waitFor(let waitFor):
                if case .event(let event, _)? = waitFor.awaited, workspace.events[event.value] == nil {
                    diagnostics.emit(.unknownName, "unknown event '\(event.value)'" + Suggestions.didYouMean(event.value, in: workspace.events.keys),
                                     at: event.location)
                }
            case .grantPromo(let bank) where !workspace.promoBanks.contains(bank.value):
                diagnostics.emit(.unknownName, "unknown promo bank '\(bank.value)'"
                                 + Suggestions.didYouMean(bank.value, in: workspace.promoBanks), at: bank.location)
            case .export(let destination, let fields):
                checkDestination(destination, fields: fields, step: "export", kind: .sftp, workspace, into: &diagnostics)
            case .webhook(let destination, let fields):
                checkDestination(destination, fields: fields, step: "webhook", kind: .webhook, workspace, into: &diagnostics)
            default:
                break
            }
        }
    }

    /// A destination the `step` sends `fields` to must be declared, of `kind` (or of the v1 list form, without
    /// one), and the fields must be contact fields.
    private func checkDestination(_ destination: Located<String>, fields: [Located<String>], step: String,
                                  kind expected: Workspace.Destination.Kind, _ workspace: Workspace,
                                  into diagnostics: inout DiagnosticCollector) {
        if let declared = workspace.destinations[destination.value] {
            if let kind = declared.kind, kind != expected {
                diagnostics.emit(.typeMismatch, "'\(destination.value)' is \(kind == .sftp ? "an" : "a") \(kind.rawValue) destination; '\(step)' needs \(expected == .sftp ? "an" : "a") \(expected.rawValue) one",
                                 at: destination.location,
                                 notes: [.init("'\(destination.value)' is declared here", at: declared.name.location)])
            }
        } else {
            diagnostics.emit(.unknownName, "unknown \(step) destination '\(destination.value)'"
                             + Suggestions.didYouMean(destination.value, in: workspace.destinations.keys), at: destination.location)
        }
        for field in fields where workspace.fields[field.value] == nil {
            diagnostics.emit(.unknownName, "unknown contact field '\(field.value)'"
                             + workspace.didYouMeanField(field.value), at: field.location)
        }
    }
}
