/// The `exit_when` rules: `exit-required`, `exit-unknown-event`, `exit-on-trigger` and `exit-constant`.
struct ExitRule: CampaignRule {
    func check(_ context: CampaignContext, into diagnostics: inout DiagnosticCollector) {
        let campaign = context.campaign
        let triggerEvents = campaign.triggerEvents
        if let trigger = campaign.triggers.first(where: { $0.eventName != nil }), campaign.exits.isEmpty,
           campaign.repeatPolicy?.value != .once {
            let policy = campaign.repeatPolicy?.value.rawValue ?? "many"
            let events = triggerEvents.map { "'\($0.value)'" }.joined(separator: " or ")
            diagnostics.emit(.exitRequired,
                             "campaign triggered by \(events) with 'repeat: \(policy)' declares no 'exit_when'",
                             at: trigger.location)
        }
        for exit in campaign.exits {
            switch exit.kind {
            case .event(let name, let filter):
                if context.workspace.events[name.value] == nil {
                    diagnostics.emit(.exitUnknownEvent, "exit on unknown event '\(name.value)'"
                                     + Suggestions.didYouMean(name.value, in: context.workspace.events.keys), at: name.location)
                }
                if filter == nil, let triggerEvent = triggerEvents.first(where: { $0.value == name.value }) {
                    diagnostics.emit(.exitOnTrigger,
                                     "exit on the trigger's own event '\(name.value)' with no 'where': every contact would leave at once",
                                     at: name.location, notes: [.init("the trigger is '\(name.value)' here", at: triggerEvent.location)])
                }
            case .condition(let condition):
                if case .bool(let value)? = condition.constantValue {
                    diagnostics.emit(.exitConstant, "exit condition \(value ? "always" : "never") holds", at: condition.startLocation)
                } else if condition.constantValue != nil {
                    diagnostics.emit(.exitConstant, "exit condition does not depend on the contact", at: condition.startLocation)
                }
            }
        }
    }
}
