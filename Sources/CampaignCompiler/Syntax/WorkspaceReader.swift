import CampaignFlows

/// Reads `workspace.yaml` into a ``Workspace``, reporting shape problems.
struct WorkspaceReader {
    let reader: ShapeReader

    func read(_ root: YAMLNode?) -> Workspace {
        var workspace = Workspace()
        workspace.file = reader.file
        guard let root, let top = reader.mapping(root, "the workspace") else { return workspace }
        reader.rejectUnknownKeys(top, allowed: FileKind.workspace.topLevelKeyNames, in: "the workspace")
        if let contact = top["contact"].flatMap({ reader.mapping($0, "'contact'") }) {
            reader.rejectUnknownKeys(contact, allowed: ["fields"], in: "'contact'")
            if let fields = reader.required(contact, "fields", in: "'contact'").flatMap({ reader.mapping($0, "'fields'") }) {
                for (name, value) in fields.pairs {
                    if let field = readField(Located(name.text, at: name.location), value) {
                        workspace.fields[name.text] = field
                    }
                }
            }
        }
        if let events = top["events"].flatMap({ reader.mapping($0, "'events'") }) {
            for (name, value) in events.pairs { readEvent(name, value, into: &workspace) }
        }
        if let messages = top["messages"].flatMap({ reader.mapping($0, "'messages'") }) {
            for (name, value) in messages.pairs {
                if let message = readMessage(Located(name.text, at: name.location), value) {
                    workspace.messages[name.text] = message
                }
            }
        }
        func names(_ key: String) -> Set<String> {
            Set(top[key].flatMap { reader.stringList($0, "'\(key)'") }?.map(\.value) ?? [])
        }
        workspace.groups = names("groups")
        workspace.personas = names("personas")
        workspace.promoBanks = names("promo_banks")
        if let destinations = top["destinations"] { workspace.destinations = readDestinations(destinations) }
        if let policies = top["policies"].flatMap({ reader.mapping($0, "'policies'") }) {
            reader.rejectUnknownKeys(policies, allowed: ["frequency", "quiet_hours"], in: "'policies'")
            if let caps = policies["frequency"].flatMap({ reader.sequence($0, "'frequency'") }) {
                workspace.frequencyCaps = caps.compactMap(readFrequencyCap)
            }
            workspace.quietHours = policies["quiet_hours"].flatMap(readQuietHours)
        }
        workspace.fieldNameIndex = Suggestions.Index(workspace.fields.keys)
        return workspace
    }

    /// The v1 list of names, or a mapping of names to `{ kind: webhook | sftp }`.
    private func readDestinations(_ node: YAMLNode) -> [String: Workspace.Destination] {
        var destinations: [String: Workspace.Destination] = [:]
        switch node {
        case .sequence:
            for name in reader.stringList(node, "'destinations'") ?? [] {
                destinations[name.value] = Workspace.Destination(name: name, kind: nil)
            }
        case .mapping(let pairs, _):
            for (name, value) in pairs {
                let what = "destination '\(name.text)'"
                guard let fields = reader.mapping(value, what) else { continue }
                reader.rejectUnknownKeys(fields, allowed: ["kind", "description"], in: what)
                guard let kind = reader.required(fields, "kind", in: what)
                    .flatMap({ reader.choice($0, "'kind'", Workspace.Destination.Kind.allCases.map(\.rawValue)) }) else { continue }
                destinations[name.text] = Workspace.Destination(name: Located(name.text, at: name.location),
                                                                kind: Workspace.Destination.Kind(rawValue: kind.value))
            }
        default:
            reader.emit(.wrongType, "'destinations' must be a list of names or a mapping of names to kinds, found \(node.shapeDescription)",
                        at: node.location)
        }
        return destinations
    }

    /// `{ channel, max, per }`: at most `max` marketing sends of the channel per contact within `per`.
    private func readFrequencyCap(_ node: YAMLNode) -> Located<FrequencyCap>? {
        let what = "a frequency cap"
        guard let fields = reader.mapping(node, what) else { return nil }
        reader.rejectUnknownKeys(fields, allowed: ["channel", "max", "per"], in: what)
        let channel = reader.required(fields, "channel", in: what)
            .flatMap { reader.choice($0, "'channel'", MessageChannel.allCases.map(\.rawValue)) }
        let max = reader.required(fields, "max", in: what).flatMap { reader.int($0, "'max'") }
        if let max, max.value < 1 { reader.emit(.wrongType, "'max' must be a positive integer", at: max.location) }
        let per = reader.required(fields, "per", in: what).flatMap { reader.duration($0, "'per'") }
        guard let channel, let max, max.value >= 1, let per, per.value.seconds > 0 else { return nil }
        return Located(FrequencyCap(channel: MessageChannel(rawValue: channel.value)!, max: max.value, per: per.value.seconds),
                       at: fields.location)
    }

