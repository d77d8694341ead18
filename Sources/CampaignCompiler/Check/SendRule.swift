/// Send steps: `channel-mismatch` (the message's channel differs from the step's kind) and
/// `approval-optimized` (approval together with an optimized send time).
struct SendRule: CampaignRule {
    func check(_ context: CampaignContext, into diagnostics: inout DiagnosticCollector) {
        for step in context.campaign.steps {
            guard case .send(let send) = step.kind else { continue }
            if let message = context.workspace.messages[send.message.value], message.channel != send.channel {
                diagnostics.emit(.channelMismatch,
                                 "'send_\(send.channel.rawValue)' cannot send '\(send.message.value)', whose channel is \(message.channel.rawValue); use 'send_\(message.channel.rawValue)'",
                                 at: send.message.location,
                                 notes: [.init("'\(send.message.value)' is declared here", at: message.name.location)])
            }
            if send.approval?.value == true, let sendTime = send.sendTime, sendTime.value == "optimized" {
                diagnostics.emit(.approvalOptimized, "'approval: true' cannot be combined with 'send_time: optimized'",
                                 at: sendTime.location, notes: [.init("approval is requested here", at: send.approval!.location)])
            }
        }
    }
}
