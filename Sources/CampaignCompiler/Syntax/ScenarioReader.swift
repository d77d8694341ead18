import CampaignFlows

/// Reads a scenario test file into a ``ScenarioFile``.
struct ScenarioReader {
    let reader: ShapeReader

    func read(_ root: YAMLNode) -> ScenarioFile? {
        guard let top = reader.mapping(root, "a scenario file") else { return nil }
        var scenario = ScenarioFile(file: reader.file)
        reader.rejectUnknownKeys(top, allowed: FileKind.scenario.topLevelKeyNames, in: "the scenario file")
        scenario.campaign = reader.required(top, "campaign", in: "the scenario file").flatMap { reader.string($0, "'campaign'") }
        scenario.version = reader.required(top, "version", in: "the scenario file").flatMap { reader.int($0, "'version'") }
        scenario.with = top["with"].flatMap { reader.stringList($0, "'with'") } ?? []
        if let cases = reader.required(top, "cases", in: "the scenario file").flatMap({ reader.sequence($0, "'cases'") }) {
            scenario.cases = cases.compactMap(readCase)
        }
        return scenario
    }

    private func pairs(_ node: YAMLNode, _ what: String) -> [(field: Located<String>, value: YAMLNode)]? {
        reader.mapping(node, what).map { $0.pairs.map { (Located($0.key.text, at: $0.key.location), $0.value) } }
    }

    private func readCase(_ node: YAMLNode) -> ScenarioCase? {
        guard let fields = reader.mapping(node, "a case") else { return nil }
        reader.rejectUnknownKeys(fields, allowed: ["name", "contact", "contacts", "given", "events", "expect"], in: "a case")
        guard let name = reader.required(fields, "name", in: "a case").flatMap({ reader.string($0, "'name'") }) else { return nil }
        var scenarioCase = ScenarioCase(name: name)
        let what = "case '\(name.value)'"
        if let list = fields["contacts"] {
            if let second = fields.keyLocation("contact") {
                reader.emit(.wrongType, "a case has 'contact' or 'contacts', not both", at: second)
            }
            scenarioCase.isMultiContact = true
            for item in reader.sequence(list, "'contacts'") ?? [] {
                guard let contact = pairs(item, "a contact") else { continue }
                if !contact.contains(where: { $0.field.value == "id" }) {
                    reader.emit(.missingKey, "each contact of 'contacts' needs an 'id', which events and expectations name",
                                at: item.location)
                }
                scenarioCase.contacts.append(contact)
            }
        } else {
            scenarioCase.contacts = [reader.required(fields, "contact", in: what).flatMap { pairs($0, "'contact'") } ?? []]
        }
        if let events = reader.required(fields, "events", in: what).flatMap({ reader.sequence($0, "'events'") }) {
            scenarioCase.events = events.compactMap(readEvent)
            if case .after? = scenarioCase.events.first?.at.value {
                reader.emit(.badDate, "the first event needs an absolute time; '+DURATION' counts from the previous event",
                            at: scenarioCase.events[0].at.location)
            }
        }
        if let expect = reader.required(fields, "expect", in: what) {
            if scenarioCase.isMultiContact {
                scenarioCase.expectations = (reader.sequence(expect, "'expect' (one entry per contact, each with 'contact')") ?? [])
                    .compactMap { readExpectation($0, naming: true) }
            } else {
                scenarioCase.expectations = readExpectation(expect, naming: false).map { [$0] } ?? []
            }
        }
        if let given = fields["given"].flatMap({ reader.mapping($0, "'given'") }) {
            reader.rejectUnknownKeys(given, allowed: ["distributed", "variant", "holdout"], in: "'given'")
            scenarioCase.holdout = given["holdout"].flatMap { reader.bool($0, "'holdout'") }
            for (step, node) in given["variant"].flatMap({ reader.mapping($0, "'variant'") })?.pairs ?? [] {
                guard let index = reader.int(node, "the variant of '\(step.text)'") else { continue }
                scenarioCase.variants.append((Located(step.text, at: step.location), index))
            }
            for (step, node) in given["distributed"].flatMap({ reader.mapping($0, "'distributed'") })?.pairs ?? [] {
                let counts = (reader.sequence(node, "the counts of '\(step.text)'") ?? []).compactMap { reader.int($0, "a count") }
                scenarioCase.distributed.append((Located(step.text, at: step.location), counts.map(\.value)))
            }
        }
        return scenarioCase
    }

