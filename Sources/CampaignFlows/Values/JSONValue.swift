import Foundation

/// A JSON document as a tree, read without a schema: the service checks a request's shape against the
/// workspace afterwards, field by field (so that every bad field is named by its pointer), and a provider
/// webhook reads the few fields it needs.
///
/// Integers are kept apart from other numbers, since a workspace `int` field takes `3` but not `3.5`.
/// Text is read with ``init(parsing:)``; a value is written with any `Encoder`.
public enum JSONValue: Sendable, Equatable, Encodable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let items): try container.encode(items)
        case .object(let members): try container.encode(members)
        }
    }
}
