import CampaignCompiler
import CampaignFlows

// Target `workspace`: reads and checks one input as a workspace file, alone and beside a fixed campaign that
// names a field of each type, events, messages on each channel, a group, a persona, a promo bank and a
// destination; when the campaign checks clean against it, lowers and runs it (FuzzHarness.keepPromises).

private let campaign = InputFile(path: "fuzz/v1.yaml", bytes: Array("""
    campaign: fuzz
    version: 1
    status: published
    trigger:
      event: purchase
      where: event.total >= 20
    audience: contact.email != null and not has_persona(student)
    repeat: after_exit
    exit_when:
      - event: signup
      - when: contact.orders > 3
    start: mail
    steps:
      mail: { send_email: welcome, next: settle }
      settle: { wait: 2d, next: opened }
      opened: { if: opened(mail) and in_group(vip), then: text, else: tag }
      text: { send_sms: flash, next: update }
      tag: { add_tags: [engaged], next: update }
      update: { update_contact: { score: 3, gender: female }, next: push }
      push: { send_push: ping, next: promo }
      promo: { grant_promo: WELCOME10, next: reminder }
      reminder: { send_email: welcome, next: out }
      out: { export: { to: sftp-main, fields: [email, score] }, next: done }
      done: { end: success }

    """.utf8))

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let workspace = InputFile(path: "workspace.yaml", bytes: Array(UnsafeBufferPointer(start: data, count: size)))
    _ = checkAndRender(workspace: workspace, files: [])
    let result = checkAndRender(workspace: workspace, files: [campaign])
    var choices = SeededRandom(seed: UInt64(size))
    keepPromises(of: result, using: &choices)
    return 0
}
