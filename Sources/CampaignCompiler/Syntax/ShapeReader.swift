import CampaignFlows

/// The keys of one YAML mapping, looked up by name, with where the mapping starts.
///
/// Large mappings (a campaign's steps) get a hash index so lookups stay constant-time; small ones (a step's
/// few keys, the common case) are searched in place, which is faster than hashing.
struct MappingFields {
    let pairs: [(key: YAMLScalar, value: YAMLNode)]
    let location: SourceLocation
    private let index: [String: Int]?

    private static let indexThreshold = 16

    init(pairs: [(key: YAMLScalar, value: YAMLNode)], location: SourceLocation) {
        self.pairs = pairs
        self.location = location
        guard pairs.count > Self.indexThreshold else {
            index = nil
            return
        }
        var index: [String: Int] = [:]
        for (position, pair) in pairs.enumerated() where index[pair.key.text] == nil {
            index[pair.key.text] = position
        }
        self.index = index
    }

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        return pairs.firstIndex { $0.key.text == key }
    }

    subscript(key: String) -> YAMLNode? { position(of: key).map { pairs[$0].value } }

    func keyLocation(_ key: String) -> SourceLocation? { position(of: key).map { pairs[$0].key.location } }

    func has(_ key: String) -> Bool { position(of: key) != nil }
}

/// Reads the expected shape out of YAML nodes, reporting `wrong-type`, `missing-key` and `unknown-key`
/// problems as it goes and carrying on, so that a file reports all its problems.
final class ShapeReader {
    let source: SourceFile
    var diagnostics = DiagnosticCollector()

    init(source: SourceFile) {
        self.source = source
    }

    var file: String { source.path }

    func emit(_ rule: RuleID, _ message: String, at location: SourceLocation, notes: [Diagnostic.Note] = []) {
        diagnostics.emit(rule, message, at: location, notes: notes)
    }

    /// The node as a mapping, or a `wrong-type` diagnostic naming `what` was expected.
    func mapping(_ node: YAMLNode, _ what: @autoclosure () -> String) -> MappingFields? {
        if case .mapping(let pairs, let location) = node {
            return MappingFields(pairs: pairs, location: location)
        }
        emit(.wrongType, "\(what()) must be a mapping, found \(node.shapeDescription)", at: node.location)
        return nil
    }

    /// The node as a list, or a `wrong-type` diagnostic.
    func sequence(_ node: YAMLNode, _ what: @autoclosure () -> String) -> [YAMLNode]? {
        if case .sequence(let items, _) = node { return items }
        emit(.wrongType, "\(what()) must be a list, found \(node.shapeDescription)", at: node.location)
        return nil
    }

    /// The node as a non-null scalar, or a `wrong-type` diagnostic.
    func scalar(_ node: YAMLNode, _ what: @autoclosure () -> String) -> YAMLScalar? {
        if case .scalar(let scalar) = node, !scalar.isNull { return scalar }
        emit(.wrongType, "\(what()) must be a scalar value, found \(node.shapeDescription)", at: node.location)
        return nil
    }

    func string(_ node: YAMLNode, _ what: @autoclosure () -> String) -> Located<String>? {
        scalar(node, what()).map { Located($0.text, at: $0.location) }
    }

    func int(_ node: YAMLNode, _ what: @autoclosure () -> String) -> Located<Int>? {
        guard let scalar = scalar(node, what()) else { return nil }
        guard let value = scalar.int else {
            emit(.wrongType, "\(what()) must be an integer, found '\(scalar.text)'", at: scalar.location)
            return nil
        }
        return Located(value, at: scalar.location)
    }

    func bool(_ node: YAMLNode, _ what: @autoclosure () -> String) -> Located<Bool>? {
        guard let scalar = scalar(node, what()) else { return nil }
        guard let value = scalar.bool else {
            emit(.wrongType, "\(what()) must be true or false, found '\(scalar.text)'", at: scalar.location)
            return nil
        }
        return Located(value, at: scalar.location)
    }

    /// A scalar that must be one of `choices`.
    func choice(_ node: YAMLNode, _ what: @autoclosure () -> String, _ choices: [String]) -> Located<String>? {
        guard let value = string(node, what()) else { return nil }
        guard choices.contains(value.value) else {
            let list = choices.map { "'\($0)'" }.joined(separator: ", ")
            emit(.wrongType, "\(what()) must be one of \(list), found '\(value.value)'"
                 + Suggestions.didYouMean(value.value, in: choices), at: value.location)
            return nil
        }
        return value
    }

    /// A duration (`30m`, `2h30m`), or a `bad-duration` diagnostic when it is malformed or zero; a zero
    /// duration is still returned, so that what follows from it is checked.
    func duration(_ node: YAMLNode, _ what: @autoclosure () -> String) -> Located<CampaignDuration>? {
        guard let text = string(node, what()) else { return nil }
        guard let duration = CampaignDuration(parsing: text.value) else {
            emit(.badDuration, "'\(text.value)' is not a duration; write it like 30m, 2h, 3d, 1w or 2h30m", at: text.location)
            return nil
        }
        if duration.seconds == 0 {
            emit(.badDuration, "\(what()) must be longer than zero", at: text.location)
        }
        return Located(duration, at: text.location)
    }

    /// A wall-clock time `HH:MM`, or a `bad-window` diagnostic.
    func timeOfDay(_ node: YAMLNode, _ what: @autoclosure () -> String) -> Located<TimeOfDay>? {
        guard let text = string(node, what()) else { return nil }
        guard let time = TimeOfDay(parsing: text.value) else {
            emit(.badWindow, "'\(text.value)' is not a time of day like \"08:00\"", at: text.location)
            return nil
        }
        return Located(time, at: text.location)
    }

    /// A list of scalars; a lone scalar is not accepted, so the file's shape stays uniform.
    func stringList(_ node: YAMLNode, _ what: @autoclosure () -> String) -> [Located<String>]? {
        guard let items = sequence(node, what()) else { return nil }
        return items.compactMap { string($0, "each item of \(what())") }
    }

    /// A list of channel names; each name that is not a channel is reported (`wrong-type`, with a
    /// suggestion) and left out.
    func channelList(_ node: YAMLNode, _ what: @autoclosure () -> String) -> [Located<MessageChannel>]? {
        stringList(node, what())?.compactMap { name in
            if let channel = MessageChannel(rawValue: name.value) { return Located(channel, at: name.location) }
            emit(.wrongType, "'\(name.value)' is not a channel; use 'email', 'sms' or 'push'"
                 + Suggestions.didYouMean(name.value, in: MessageChannel.allCases.map(\.rawValue)), at: name.location)
            return nil
        }
    }

    /// Reports every key of `fields` outside `allowed`, suggesting the nearest allowed key.
    func rejectUnknownKeys(_ fields: MappingFields, allowed: [String], in what: @autoclosure () -> String) {
        for pair in fields.pairs where !allowed.contains(pair.key.text) {
            emit(.unknownKey, "unknown key '\(pair.key.text)' in \(what())"
                 + Suggestions.didYouMean(pair.key.text, in: allowed), at: pair.key.location)
        }
    }

    /// The value of a key that must be present, or a `missing-key` diagnostic at the mapping.
    func required(_ fields: MappingFields, _ key: String, in what: @autoclosure () -> String) -> YAMLNode? {
        if let value = fields[key] { return value }
        emit(.missingKey, "\(what()) is missing required key '\(key)'", at: fields.location)
        return nil
    }
}
