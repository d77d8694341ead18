import CampaignFlows
import Foundation

/// Reading providers' JSON: they add fields freely, and a webhook reads only the few it needs.
extension JSONValue {
    /// The document in `bytes`; a `malformed` error naming `what` when it is not JSON.
    static func parse(_ bytes: [UInt8], _ what: String) throws(ProviderWebhookError) -> JSONValue {
        do {
            return try JSONValue(parsing: bytes)
        } catch {
            throw .malformed("\(what) is not JSON: \(error)")
        }
    }

    /// The member `key` of an object; nil for anything else or a missing member.
    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var number: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }

    var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    var array: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    var isObject: Bool {
        if case .object = self { return true }
        return false
    }
}
