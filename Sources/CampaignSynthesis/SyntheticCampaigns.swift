/// Generated campaign files for benchmarks and scale tests: realistic shapes at sizes no one writes by hand.
public enum SyntheticCampaigns {
    /// A workspace declaring what the generated campaigns use.
    public static let workspace = """
        contact:
          fields:
            id: { type: string, key: true }
            email: { type: string, key: true }
            gender: { type: string, values: [female, male] }
            language: { type: string, values: [fr, en, de] }
            score: { type: int }
            orders: { type: int }
            tags: { type: "[string]" }
        events:
          purchase: { fields: { total: decimal } }
        messages:
          mail: { channel: email, category: bulk }
          text: { channel: sms }
        groups: [vip]

        """

    /// A campaign of about `steps` steps made of repeated blocks: a branch on the contact, a send, a wait,
    /// a post-send condition, tags, and a last block that ends.
    public static func typical(id: String, version: Int = 1, steps: Int = 50) -> String {
        var text = """
            campaign: \(id)
            version: \(version)
            status: published
            name: Synthetic campaign \(id)
            timezone: Europe/Paris
            trigger:
              event: cart_abandoned
              where: event.total >= 20
            audience: contact.email != null and not in_group(vip)
            repeat: after_exit
            exit_when:
              - event: purchase
              - when: contact.orders > 3
            start: b0_branch
            steps:

            """
        let blocks = max(1, steps / 7)
        for block in 0..<blocks {
            let next = block + 1 < blocks ? "b\(block + 1)_branch" : "won"
            text += """
                  b\(block)_branch:
                    branch:
                      - { when: contact.gender == "female", next: b\(block)_send_f }
                      - { when: contact.score >= \(block * 10) and contact.language == "fr", next: b\(block)_send_m }
                    otherwise: b\(block)_send_m
                  b\(block)_send_f: { send_email: mail, next: b\(block)_wait }
                  b\(block)_send_m: { send_email: mail, next: b\(block)_wait }
                  b\(block)_wait: { wait: 2d, next: b\(block)_opened }
                  b\(block)_opened:
                    if: opened(b\(block)_send_f) or opened(b\(block)_send_m)
                    then: b\(block)_tag
                    else: b\(block)_update
                  b\(block)_tag: { add_tags: [opened-\(block)], next: \(next) }
                  b\(block)_update: { update_contact: { score: \(block) }, next: \(block + 1 < blocks ? next : "lost") }

                """
        }
        text += "  won: { end: success }\n  lost: { end: failure }\n"
        return text
    }

    /// The top of a purchase-triggered, once-only campaign, up to `steps:`.
    private static func header(id: String, start: String) -> String {
        """
        campaign: \(id)
        version: 1
        status: published
        trigger: { event: purchase }
        repeat: once
        start: \(start)
        steps:

        """
    }

    /// A straight campaign of `steps` steps: send, wait, post-send condition, repeated, each condition's
    /// `else` leaving to a shared end.
    public static func long(id: String, steps: Int) -> String {
        var text = header(id: id, start: "s0")
        let triples = max(1, steps / 3)
        for index in 0..<triples {
            let next = index + 1 < triples ? "s\(index + 1)" : "done"
            text += "  s\(index): { send_email: mail, next: w\(index) }\n"
            text += "  w\(index): { wait: 1h, next: c\(index) }\n"
            text += "  c\(index): { if: opened(s\(index)) and contact.score > \(index), then: \(next), else: done }\n"
        }
        text += "  done: { end: neutral }\n"
        return text
    }

    /// A send, then `diamonds` diamonds in a row (2^diamonds paths), then a post-send condition on the send.
    /// Each diamond waits on one side only; with `waitFirst` a wait follows the send and the campaign is
    /// clean, without it the all-instant path breaks `post-send-without-wait`.
    public static func diamondChain(id: String, diamonds: Int, waitFirst: Bool = true) -> String {
        var text = header(id: id, start: "mail") + "  mail: { send_email: mail, next: \(waitFirst ? "settle" : "d0") }\n"
        if waitFirst { text += "  settle: { wait: 1d, next: d0 }\n" }
        for index in 0..<diamonds {
            let next = index + 1 < diamonds ? "d\(index + 1)" : "check"
            text += "  d\(index): { if: contact.score > \(index), then: l\(index), else: r\(index) }\n"
            text += "  l\(index): { add_tags: [left-\(index)], next: \(next) }\n"
            text += "  r\(index): { wait: 1h, next: \(next) }\n"
        }
        text += """
              check: { if: opened(mail), then: won, else: lost }
              won: { end: success }
              lost: { end: failure }

            """
        return text
    }
}
