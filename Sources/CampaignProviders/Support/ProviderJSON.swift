import Foundation

/// A JSON document as a tree, read without a schema: providers add fields freely, and a webhook reads only
/// the few it needs.
enum ProviderJSON: Decodable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([ProviderJSON])
    case object([String: ProviderJSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([ProviderJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: ProviderJSON].self))
        }
    }

    /// The document in `bytes`; a `malformed` error naming `what` when it is not JSON.
    static func parse(_ bytes: [UInt8], _ what: String) throws(ProviderWebhookError) -> ProviderJSON {
        do {
            return try JSONDecoder().decode(ProviderJSON.self, from: Data(bytes))
        } catch {
            throw .malformed("\(what) is not JSON")
        }
    }

    /// The member `key` of an object; nil for anything else or a missing member.
    subscript(key: String) -> ProviderJSON? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var number: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    var array: [ProviderJSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    var isObject: Bool {
        if case .object = self { return true }
        return false
    }
}
