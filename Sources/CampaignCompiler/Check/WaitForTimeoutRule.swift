/// `wait-for-timeout`: a `wait_for` needs `within` and `timeout`, so that a condition that never holds or an
/// event that never comes does not hold its contacts forever. A zero or malformed `within` is `bad-duration`,
/// reported by the reader.
struct WaitForTimeoutRule: CampaignRule {
    func check(_ context: CampaignContext, into diagnostics: inout DiagnosticCollector) {
        for step in context.campaign.steps {
            guard case .waitFor(let waitFor) = step.kind else { continue }
            var missing: [String] = []
            if !waitFor.writesWithin { missing.append("'within'") }
            if !step.exits.contains(where: { $0.label == .timeout }) { missing.append("'timeout'") }
            guard !missing.isEmpty else { continue }
            diagnostics.emit(.waitForTimeout,
                             "step '\(step.id.value)' (wait_for) is missing \(missing.joined(separator: " and ")); a wait_for needs "
                             + "how long to wait at most ('within') and where to go then ('timeout')",
                             at: step.location)
        }
    }
}
