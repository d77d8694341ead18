/// Campaign files derived from choices: every step kind, trigger, exit and expression form of the language,
/// over ``workspace``, shaped so that most of them check clean and run.
///
/// The fuzzers pass ``ByteChoices`` (the fuzz input's bytes are the choices); any other generator works too.
/// A campaign is a row of blocks, each entered only at its first step (its head): a send with a wait and a
/// post-send condition on it, an action, a wait (or a wait_for), a condition, a split, a test, a distribution, a dedupe,
/// and ends last. Exits go forward to later heads, so every step reaches an end; only a condition right after a
/// wait or a wait_until goes back, so every cycle passes through one. (A cycle through a wait_until only is a
/// zero-time loop the checker refuses: one of the fuzzers' findings.) A few choices break those shapes on
/// purpose (an unknown name, a zero duration, a post-send condition with no wait), in about one campaign in
/// four, so that the checker's refusals are generated too while the others check clean whatever their size.
public enum CampaignGrammar {
    /// The workspace the generated campaigns are written against: a field of every type, custom and message
    /// events, messages on each channel, groups, personas, promo banks and destinations.
    public static let workspace = """
        contact:
          fields:
            id:         { type: string, key: true }
            email:      { type: string, key: true }
            phone:      { type: string }
            gender:     { type: string, values: [female, male] }
            language:   { type: string, values: [fr, en, de] }
            timezone:   { type: string, values: [Europe/Paris, Asia/Tokyo, America/New_York, Pacific/Chatham, EST] }
            orders:     { type: int }
            score:      { type: int }
            spent:      { type: decimal }
            vip:        { type: bool }
            birthday:   { type: date }
            created_at: { type: datetime, admin: true }
            tags:       { type: "[string]" }
        events:
          purchase: { fields: { total: decimal, sku: string } }
          signup:   { fields: { source: string } }
        messages:
          welcome:  { channel: email, category: welcome }
          reminder: { channel: email, category: promo }
          receipt:  { channel: email, transactional: true }
          flash:    { channel: sms, category: promo }
          ping:     { channel: push }
        groups: [vip, newsletter]
        personas: [student, parent]
        promo_banks: [WELCOME10]
        destinations: [sftp-main]

        """

    /// A campaign file at `campaigns/gen/v1.yaml` of up to `maximumSteps` steps (at least a few), as YAML text.
    public static func campaign<Generator: RandomNumberGenerator>(using g: inout Generator, maximumSteps: Int = 40) -> String {
        writtenCampaign(using: &g, maximumSteps: maximumSteps).text
    }

    /// ``campaign(using:maximumSteps:)``, and whether the grammar broke rules in it on purpose (about one
    /// campaign in four): the others are meant to read without shape errors.
    public static func writtenCampaign<Generator: RandomNumberGenerator>(using g: inout Generator,
                                                                          maximumSteps: Int = 40) -> (text: String, faulty: Bool) {
        var writer = CampaignWriter()
        let text = writer.write(using: &g, maximumSteps: max(4, maximumSteps))
        return (text, writer.faulty)
    }
}

/// One generated campaign, written block by block.
private struct CampaignWriter {
    private var text = ""
    /// The number of each block's head, in order; block `blocks.count` onward are the ends.
    private var blocks = 0
    private var ends = 0
    /// Whether this campaign breaks the rules now and then; a campaign without faults should check clean.
    /// Whether this campaign breaks rules on purpose.
    private(set) var faulty = false

    private static let messagesByChannel = [("send_email", ["welcome", "reminder", "receipt"]), ("send_sms", ["flash"]),
                                            ("send_push", ["ping"])]
    private static let timezones = ["UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham",
                                    "Asia/Kolkata", "America/Sao_Paulo"]
    private static let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// A choice among `count` options, biased towards the first (`0..<count`).
    private func pick<G: RandomNumberGenerator>(_ count: Int, _ g: inout G) -> Int { Int.random(in: 0..<count, using: &g) }

    /// Whether a rare choice is taken: about one time in `odds`.
    private func rarely<G: RandomNumberGenerator>(_ odds: Int, _ g: inout G) -> Bool { Int.random(in: 0..<odds, using: &g) == 0 }

    /// Whether to break a rule here: about one time in `odds`, in a faulty campaign only.
    private func fault<G: RandomNumberGenerator>(_ odds: Int, _ g: inout G) -> Bool { faulty && rarely(odds, &g) }

