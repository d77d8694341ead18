/// A YAML node with its position, as the readers of the three file kinds see it.
///
/// Built by ``YAMLReader`` straight from LibYAML's events; a mapping keeps its pairs in file order.
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
