/// `promo-without-email`: after a `grant_promo`, some path reaches an end without sending an email, so the
/// code never reaches the contact.
struct PromoWithoutEmailRule: CampaignRule {
    func check(_ context: CampaignContext, into diagnostics: inout DiagnosticCollector) {
        let graph = context.graph
        let sendsEmail = { (index: Int) -> Bool in
            if case .send(let send) = graph.steps[index].kind { return send.channel == .email }
            return false
        }
        for (index, step) in graph.steps.enumerated() {
            guard case .grantPromo(let bank) = step.kind else { continue }
            let starts = graph.successors[index].filter { !sendsEmail($0) }
            let end = graph.firstReached(from: starts, blocked: sendsEmail) { candidate in
                if case .end = graph.steps[candidate].kind { return true }
                return false
            }
            if let end {
                diagnostics.emit(.promoWithoutEmail,
                                 "a path after granting '\(bank.value)' reaches an end without sending an email",
                                 at: step.location,
                                 notes: [.init("'\(graph.steps[end].id.value)' is reached without an email", at: graph.steps[end].location)])
            }
        }
    }
}