    mutating func write<G: RandomNumberGenerator>(using g: inout G, maximumSteps: Int) -> String {
        faulty = rarely(4, &g)
        blocks = Int.random(in: 1...max(1, maximumSteps / 3), using: &g)
        ends = Int.random(in: 1...3, using: &g)
        text = "campaign: gen\nversion: 1\n"
        text += "status: \(["published", "draft", "draining", "stopped", "archived"][rarely(4, &g) ? pick(5, &g) : 0])\n"
        if rarely(3, &g) { text += "name: \(quoted(["Généré", "gen \"quoted\"", "tab\there", "a: b", "#hash", "\u{2028}"][pick(6, &g)]))\n" }
        if rarely(2, &g) {
            let zone = Self.timezones[pick(Self.timezones.count, &g)]
            if rarely(3, &g) {
                // Each contact's zone (v1.2); a faulty campaign may forget the fallback.
                text += "timezone: contact.timezone\n"
                if !fault(3, &g) { text += "fallback_timezone: \(zone)\n" }
            } else {
                text += "timezone: \(zone)\n"
            }
        }
        let eventTrigger = writeTrigger(&g)
        if rarely(4, &g) { text += "audience: \(yaml(condition(depth: 1, event: nil, &g)))\n" }
        if rarely(4, &g) { text += "leave_when_out_of_audience: \(Bool.random(using: &g))\n" }
        if rarely(5, &g) { text += "holdout: \(fault(2, &g) ? ["0%", "50%", "75%"][pick(3, &g)] : ["10%", "2.5%", "49%"][pick(3, &g)])\n" }
        if rarely(5, &g) { writeGoal(&g) }
        let repeatPolicy = ["after_exit", "many", "once"][pick(3, &g)]
        text += "repeat: \(repeatPolicy)\n"
        // An event-triggered campaign that can repeat needs an exit; other campaigns get one half the time.
        if (eventTrigger != nil && repeatPolicy != "once") || Bool.random(using: &g) {
            text += "exit_when:\n"
            for _ in 0...pick(2, &g) {
                if Bool.random(using: &g) {
                    let event = ["purchase", "unsubscribed", "spam_complaint", "signup", "page_visited"][pick(5, &g)]
                    text += "  - event: \(event)\n"
                    if event == eventTrigger || rarely(3, &g) {
                        text += "    where: \(yaml(condition(depth: 1, event: event, &g)))\n"
                    }
                } else {
                    text += "  - when: \(yaml(condition(depth: 1, event: nil, &g)))\n"
                }
            }
        }
        text += "start: \(head(rarely(8, &g) ? pick(blocks, &g) : 0))\nsteps:\n"
        for block in 0..<blocks { writeBlock(block, &g) }
        let outcomes = ["success", "failure", "abandon", "neutral"]
        for end in 0..<ends { text += "  end\(end): { end: \(outcomes[pick(4, &g)]) }\n" }
        return text
    }

    /// A conversion goal: an event (with its `where` at times) or a condition on the contact, within a window.
    private mutating func writeGoal<G: RandomNumberGenerator>(_ g: inout G) {
        text += "goal:\n"
        if Bool.random(using: &g) {
            let event = ["purchase", "signup", "page_visited"][pick(3, &g)]
            text += "  event: \(fault(4, &g) ? "no_such_event" : event)\n"
            if rarely(3, &g) { text += "  where: \(yaml(condition(depth: 1, event: event, &g)))\n" }
        } else {
            text += "  when: \(yaml(condition(depth: 1, event: nil, &g)))\n"
        }
        if !fault(4, &g) { text += "  within: \(["7d", "1h", "30d", "90m"][pick(4, &g)])\n" }
        if Bool.random(using: &g) { text += "  exit: \(Bool.random(using: &g))\n" }
    }

    /// The trigger; returns the event's name for an event trigger.
    private mutating func writeTrigger<G: RandomNumberGenerator>(_ g: inout G) -> String? {
        switch pick(8, &g) {
        case 0:
            text += "trigger:\n  schedule: \(quoted(["0 9 * * MON", "30 6 1 * *", "0 */6 * * *", "0 8 * * 1-5", "15 10 29 2 *"][pick(5, &g)]))\n"
            return nil
        case 1:
            let dates = (0...pick(3, &g)).map { _ in
                // 02:30 on 28 March 2027 does not exist in most of Europe.
                fault(3, &g) ? "2027-03-28T02:30:00"
                    : ["2027-01-13T08:00:00", "2026-12-31T23:30:00", "2027-06-01T00:00:00", "2027-01-13T08:00:00+05:30"][pick(4, &g)]
            }
            text += "trigger:\n  at: [\(dates.joined(separator: ", "))]\n"
            return nil
        case 2:
            text += "trigger:\n  manual: true\n"
            return nil
        case 3:
            text += "trigger:\n  api: true\n"
            return nil
        case 4 where rarely(2, &g):
            // Several event triggers: any enters, each with its own `where`. Steps read no event field then,
            // since a field some trigger's event lacks is an error.
            text += "trigger:\n"
            for event in ["cart_abandoned", "purchase", "signup", "page_visited", "email_opened"].shuffled(using: &g)[0...pick(3, &g) + 1] {
                text += "  - event: \(event)\n"
                if rarely(3, &g) { text += "    where: \(yaml(condition(depth: 1, event: event, &g)))\n" }
            }
            return nil
        default:
            let event = ["cart_abandoned", "purchase", "signup", "contact_created", "page_visited", "subscribed",
                         "email_opened", "contact_updated"][pick(8, &g)]
            text += "trigger:\n  event: \(event)\n"
            if Bool.random(using: &g) { text += "  where: \(yaml(condition(depth: 2, event: event, &g)))\n" }
            return event
        }
    }

    private func head(_ block: Int) -> String { block < blocks ? "b\(block)" : "end\(block - blocks)" }

    /// A later block's head or an end: where forward exits go.
    private func forward<G: RandomNumberGenerator>(from block: Int, _ g: inout G) -> String {
        let remaining = blocks + ends - block - 1
        // Mostly the next few blocks, so that long campaigns stay deep rather than all jumping to an end.
        let hop = rarely(6, &g) ? Int.random(in: 1...remaining, using: &g) : Int.random(in: 1...min(3, remaining), using: &g)
        if fault(50, &g) { return ["nowhere", "b\(block)"][pick(2, &g)] }  // an unknown step, or a zero-time cycle
        return head(block + hop)
    }

    private mutating func writeBlock<G: RandomNumberGenerator>(_ block: Int, _ g: inout G) {
        let id = "b\(block)"
        switch pick(12, &g) {
        case 0, 1:
            // A send, a wait, and a post-send condition on the send.
            let (kind, messages) = Self.messagesByChannel[rarely(3, &g) ? pick(3, &g) : 0]
            var settings = ""
            let approval = rarely(5, &g)
            if approval { settings += ", approval: true" }
            if rarely(5, &g) && (!approval || fault(3, &g)) { settings += ", send_time: \(["optimized", "immediate"][pick(2, &g)])" }
            let message = fault(20, &g) ? messages[0] + "x" : messages[pick(messages.count, &g)]
            let waits = !fault(10, &g)
            text += "  \(id): { \(kind): \(message)\(settings), next: \(waits ? id + "_wait" : id + "_check") }\n"
            if waits { text += "  \(id)_wait: { wait: \(duration(&g)), next: \(id)_check }\n" }
            let function = ["opened(\(id))", "clicked(\(id))", "delivered(\(id))", "unsubscribed_from(\(id))", "complained(\(id))",
                            "clicked(\(id), link: \"https://shop.example/a\")"][pick(6, &g)]
            var condition = function
            if Bool.random(using: &g) { condition = "\(condition) \(["and", "or"][pick(2, &g)]) \(self.condition(depth: 1, event: nil, &g))" }
            text += "  \(id)_check: { if: \(yaml(condition)), then: \(forward(from: block, &g)), else: \(forward(from: block, &g)) }\n"
        case 2:
            text += "  \(id): { \(action(&g)), next: \(forward(from: block, &g)) }\n"
        case 3:
            if rarely(3, &g) {
                // A wait_for, never gone back to: its condition may hold at once, so a cycle through it alone is
                // a zero-time cycle.
                let event = ["purchase", "signup", "page_visited", "contact_updated"][pick(4, &g)]
                let awaited = Bool.random(using: &g) ? "when: \(yaml(condition(depth: 2, event: nil, &g)))"
                    : "event: \(event)" + (Bool.random(using: &g) ? ", where: \(yaml(condition(depth: 1, event: event, &g)))" : "")
                text += "  \(id):\n    wait_for: { \(awaited), within: \(duration(&g)) }\n"
                text += "    next: \(forward(from: block, &g))\n    timeout: \(forward(from: block, &g))\n"
                break
            }
            // A wait, and now and then a condition after it that goes back to it or a block or two before: every
            // cycle passes through a wait or a wait_until.
            let loops = Bool.random(using: &g)
            let next = loops ? "\(id)_again" : forward(from: block, &g)
            if Bool.random(using: &g) {
                text += "  \(id): { wait: \(duration(&g)), next: \(next) }\n"
            } else {
                let days = Self.days.filter { _ in Bool.random(using: &g) }
                let listed = "[\((days.isEmpty ? ["mon"] : days).joined(separator: ", "))]"
                let from = pick(23, &g)
                if Bool.random(using: &g) {
                    text += "  \(id): { wait_until: { days: \(listed), at: \"\(clock(from, pick(4, &g) * 15))\" }, next: \(next) }\n"
                } else {
                    let to = Int.random(in: (from + 1)...23, using: &g)
                    text += "  \(id): { wait_until: { days: \(listed), from: \"\(clock(from, 0))\", to: \"\(clock(to, 0))\" }, next: \(next) }\n"
                }
            }
            if loops {
                let back = rarely(4, &g) ? pick(block + 1, &g) : block - pick(min(block, 2) + 1, &g)
                let (forwardExit, backExit) = (forward(from: block, &g), head(back))
                let (then, otherwise) = Bool.random(using: &g) ? (forwardExit, backExit) : (backExit, forwardExit)
                text += "  \(id)_again: { if: \(yaml(condition(depth: 1, event: nil, &g))), then: \(then), else: \(otherwise) }\n"
            }
        case 4, 5:
            text += "  \(id):\n    if: \(yaml(condition(depth: 3, event: nil, &g)))\n    then: \(forward(from: block, &g))\n"
            text += "    else: \(forward(from: block, &g))\n"
        case 6:
            text += "  \(id):\n    branch:\n"
            for _ in 0...pick(3, &g) {
                text += "      - { when: \(yaml(condition(depth: 2, event: nil, &g))), next: \(forward(from: block, &g)) }\n"
            }
            text += "    otherwise: \(forward(from: block, &g))\n"
        case 7:
            // Weights that sum to 100, each at least 1, or now and then any weights.
            let count = 1 + pick(4, &g)
            var weights: [Int] = []
            var remaining = 100
            for index in 0..<(count - 1) {
                let weight = Int.random(in: 1...(remaining - (count - 1 - index)), using: &g)
                weights.append(weight)
                remaining -= weight
            }
            weights.append(fault(5, &g) ? pick(150, &g) : remaining)
            text += "  \(id):\n    split:\n"
            for weight in weights { text += "      - { weight: \(weight), next: \(forward(from: block, &g)) }\n" }
        case 8:
            text += "  \(id):\n    test:\n      variants:\n"
            var left = 95
            for _ in 0...pick(3, &g) where left > 1 {
                let share = 1 + pick(min(left, 40), &g)
                left -= share
                text += "        - { share: \(share)%, next: \(forward(from: block, &g)) }\n"
            }
            text += "      winner_by: \(["opens", "clicks", "goal"][pick(3, &g)])\n      decide_after: \(duration(&g))\n"
        case 9:
            text += "  \(id):\n    distribute:\n"
            for _ in 0...pick(3, &g) { text += "      - { max: \(fault(5, &g) ? 0 : 1 + pick(4, &g)), next: \(forward(from: block, &g)) }\n" }
            text += "    otherwise: \(forward(from: block, &g))\n"
        case 10:
            text += "  \(id): { dedupe: { by: \(["email", "phone"][pick(2, &g)]), keep: \(["newest", "oldest"][pick(2, &g)]) }, "
            text += "next: \(forward(from: block, &g)) }\n"
        default:
            text += "  \(id): { \(action(&g)), note: \(quoted("step \(block)")), next: \(forward(from: block, &g)) }\n"
        }
    }

    private func clock(_ hour: Int, _ minute: Int) -> String {
        (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
    }

    private func duration<G: RandomNumberGenerator>(_ g: inout G) -> String {
        if fault(30, &g) { return "0m" }
        return ["1h", "30m", "2d", "1w", "2h30m", "1d", "45s", "90d"][pick(8, &g)]
    }

    /// An action step's kind and settings.
    private func action<G: RandomNumberGenerator>(_ g: inout G) -> String {
        switch pick(9, &g) {
        case 0:
            let assignments = ["score: \(pick(100, &g))", "orders: \(pick(5, &g))", "gender: female", "language: de",
                               "spent: \(pick(1000, &g)).5", "vip: true", "birthday: 2001-02-03", "phone: null",
                               "tags: [a, b]", "email: x@example.com"]
            let chosen = (0...pick(3, &g)).map { _ in assignments[fault(10, &g) ? 9 : pick(9, &g)] }
            return "update_contact: { \(Array(Set(chosen)).sorted().joined(separator: ", ")) }"
        case 1: return "add_tags: [\(tag(&g)), \(tag(&g))]"
        case 2: return "remove_tags: [\(tag(&g))]"
        case 3: return "add_tags: [\(tag(&g))], remove_tags: [\(tag(&g))]"
        case 4: return "unsubscribe: [\(["email", "sms", "push", "email, sms"][pick(4, &g)])]"
        case 5: return "archive: true"
        case 6: return "grant_promo: WELCOME10"
        case 7: return "export: { to: sftp-main, fields: [email, score] }"
        default: return "postal: \(["send", "update"][pick(2, &g)])"
        }
    }

    private func tag<G: RandomNumberGenerator>(_ g: inout G) -> String { ["engaged", "inactive", "vip", "opened-1"][pick(4, &g)] }

    /// A boolean condition on the contact (and, with `event`, on that event's payload), `depth` levels deep.
    func condition<G: RandomNumberGenerator>(depth: Int, event: String?, _ g: inout G) -> String {
        if depth > 0, Bool.random(using: &g) {
            switch pick(4, &g) {
            case 0: return "not \(atom(event, &g))"
            case 1: return "(\(condition(depth: depth - 1, event: event, &g)) or \(condition(depth: depth - 1, event: event, &g)))"
            default: return "\(condition(depth: depth - 1, event: event, &g)) and \(condition(depth: depth - 1, event: event, &g))"
            }
        }
        return atom(event, &g)
    }

    private func atom<G: RandomNumberGenerator>(_ event: String?, _ g: inout G) -> String {
        let comparisons = ["==", "!=", "<", "<=", ">", ">="]
        let op = comparisons[pick(6, &g)]
        if let event, Bool.random(using: &g) {
            switch event {
            case "purchase": return ["event.total \(op) \(pick(200, &g))", "event.sku == \"A-1\"", "event.total \(op) 19.99"][pick(3, &g)]
            case "cart_abandoned": return ["event.total \(op) \(pick(200, &g))", "event.cart_id != null"][pick(2, &g)]
            case "signup": return "event.source \(["==", "!="][pick(2, &g)]) \"web\""
            case "subscribed", "unsubscribed": return "event.channel == \"\(["email", "sms", "push"][pick(3, &g)])\""
            case "page_visited": return "event.url != null"
            case "contact_updated": return "\"score\" in event.changed"
            default: break
            }
        }
        switch fault(8, &g) ? 19 : pick(19, &g) {
        case 0: return "contact.gender \(["==", "!="][pick(2, &g)]) \"\(["female", "male"][pick(2, &g)])\""
        case 1: return "contact.language in [\"fr\", \"de\"]"
        case 2: return "contact.score \(op) \(pick(100, &g))"
        case 3: return "contact.orders \(op) \(pick(5, &g))"
        case 4: return "contact.spent \(op) \(pick(500, &g)).25"
        case 5: return "contact.vip == \(Bool.random(using: &g))"
        case 6: return "contact.birthday \(op) 2000-01-01"
        case 7: return "since(contact.created_at) \(op) \(["365d", "2w", "12h"][pick(3, &g)])"
        case 8: return "\"\(["engaged", "vip"][pick(2, &g)])\" in contact.tags"
        case 9: return "has_tag(\(tag(&g)))"
        case 10: return "in_group(\(["vip", "newsletter"][pick(2, &g)]))"
        case 11: return "has_persona(\(["student", "parent"][pick(2, &g)]))"
        case 12: return "received(category: \(["welcome", "promo"][pick(2, &g)]), within: \(["2d", "1w"][pick(2, &g)])) >= \(pick(3, &g))"
        case 13: return "engaged_within(\(["1d", "30d"][pick(2, &g)]))"
        case 14: return "unopened_streak() \(op) \(pick(6, &g))"
        case 15: return "subscribed(\(["email", "sms", "push"][pick(3, &g)]))"
        case 16: return "not archived()"
        case 17: return "contact.email \(["==", "!="][pick(2, &g)]) null"
        case 18: return "contact.phone != null and contact.score \(op) \(pick(100, &g))"
        default:
            // Out-of-range literals, mistyped comparisons and unknown names, for the checker to refuse.
            return ["contact.score > 1e309", "contact.score > 99999999999999999999", "contact.nickname == \"x\"",
                    "contact.gender == \"other\"", "contact.score == \"high\"", "in_group(nobody)", "contact.spent > 0.1",
                    "contact.score > -3"][pick(8, &g)]
        }
    }

    /// A condition as a YAML scalar: plain where YAML reads it back whole (in flow mappings too), double-quoted
    /// otherwise (a labelled argument's `: `, a list's brackets and commas, a leading quote).
    private func yaml(_ condition: String) -> String {
        let plain = !condition.hasPrefix("\"") && !condition.contains(": ") && !condition.contains(where: { "[]{},#".contains($0) })
        return plain ? condition : quoted(condition)
    }

    private func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\u{2028}": out += "\\L"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
