/// `unknown-name` for the workspace names a campaign uses outside expressions: the trigger events, the events
/// `wait_for` steps await, messages,
/// promo banks, export destinations and exported fields; `type-mismatch` for an export to a destination of
/// another kind than sftp.
struct ReferenceRule: CampaignRule {
    func check(_ context: CampaignContext, into diagnostics: inout DiagnosticCollector) {
        let workspace = context.workspace
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
                if let declared = workspace.destinations[destination.value] {
                    if let kind = declared.kind, kind != .sftp {
                        diagnostics.emit(.typeMismatch, "'\(destination.value)' is a \(kind.rawValue) destination; 'export' needs an sftp one",
                                         at: destination.location,
                                         notes: [.init("'\(destination.value)' is declared here", at: declared.name.location)])
                    }
                } else {
                    diagnostics.emit(.unknownName, "unknown export destination '\(destination.value)'"
                                     + Suggestions.didYouMean(destination.value, in: workspace.destinations.keys), at: destination.location)
                }
                for field in fields where workspace.fields[field.value] == nil {
                    diagnostics.emit(.unknownName, "unknown contact field '\(field.value)'"
                                     + workspace.didYouMeanField(field.value), at: field.location)
                }
            default:
                break
            }
        }
    }
}