    /// `{ from: "21:00", to: "08:00", channels: [sms, push] }`; the window may wrap midnight, but `from` must
    /// differ from `to`.
    private func readQuietHours(_ node: YAMLNode) -> QuietHours? {
        let what = "'quiet_hours'"
        guard let fields = reader.mapping(node, what) else { return nil }
        reader.rejectUnknownKeys(fields, allowed: ["from", "to", "channels"], in: what)
        let from = reader.required(fields, "from", in: what).flatMap { reader.timeOfDay($0, "'from'") }
        let to = reader.required(fields, "to", in: what).flatMap { reader.timeOfDay($0, "'to'") }
        if let from, let to, from.value == to.value {
            reader.emit(.badWindow, "quiet hours' 'from' and 'to' must differ", at: fields.keyLocation("from")!)
        }
        var channels: [MessageChannel] = []
        if let node = reader.required(fields, "channels", in: what), let listed = reader.channelList(node, "'channels'") {
            if case .sequence(let items, _) = node, items.isEmpty {
                reader.emit(.wrongType, "'channels' must name at least one channel", at: node.location)
            }
            for channel in listed where !channels.contains(channel.value) { channels.append(channel.value) }
        }
        guard let from, let to, from.value != to.value, !channels.isEmpty else { return nil }
        return QuietHours(from: from.value.minutes, to: to.value.minutes, channels: channels)
    }

    private func readField(_ name: Located<String>, _ node: YAMLNode) -> Workspace.Field? {
        let what = "field '\(name.value)'"
        guard let fields = reader.mapping(node, what) else { return nil }
        reader.rejectUnknownKeys(fields, allowed: ["type", "key", "admin", "values", "description"], in: what)
        guard let typeNode = reader.required(fields, "type", in: what), let type = readType(typeNode, what) else {
            return nil
        }
        let values = fields["values"].flatMap { reader.stringList($0, "'values'") }
        if let values, type != .string, type != .int {
            reader.emit(.wrongType, "'values' applies to string and int fields, not \(type)", at: values.first?.location ?? fields.location)
        }
        if type == .int, let values {
            for value in values where Int(value.value) == nil {
                reader.emit(.typeMismatch, "'\(value.value)' is not an int value of \(what)", at: value.location)
            }
        }
        return Workspace.Field(name: name, type: type,
                               isKey: fields["key"].flatMap { reader.bool($0, "'key'") }?.value ?? false,
                               isAdmin: fields["admin"].flatMap { reader.bool($0, "'admin'") }?.value ?? false,
                               allowedValues: values?.map(\.value))
    }

    private func readType(_ node: YAMLNode, _ what: String) -> ValueType? {
        guard let text = reader.string(node, "the type of \(what)") else { return nil }
        guard let type = ValueType(parsing: text.value) else {
            reader.emit(.unknownName, "unknown type '\(text.value)'" + Suggestions.didYouMean(text.value, in: ValueType.names),
                        at: text.location)
            return nil
        }
        return type
    }

    private func readEvent(_ name: YAMLScalar, _ node: YAMLNode, into workspace: inout Workspace) {
        let what = "event '\(name.text)'"
        if workspace.events[name.text]?.location == nil, Workspace.builtInEvents[name.text] != nil {
            reader.emit(.duplicateKey, "'\(name.text)' is a built-in event and cannot be redefined", at: name.location)
            return
        }
        var payload: [String: ValueType] = [:]
        if case .scalar(let scalar) = node, scalar.isNull {
            // `signup:` with no body declares an event without payload.
        } else if let fields = reader.mapping(node, what) {
            reader.rejectUnknownKeys(fields, allowed: ["fields", "description"], in: what)
            if let payloadFields = fields["fields"].flatMap({ reader.mapping($0, "'fields'") }) {
                for (field, typeNode) in payloadFields.pairs {
                    if let type = readType(typeNode, "'\(field.text)'") { payload[field.text] = type }
                }
            }
        }
        workspace.events[name.text] = Workspace.Event(name: name.text, fields: payload, location: name.location,
                                                      isMessageEvent: false)
    }

    private func readMessage(_ name: Located<String>, _ node: YAMLNode) -> Workspace.Message? {
        let what = "message '\(name.value)'"
        guard let fields = reader.mapping(node, what) else { return nil }
        reader.rejectUnknownKeys(fields, allowed: ["channel", "category", "transactional", "description"], in: what)
        guard let channelNode = reader.required(fields, "channel", in: what),
              let channel = reader.choice(channelNode, "'channel'", MessageChannel.allCases.map(\.rawValue))
        else { return nil }
        return Workspace.Message(name: name, channel: MessageChannel(rawValue: channel.value)!,
                                 category: fields["category"].flatMap { reader.string($0, "'category'") }?.value,
                                 isTransactional: fields["transactional"].flatMap { reader.bool($0, "'transactional'") }?.value ?? false)
    }
}
