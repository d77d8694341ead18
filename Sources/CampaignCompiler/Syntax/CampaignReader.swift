import CampaignFlows

/// Reads a campaign version file into a ``Campaign``, reporting shape, time-value and expression-syntax
/// problems and carrying on past each one.
struct CampaignReader {
    let reader: ShapeReader

    /// Each step kind's keys, from the step kinds' table; `add_tags` and `remove_tags` together make one kind.
    static let kindKeys = StepKindDeclaration.all.flatMap(\.keys)
    /// The keys a step has beside its kind keys: `note`, then every kind's exits and options.
    static let otherStepKeys: [String] = {
        var keys = ["note"]
        for key in StepKindDeclaration.all.flatMap({ $0.exits + $0.options }) where !keys.contains(key) { keys.append(key) }
        return keys
    }()

    func read(_ root: YAMLNode) -> Campaign? {
        guard let top = reader.mapping(root, "a campaign file") else { return nil }
        var campaign = Campaign(file: reader.file, location: top.location)
        let what = "the campaign"
        reader.rejectUnknownKeys(top, allowed: FileKind.campaign.topLevelKeyNames, in: what)

        if let node = reader.required(top, "campaign", in: what), let id = reader.string(node, "'campaign'") {
            if id.value.isEmpty || !id.value.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }) {
                reader.emit(.wrongType, "campaign id '\(id.value)' may hold only lowercase letters, digits and '-'", at: id.location)
            }
            campaign.id = id
        }
        if let node = reader.required(top, "version", in: what), let version = reader.int(node, "'version'") {
            if version.value < 1 {
                reader.emit(.wrongType, "'version' must be a positive integer, found \(version.value)", at: version.location)
            }
            campaign.version = version
        }
        if let node = reader.required(top, "status", in: what),
           let status = reader.choice(node, "'status'", CampaignStatus.allCases.map(\.rawValue)) {
            campaign.status = Located(CampaignStatus(rawValue: status.value)!, at: status.location)
        }
        campaign.name = top["name"].flatMap { reader.string($0, "'name'") }?.value
        campaign.description = top["description"].flatMap { reader.string($0, "'description'") }?.value
        if let node = top["timezone"], let zone = reader.string(node, "'timezone'") {
            if zone.value.hasPrefix("contact.") {
                // Each contact's zone (v1.2): a field reference, positioned by the expression parser.
                switch expression(node, "'timezone'") {
                case .contactField(let field, let location)?: campaign.contactTimezoneField = Located(field, at: location)
                case nil: break  // reported by the expression parser
                case let other?:
                    reader.emit(.wrongType, "'timezone' is an IANA zone name or contact.FIELD, not an expression", at: other.startLocation)
                }
                if top["fallback_timezone"] == nil {
                    reader.emit(.missingKey, "'timezone: \(zone.value)' needs 'fallback_timezone', the zone of contacts whose field is absent or names no zone",
                                at: zone.location)
                }
            } else {
                checkZone(zone)
            }
            campaign.timezone = zone
        }
        if let node = top["fallback_timezone"], let zone = reader.string(node, "'fallback_timezone'") {
            if let timezone = campaign.timezone, !timezone.value.hasPrefix("contact.") {
                reader.emit(.unknownKey, "'fallback_timezone' applies only with 'timezone: contact.FIELD'; this campaign's zone is '\(campaign.timeZoneName)' for every contact",
                            at: top.keyLocation("fallback_timezone") ?? zone.location)
            } else if campaign.timezone == nil {
                reader.emit(.unknownKey, "'fallback_timezone' applies only with 'timezone: contact.FIELD', and this campaign has no 'timezone'",
                            at: top.keyLocation("fallback_timezone") ?? zone.location)
            }
            checkZone(zone)
            campaign.fallbackTimezone = zone
        }
        if let node = reader.required(top, "trigger", in: what) { campaign.triggers = readTriggers(node) }
        if let node = top["audience"] { campaign.audience = expression(node, "'audience'") }
        if let node = top["leave_when_out_of_audience"] {
            campaign.leaveWhenOutOfAudience = reader.bool(node, "'leave_when_out_of_audience'")?.value ?? false
        }
        if let node = top["repeat"], let policy = reader.choice(node, "'repeat'", RepeatPolicy.allCases.map(\.rawValue)) {
            campaign.repeatPolicy = Located(RepeatPolicy(rawValue: policy.value)!, at: policy.location)
        }
        if let node = top["exit_when"], let items = reader.sequence(node, "'exit_when'") {
            campaign.exits = items.compactMap(readExit)
        }
        if let node = top["holdout"] { campaign.holdout = readPercentage(node, "'holdout'") }
        if let node = top["goal"] { campaign.goal = readGoal(node) }
        if let node = reader.required(top, "start", in: what) { campaign.start = reader.string(node, "'start'") }
        if let node = reader.required(top, "steps", in: what), let steps = reader.mapping(node, "'steps'") {
            if steps.pairs.isEmpty { reader.emit(.missingKey, "'steps' must define at least one step", at: steps.location) }
            var index = 0
            while index < steps.pairs.count {
                let (id, body) = steps.pairs[index]
                index += 1
                // Step keys dedented to the steps' level (`next: b` under `a:` at `a`'s indentation) read as
                // steps; say so, and read them as the keys of the step above, so that nothing follows from it.
                var adopted: [(key: YAMLScalar, value: YAMLNode)] = []
                while index < steps.pairs.count, isDedentedStepKey(steps.pairs[index]) {
                    let key = steps.pairs[index].key
                    reader.emit(.wrongType, "'\(key.text)' is indented as a step, so it reads as a step named '\(key.text)'; "
                                + "indent it under step '\(id.text)' (or move it inside its braces) to make it a key of that step",
                                at: key.location)
                    adopted.append(steps.pairs[index])
                    index += 1
                }
                var merged = body
                if !adopted.isEmpty, case .mapping(let pairs, let location) = body {
                    let present = Set(pairs.map(\.key.text))
                    merged = .mapping(pairs + adopted.filter { !present.contains($0.key.text) }, location)
                }
                if let step = readStep(Located(id.text, at: id.location), merged) { campaign.steps.append(step) }
            }
        }
        return campaign
    }

    /// A pair of `steps` that is a step's key (`next`, `wait`, ...) holding a value no step has (a scalar or
    /// a list): a key that lost its indentation, not a step.
    private func isDedentedStepKey(_ pair: (key: YAMLScalar, value: YAMLNode)) -> Bool {
        if case .mapping = pair.value { return false }
        return Self.kindKeys.contains(pair.key.text) || Self.otherStepKeys.contains(pair.key.text)
    }

    // MARK: Trigger and exits

    /// `trigger:` as one trigger or as a list of them (v1.2). A list may hold several event triggers, each
    /// with its own `where`; a schedule, date, manual or api trigger enters the whole audience at once and
    /// stands alone, so a list holding one beside others is refused.
    private func readTriggers(_ node: YAMLNode) -> [Trigger] {
        switch node {
        case .mapping:
            return readTrigger(node).map { [$0] } ?? []
        case .sequence(let items, let location):
            if items.isEmpty { reader.emit(.missingKey, "'trigger' lists no trigger; a campaign needs at least one", at: location) }
            let triggers = items.compactMap(readTrigger)
            if triggers.count > 1 {
                for trigger in triggers where trigger.eventName == nil {
                    reader.emit(.wrongType, "a '\(trigger.key)' trigger enters the whole audience and stands alone; "
                                + "a 'trigger' list holds only event triggers", at: trigger.location)
                }
            }
            return triggers
        case .scalar:
            reader.emit(.wrongType, "'trigger' must be a mapping or a list of mappings, found \(node.shapeDescription)",
                        at: node.location)
            return []
        }
    }

    private func readTrigger(_ node: YAMLNode) -> Trigger? {
        guard let fields = reader.mapping(node, "'trigger'") else { return nil }
        let kinds = ["event", "schedule", "at", "manual", "api"]
        reader.rejectUnknownKeys(fields, allowed: kinds + ["where"], in: "'trigger'")
        let present = kinds.filter(fields.has)
        guard let kind = present.first else {
            reader.emit(.missingKey, "'trigger' needs one of 'event', 'schedule', 'at', 'manual' or 'api'", at: fields.location)
            return nil
        }
        if present.count > 1, let second = fields.keyLocation(present[1]) {
            reader.emit(.wrongType, "'trigger' has both '\(present[0])' and '\(present[1])'; a trigger has exactly one kind",
                        at: second)
        }
        if kind != "event", let whereLocation = fields.keyLocation("where") {
            reader.emit(.unknownKey, "'where' filters an event trigger's payload and needs 'event'", at: whereLocation)
        }
        let value = fields[kind]!
        switch kind {
        case "event":
            guard let name = reader.string(value, "'event'") else { return nil }
            return Trigger(kind: .event(name, filter: fields["where"].flatMap { expression($0, "'where'") }),
                           location: fields.location)
        case "schedule":
            guard let cron = reader.string(value, "'schedule'") else { return nil }
            if case .failure(let problem) = CronSchedule.parse(cron.value) {
                reader.emit(.badCron, "invalid schedule '\(cron.value)': \(problem)", at: cron.location)
            }
            return Trigger(kind: .schedule(cron), location: fields.location)
        case "at":
            guard let dates = reader.stringList(value, "'at'") else { return nil }
            if dates.isEmpty { reader.emit(.badDate, "'at' must list at least one date", at: value.location) }
            for date in dates where !CalendarText.isDateTime(date.value) {
                reader.emit(.badDate, "'\(date.value)' is not a valid date-time like 2026-12-01T09:00:00", at: date.location)
            }
            return Trigger(kind: .dates(dates), location: fields.location)
        default:
            guard let flag = reader.bool(value, "'\(kind)'") else { return nil }
            if !flag.value { reader.emit(.wrongType, "'\(kind)' must be true; remove the trigger instead", at: flag.location) }
            return Trigger(kind: kind == "manual" ? .manual : .api, location: fields.location)
        }
    }

    private func readExit(_ node: YAMLNode) -> ExitCondition? {
        let what = "an exit condition"
        guard let fields = reader.mapping(node, what) else { return nil }
        reader.rejectUnknownKeys(fields, allowed: ["event", "where", "when"], in: what)
        if let event = fields["event"] {
            if let when = fields.keyLocation("when") {
                reader.emit(.wrongType, "an exit has either 'event' or 'when', not both; write two exits", at: when)
            }
            guard let name = reader.string(event, "'event'") else { return nil }
            return ExitCondition(kind: .event(name, filter: fields["where"].flatMap { expression($0, "'where'") }),
                                 location: fields.location)
        }
        if let when = fields["when"] {
            if let whereLocation = fields.keyLocation("where") {
                reader.emit(.unknownKey, "'where' filters an exit event's payload and needs 'event'", at: whereLocation)
            }
            return expression(when, "'when'").map { ExitCondition(kind: .condition($0), location: fields.location) }
        }
        reader.emit(.missingKey, "an exit condition needs 'event' or 'when'", at: fields.location)
        return nil
    }

    // MARK: Steps

    private func readStep(_ id: Located<String>, _ node: YAMLNode) -> Step? {
        var what: String { "step '\(id.value)'" }
        guard let fields = reader.mapping(node, what) else { return nil }
        var distinctKinds: [String] = []
        for pair in fields.pairs where Self.kindKeys.contains(pair.key.text) {
            // `add_tags` with `remove_tags` is one kind.
            if pair.key.text == "remove_tags" && fields.has("add_tags") { continue }
            distinctKinds.append(pair.key.text)
        }
        guard let kindKey = distinctKinds.first else {
            reader.emit(.missingKey, "\(what) has no kind; give it one of \(Self.kindKeys.map { "'\($0)'" }.joined(separator: ", "))",
                        at: id.location)
            reader.rejectUnknownKeys(fields, allowed: Self.kindKeys + Self.otherStepKeys, in: what)
            return nil
        }
        if distinctKinds.count > 1, let second = fields.keyLocation(distinctKinds[1]) {
            reader.emit(.wrongType, "\(what) has two kinds, '\(distinctKinds[0])' and '\(distinctKinds[1])'; split it into two steps",
                        at: second)
        }
        let body = fields[kindKey]!
        // Every kind key has its declaration; "next" alone is what most kinds take.
        let declaration = StepKindDeclaration.declaration(forKey: kindKey)
        let exitKeys = declaration?.exits ?? ["next"]
        let kind: StepKind?
        var exits: [StepExit] = []

        switch kindKey {
        case "send_email", "send_sms", "send_push":
            let channel = MessageChannel(rawValue: String(kindKey.dropFirst("send_".count)))!
            kind = reader.string(body, "'\(kindKey)'").map { message in
                .send(SendStep(channel: channel, message: message,
                               approval: fields["approval"].flatMap { reader.bool($0, "'approval'") },
                               sendTime: fields["send_time"].flatMap { reader.choice($0, "'send_time'", ["immediate", "optimized"]) }))
            }
        case "update_contact":
            kind = reader.mapping(body, "'update_contact'").map { update in
                if update.pairs.isEmpty { reader.emit(.missingKey, "'update_contact' must set at least one field", at: update.location) }
                return .update(update.pairs.map { (Located($0.key.text, at: $0.key.location), $0.value) })
            }
        case "add_tags", "remove_tags":
            kind = .tags(add: fields["add_tags"].flatMap { reader.stringList($0, "'add_tags'") } ?? [],
                         remove: fields["remove_tags"].flatMap { reader.stringList($0, "'remove_tags'") } ?? [])
        case "unsubscribe":
            kind = reader.channelList(body, "'unsubscribe'").map { .unsubscribe(channels: $0) }
        case "archive":
            kind = reader.bool(body, "'archive'").map { flag in
                if !flag.value { reader.emit(.wrongType, "'archive' must be true", at: flag.location) }
                return .archive
            }
        case "grant_promo":
            kind = reader.string(body, "'grant_promo'").map { .grantPromo($0) }
        case "export":
            kind = reader.mapping(body, "'export'").flatMap { export in
                reader.rejectUnknownKeys(export, allowed: ["to", "fields"], in: "'export'")
                guard let to = reader.required(export, "to", in: "'export'").flatMap({ reader.string($0, "'to'") }) else { return nil }
                return .export(destination: to, fields: export["fields"].flatMap { reader.stringList($0, "'fields'") } ?? [])
            }
        case "postal":
            kind = reader.choice(body, "'postal'", ["send", "update"]).map { .postal($0) }
        case "webhook":
            kind = reader.string(body, "'webhook'").map {
                .webhook(destination: $0, fields: fields["fields"].flatMap { reader.stringList($0, "'fields'") } ?? [])
            }
        case "start_campaign":
            kind = reader.string(body, "'start_campaign'").map { .startCampaign($0) }
        case "exit_campaign":
            kind = reader.string(body, "'exit_campaign'").map { .exitCampaign($0) }
        case "wait":
            kind = reader.duration(body, "'wait'").map { .wait($0) }
        case "wait_until":
            kind = readWindow(body).map { .waitUntil($0) }
        case "wait_for":
            kind = readWaitFor(body).map { .waitFor($0) }
        case "if":
            kind = .condition(expression(body, "'if'"))
        case "branch":
            var conditions: [Expression?] = []
            for (index, item) in (reader.sequence(body, "'branch'") ?? []).enumerated() {
                guard let option = reader.mapping(item, "a branch") else { continue }
                reader.rejectUnknownKeys(option, allowed: ["when", "next"], in: "a branch")
                conditions.append(reader.required(option, "when", in: "a branch").flatMap { expression($0, "'when'") })
                exits += optionExit(option, index, what)
            }
            kind = .branch(conditions)
        case "split":
            var weights: [Located<Int>] = []
            let items = reader.sequence(body, "'split'") ?? []
            for (index, item) in items.enumerated() {
                guard let option = reader.mapping(item, "a split option") else { continue }
                reader.rejectUnknownKeys(option, allowed: ["weight", "next"], in: "a split option")
                if let weight = reader.required(option, "weight", in: "a split option").flatMap({ reader.int($0, "'weight'") }) {
                    weights.append(weight)
                }
                exits += optionExit(option, index, what)
            }
            kind = .split(weights)
        case "test":
            kind = readTest(body, what, &exits).map { .test($0) }
        case "distribute":
            var maxima: [Located<Int>] = []
            for (index, item) in (reader.sequence(body, "'distribute'") ?? []).enumerated() {
                guard let option = reader.mapping(item, "a distribution bucket") else { continue }
                reader.rejectUnknownKeys(option, allowed: ["max", "next"], in: "a distribution bucket")
                if let max = reader.required(option, "max", in: "a distribution bucket").flatMap({ reader.int($0, "'max'") }) {
                    if max.value < 1 { reader.emit(.wrongType, "'max' must be a positive integer", at: max.location) }
                    maxima.append(max)
                }
                exits += optionExit(option, index, what)
            }
            kind = .distribute(maxima)
        case "dedupe":
            kind = reader.mapping(body, "'dedupe'").flatMap { dedupe in
                reader.rejectUnknownKeys(dedupe, allowed: ["by", "keep"], in: "'dedupe'")
                guard let by = reader.required(dedupe, "by", in: "'dedupe'").flatMap({ reader.choice($0, "'by'", ["email", "phone"]) }),
                      let keep = reader.required(dedupe, "keep", in: "'dedupe'").flatMap({ reader.choice($0, "'keep'", ["newest", "oldest"]) })
                else { return nil }
                return .dedupe(by: by, keep: keep)
            }
        default: // "end"
            kind = reader.choice(body, "'end'", Outcome.allCases.map(\.rawValue)).map {
                .end(Located(Outcome(rawValue: $0.value)!, at: $0.location))
            }
        }

        reader.rejectUnknownKeys(fields, allowed: (declaration?.keys ?? [kindKey]) + ["note"] + exitKeys + (declaration?.options ?? []),
                                 in: "\(what) (\(kindKey))")
        for key in exitKeys {
            if let node = fields[key] {
                if let target = reader.string(node, "'\(key)'") {
                    exits.append(StepExit(label: Self.label(key), target: target))
                }
            } else if !(kindKey == "wait_for" && key == "timeout") {  // `wait-for-timeout` reports that one
                reader.emit(.missingExit, "\(what) (\(kindKey)) is missing '\(key)'", at: id.location)
            }
        }
        return Step(id: id, kind: kind ?? .unreadable(kindKey), exits: exits, note: fields["note"].flatMap { reader.string($0, "'note'") }?.value)
    }

    private static func label(_ key: String) -> StepExit.Label {
        switch key {
        case "then": .then
        case "else": .else
        case "otherwise": .otherwise
        case "timeout": .timeout
        default: .next
        }
    }

    private func optionExit(_ option: MappingFields, _ index: Int, _ what: String) -> [StepExit] {
        guard let node = option["next"] else {
            reader.emit(.missingExit, "option \(index + 1) of \(what) is missing 'next'", at: option.location)
            return []
        }
        return reader.string(node, "'next'").map { [StepExit(label: .option(index), target: $0)] } ?? []
    }

    private func readTest(_ body: YAMLNode, _ what: String, _ exits: inout [StepExit]) -> ABTest? {
        guard let test = reader.mapping(body, "'test'") else { return nil }
        reader.rejectUnknownKeys(test, allowed: ["variants", "winner_by", "decide_after"], in: "'test'")
        var shares: [Located<Double>] = []
        let variants = reader.required(test, "variants", in: "'test'").flatMap { reader.sequence($0, "'variants'") } ?? []
        for (index, item) in variants.enumerated() {
            guard let variant = reader.mapping(item, "a test variant") else { continue }
            reader.rejectUnknownKeys(variant, allowed: ["share", "next"], in: "a test variant")
            if let share = reader.required(variant, "share", in: "a test variant").flatMap({ readPercentage($0, "'share'") }) {
                shares.append(share)
            }
            exits += optionExit(variant, index, what)
        }
        return ABTest(
            shares: shares,
            winnerBy: reader.required(test, "winner_by", in: "'test'").flatMap { reader.choice($0, "'winner_by'", ["opens", "clicks", "goal"]) },
            decideAfter: reader.required(test, "decide_after", in: "'test'").flatMap { reader.duration($0, "'decide_after'") })
    }

    /// `wait_for`: exactly one of `when` and `event` (with its optional `where`), and `within`, whose absence
    /// `wait-for-timeout` reports.
    private func readWaitFor(_ node: YAMLNode) -> WaitForStep? {
        let what = "'wait_for'"
        guard let fields = reader.mapping(node, what) else { return nil }
        reader.rejectUnknownKeys(fields, allowed: ["when", "event", "where", "within"], in: what)
        var step = WaitForStep(awaited: nil, within: fields["within"].flatMap { reader.duration($0, "'within'") },
                               writesWithin: fields.has("within"), location: fields.location)
        if let event = fields["event"] {
            if let when = fields.keyLocation("when") {
                reader.emit(.wrongType, "'wait_for' waits for either 'when' or 'event', not both; write two steps", at: when)
            }
            if let name = reader.string(event, "'event'") {
                step.awaited = .event(name, filter: fields["where"].flatMap { expression($0, "'where'") })
            }
        } else if let when = fields["when"] {
            if let whereLocation = fields.keyLocation("where") {
                reader.emit(.unknownKey, "'where' filters the awaited event's payload and needs 'event'", at: whereLocation)
            }
            step.awaited = expression(when, "'when'").map { .condition($0) }
        } else {
            reader.emit(.missingKey, "'wait_for' needs 'when' (a condition) or 'event' (an event to wait for)", at: fields.location)
        }
        return step
    }

    /// A percentage like `10%` (the sign may be left out); nil, reported, when it is not a finite number.
    private func readPercentage(_ node: YAMLNode, _ what: String) -> Located<Double>? {
        guard let scalar = reader.scalar(node, what) else { return nil }
        let text = scalar.text.hasSuffix("%") ? String(scalar.text.dropLast()) : scalar.text
        guard let value = Double(text), value.isFinite else {
            reader.emit(.wrongType, "\(what) must be a percentage like 10%, found '\(scalar.text)'", at: scalar.location)
            return nil
        }
        return Located(value, at: scalar.location)
    }

    /// `goal`: exactly one of `event` (with its optional `where`) and `when`, as a `wait_for` has them, a
    /// required `within`, and `exit`.
    private func readGoal(_ node: YAMLNode) -> CampaignGoal? {
        let what = "'goal'"
        guard let fields = reader.mapping(node, what) else { return nil }
        reader.rejectUnknownKeys(fields, allowed: ["event", "where", "when", "within", "exit"], in: what)
        var goal = CampaignGoal(awaited: nil,
                                within: reader.required(fields, "within", in: what).flatMap { reader.duration($0, "'within'") },
                                exit: fields["exit"].flatMap { reader.bool($0, "'exit'") }?.value ?? false, location: fields.location)
        if let event = fields["event"] {
            if let when = fields.keyLocation("when") {
                reader.emit(.wrongType, "'goal' is either 'event' or 'when', not both", at: when)
            }
            if let name = reader.string(event, "'event'") {
                goal.awaited = .event(name, filter: fields["where"].flatMap { expression($0, "'where'") })
            }
        } else if let when = fields["when"] {
            if let whereLocation = fields.keyLocation("where") {
                reader.emit(.unknownKey, "'where' filters the goal event's payload and needs 'event'", at: whereLocation)
            }
            goal.awaited = expression(when, "'when'").map { .condition($0) }
        } else {
            reader.emit(.missingKey, "'goal' needs 'event' (an event that converts) or 'when' (a condition on the contact)",
                        at: fields.location)
        }
        return goal
    }

    private func readWindow(_ node: YAMLNode) -> WaitUntilWindow? {
        guard let fields = reader.mapping(node, "'wait_until'") else { return nil }
        reader.rejectUnknownKeys(fields, allowed: ["days", "at", "from", "to"], in: "'wait_until'")
        var window = WaitUntilWindow(days: [], time: nil, location: fields.location)
        if let days = fields["days"].flatMap({ reader.stringList($0, "'days'") }) {
            if days.isEmpty { reader.emit(.badWindow, "'days' must name at least one day", at: fields["days"]!.location) }
            for day in days {
                if let weekday = Weekday(rawValue: day.value.lowercased()) {
                    window.days.append(weekday)
                } else {
                    reader.emit(.badWindow, "'\(day.value)' is not a day; use mon, tue, wed, thu, fri, sat or sun"
                                + Suggestions.didYouMean(day.value.lowercased(), in: Weekday.allCases.map(\.rawValue)),
                                at: day.location)
                }
            }
        } else if !fields.has("days") {
            reader.emit(.badWindow, "'wait_until' needs 'days'", at: fields.location)
        }
        func time(_ key: String) -> TimeOfDay? { fields[key].flatMap { reader.timeOfDay($0, "'\(key)'")?.value } }
        if fields.has("at") {
            if let extra = fields.keyLocation("from") ?? fields.keyLocation("to") {
                reader.emit(.badWindow, "'wait_until' has either 'at' or 'from' and 'to', not both", at: extra)
            }
            window.time = time("at").map { .at($0) }
        } else if fields.has("from") || fields.has("to") {
            guard fields.has("from"), fields.has("to") else {
                reader.emit(.badWindow, "'wait_until' needs both 'from' and 'to'", at: fields.location)
                return window
            }
            if let from = time("from"), let to = time("to") {
                if from >= to {
                    reader.emit(.badWindow, "the window's 'from' must be before its 'to'", at: fields.keyLocation("from")!)
                }
                window.time = .between(from: from, to: to)
            }
        } else {
            reader.emit(.badWindow, "'wait_until' needs 'at', or 'from' and 'to'", at: fields.location)
        }
        return window
    }

    // MARK: Values

    /// `bad-timezone` for a zone name the runtime refuses, with the nearest IANA name when one is close.
    private func checkZone(_ zone: Located<String>) {
        guard case .failure(var problem) = CampaignTimeZone.resolve(zone.value) else { return }
        if problem.kind == .unknown, problem.suggestion == nil,
           let near = Suggestions.nearest(to: zone.value, in: CampaignTimeZone.knownNames) {
            problem = TimeZoneProblem(name: problem.name, kind: .unknown, suggestion: near)
        }
        reader.emit(.badTimezone, problem.description, at: zone.location)
    }

    private func expression(_ node: YAMLNode, _ what: String) -> Expression? {
        guard let scalar = reader.scalar(node, what) else { return nil }
        return ExpressionParser.parse(scalar, in: reader.source, diagnostics: &reader.diagnostics)
    }
}
