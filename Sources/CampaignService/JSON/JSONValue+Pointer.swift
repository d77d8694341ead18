import CampaignFlows
import Foundation

extension JSONValue {
    /// What the value is, for messages: "a string", "an object"...
    var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer: "an integer"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// RFC 6901 JSON pointers, as problem details name the fields of a request.
enum JSONPointer {
    /// `base` followed by one more reference token, escaped (`~` as `~0`, `/` as `~1`).
    static func appending(_ token: String, to base: String) -> String {
        // Most tokens need no escaping; `replacingOccurrences` goes through NSString on Linux, which made these
        // pointers about 8% of the events route's time (docs/benchmarks.md).
        guard token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return base + "/" + token }
        return base + "/" + token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    static func appending(_ index: Int, to base: String) -> String { base + "/\(index)" }
}