    private func readEvent(_ node: YAMLNode) -> ScenarioEvent? {
        guard let fields = reader.mapping(node, "an event") else { return nil }
        guard let atText = reader.required(fields, "at", in: "an event").flatMap({ reader.string($0, "'at'") }) else { return nil }
        let moment: ScenarioEvent.Moment
        if atText.value.hasPrefix("+") {
            guard let duration = CampaignDuration(parsing: String(atText.value.dropFirst())) else {
                reader.emit(.badDuration, "'\(atText.value)' is not a delay like +2h or +1d", at: atText.location)
                return nil
            }
            moment = .after(duration)
        } else {
            guard CalendarText.isDateTime(atText.value) else {
                reader.emit(.badDate, "'\(atText.value)' is not a date-time like 2026-03-02T10:00:00Z or a delay like +2h",
                            at: atText.location)
                return nil
            }
            moment = .absolute(atText.value)
        }
        let at = Located(moment, at: atText.location)
        let contact = fields["contact"].flatMap { reader.string($0, "'contact'") }
        let actions = ["event", "fire", "approve", "update"].filter(fields.has)
        guard let actionKey = actions.first else {
            reader.emit(.missingKey, "an event needs one of 'event', 'fire', 'approve' or 'update'", at: fields.location)
            return nil
        }
        if actions.count > 1, let second = fields.keyLocation(actions[1]) {
            reader.emit(.wrongType, "an event has one of 'event', 'fire', 'approve' or 'update', not several", at: second)
        }
        let value = fields[actionKey]!
        let action: ScenarioEvent.Action
        switch actionKey {
        case "event":
            guard let name = reader.string(value, "'event'") else { return nil }
            let payload = fields.pairs.filter { !["at", "event", "contact"].contains($0.key.text) }
                .map { (Located($0.key.text, at: $0.key.location), $0.value) }
            action = .event(name, payload: payload)
        case "fire":
            reader.rejectUnknownKeys(fields, allowed: ["at", "fire", "contact"], in: "a trigger firing")
            guard let flag = reader.bool(value, "'fire'") else { return nil }
            if !flag.value { reader.emit(.wrongType, "'fire' must be true", at: flag.location) }
            action = .fire
        case "approve":
            reader.rejectUnknownKeys(fields, allowed: ["at", "approve", "contact"], in: "an approval")
            guard let step = reader.string(value, "'approve'") else { return nil }
            action = .approve(step)
        default:
            reader.rejectUnknownKeys(fields, allowed: ["at", "update", "contact"], in: "a profile update")
            guard let update = pairs(value, "'update'") else { return nil }
            action = .update(update)
        }
        return ScenarioEvent(at: at, action: action, location: fields.location, contact: contact)
    }

    private func readExpectation(_ node: YAMLNode, naming: Bool) -> ScenarioExpectation? {
        guard let fields = reader.mapping(node, "'expect'") else { return nil }
        reader.rejectUnknownKeys(fields, allowed: ["sent", "suppressed", "outcome", "converted", "at_step", "tags", "fields"] + (naming ? ["contact"] : []),
                                 in: "'expect'")
        var expectation = ScenarioExpectation()
        if naming {
            expectation.contact = reader.required(fields, "contact", in: "an expectation of a multi-contact case")
                .flatMap { reader.string($0, "'contact'") }
        }
        if let suppressed = fields["suppressed"].flatMap({ reader.sequence($0, "'suppressed'") }) {
            expectation.suppressed = suppressed.compactMap { item in
                guard let entry = reader.mapping(item, "a suppressed send") else { return nil }
                reader.rejectUnknownKeys(entry, allowed: ["step", "reason"], in: "a suppressed send")
                guard let step = reader.required(entry, "step", in: "a suppressed send").flatMap({ reader.string($0, "'step'") }),
                      let reason = reader.required(entry, "reason", in: "a suppressed send").flatMap({
                          reader.choice($0, "'reason'", SuppressionReason.allCases.map(\.rawValue))
                      }) else { return nil }
                return ScenarioExpectation.Suppression(step: step, reason: reason)
            }
        }
        if let sent = fields["sent"].flatMap({ reader.sequence($0, "'sent'") }) {
            expectation.sent = sent.compactMap { item in
                if case .mapping = item, let send = reader.mapping(item, "a send") {
                    reader.rejectUnknownKeys(send, allowed: ["step", "at"], in: "a send")
                    guard let step = reader.required(send, "step", in: "a send").flatMap({ reader.string($0, "'step'") }) else { return nil }
                    let at = send["at"].flatMap { reader.string($0, "'at'") }
                    if let at, !CalendarText.isDateTime(at.value) {
                        reader.emit(.badDate, "'\(at.value)' is not a date-time like 2026-03-02T12:00:00Z", at: at.location)
                    }
                    return ScenarioExpectation.Send(step: step, at: at)
                }
                return reader.string(item, "a send").map { ScenarioExpectation.Send(step: $0, at: nil) }
            }
        }
        expectation.outcome = fields["outcome"].flatMap { reader.choice($0, "'outcome'", ScenarioExpectation.outcomes) }
        expectation.converted = fields["converted"].flatMap { reader.bool($0, "'converted'") }
        expectation.atStep = fields["at_step"].flatMap { reader.string($0, "'at_step'") }
        if let outcome = expectation.outcome, outcome.value == "waiting", expectation.atStep == nil {
            reader.emit(.missingKey, "'outcome: waiting' needs 'at_step' to say where the contact waits", at: fields.location)
        }
        if let tags = fields["tags"].flatMap({ reader.mapping($0, "'tags'") }) {
            reader.rejectUnknownKeys(tags, allowed: ["added", "removed"], in: "'tags'")
            expectation.tagsAdded = tags["added"].flatMap { reader.stringList($0, "'added'") }
            expectation.tagsRemoved = tags["removed"].flatMap { reader.stringList($0, "'removed'") }
        }
        expectation.fields = fields["fields"].flatMap { pairs($0, "'fields'") }
        return expectation
    }
}
