import Yams

/// A YAML node with its position, as the readers of the three file kinds see it.
///
/// Built from `Yams.compose`'s tree by one walk that visits each node once (Yams' string subscript on
/// mappings searches linearly, so nothing here uses it).
public indirect enum YAMLNode: Sendable {
    case scalar(YAMLScalar)
    case mapping([(key: YAMLScalar, value: YAMLNode)], SourceLocation)
    case sequence([YAMLNode], SourceLocation)

    public var location: SourceLocation {
        switch self {
        case .scalar(let scalar): scalar.location
        case .mapping(_, let location), .sequence(_, let location): location
        }
    }

    /// A phrase naming this node's shape, for "expected X, found Y" messages.
    public var shapeDescription: String {
        switch self {
        case .scalar(let scalar): scalar.isNull ? "null" : "a scalar"
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }

    public var scalar: YAMLScalar? {
        if case .scalar(let scalar) = self { return scalar }
        return nil
    }
}

/// A scalar's text, how it was quoted, and where it starts.
public struct YAMLScalar: Sendable, Hashable {
    public enum Style: Sendable, Hashable { case plain, quoted, block }

    public var text: String
    public var style: Style
    public var location: SourceLocation

    /// A plain `null`, `~` or empty scalar: YAML's null.
    public var isNull: Bool {
        style == .plain && (text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL")
    }

    /// A plain `true` or `false`.
    public var bool: Bool? {
        guard style == .plain else { return nil }
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: return nil
        }
    }

    /// A plain decimal integer.
    public var int: Int? {
        guard style == .plain else { return nil }
        return Int(text)
    }

    /// A plain decimal number (integers included) that a Double holds: one that overflows to infinity, or
    /// a nonzero one that underflows to zero, is not a number here (the reader reports it as a mismatch).
    public var number: Double? {
        guard style == .plain, !text.isEmpty, text.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" }),
              let value = Double(text), value.isFinite
        else { return nil }
        if value == 0, text.contains(where: { ("1"..."9").contains($0) }) { return nil }
        return value
    }
}

extension YAMLNode {
    /// Converts Yams' composed tree, attaching `file` to every mark.
    init(_ node: Node, file: String) throws(YAMLShapeError) {
        func location(_ mark: Mark?) -> SourceLocation {
            SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
        }
        switch node {
        case .scalar(let scalar):
            let style: YAMLScalar.Style = switch scalar.style {
            case .plain, .any: .plain
            case .singleQuoted, .doubleQuoted: .quoted
            case .literal, .folded: .block
            }
            self = .scalar(YAMLScalar(text: scalar.string, style: style, location: location(scalar.mark)))
        case .mapping(let mapping):
            var pairs: [(key: YAMLScalar, value: YAMLNode)] = []
            pairs.reserveCapacity(mapping.count)
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw YAMLShapeError(message: "mapping keys must be plain strings", location: location(key.mark))
                }
                let converted = try YAMLNode(value, file: file)
                pairs.append((YAMLScalar(text: keyScalar.string, style: .plain, location: location(keyScalar.mark)),
                              converted))
            }
            self = .mapping(pairs, location(mapping.mark))
        case .sequence(let sequence):
            var items: [YAMLNode] = []
            items.reserveCapacity(sequence.count)
            for item in sequence { items.append(try YAMLNode(item, file: file)) }
            self = .sequence(items, location(sequence.mark))
        case .alias(let alias):
            throw YAMLShapeError(message: "aliases are not allowed", location: location(alias.mark))
        }
    }
}

/// A node that the tree cannot hold (a complex key, an alias), found while converting.
struct YAMLShapeError: Error {
    var message: String
    var location: SourceLocation
}
