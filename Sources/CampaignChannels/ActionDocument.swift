import CampaignFlows
import CampaignRuntime
import Foundation

/// The JSON body a `webhook` channel POSTs for one action (SERVICE.md, "Actions going out"):
///
/// ```json
/// { "key": "c1/abandoned-cart/v2/email_f/1", "contact": { "id": "c1", "email": "c1@example.com" },
///   "action": { "kind": "send", "channel": "email", "message": "cart-reminder-f" },
///   "campaign": "abandoned-cart", "version": 2, "step": "email_f", "at": "2026-03-02T12:00:00Z" }
/// ```
struct ActionDocument: Encodable {
    var key: String
    var contact: ContactDocument
    var action: ActionBody
    var campaign: String
    var version: Int
    /// The step id, without the `#N` a key carries when a visit passes the step again.
    var step: String
    var at: String

    init(_ request: ActionRequest, profile: ContactProfile) {
        key = request.key.description
        contact = ContactDocument(profile: profile)
        action = ActionBody(request.action)
        campaign = request.key.visit.flow.campaign
        version = request.key.visit.flow.version
        step = Self.stepID(request.key.step)
        at = iso8601(request.at)
    }

    /// The body's bytes: keys sorted, so the same action always gives the same bytes.
    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }

    /// `email_f#2` is the second action of step `email_f` in one visit: the occurrence belongs to the key only.
    static func stepID(_ keyStep: String) -> String {
        guard let mark = keyStep.lastIndex(of: "#") else { return keyStep }
        let occurrence = keyStep[keyStep.index(after: mark)...]
        guard !occurrence.isEmpty, occurrence.allSatisfy({ $0.isASCII && $0.isNumber }) else { return keyStep }
        return String(keyStep[..<mark])
    }
}

/// `contact`: the contact's id and profile fields. The id is the profile's own, even if a field is named `id`.
struct ContactDocument: Encodable {
    var profile: ContactProfile

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: NameKey.self)
        for (field, value) in profile.fields where field != "id" {
            try container.encode(FieldValue(value), forKey: NameKey(field))
        }
        try container.encode(profile.id, forKey: NameKey("id"))
    }
}

/// `action`: its `kind` and that action's fields.
struct ActionBody: Encodable {
    var action: FlowAction

    init(_ action: FlowAction) {
        self.action = action
    }

    private enum Key: String, CodingKey {
        case kind, channel, message, fields, add, remove, channels, bank, destination, mode
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(action.kind, forKey: .kind)
        switch action {
        case .send(let channel, let message):
            try container.encode(channel, forKey: .channel)
            try container.encode(message, forKey: .message)
        case .update(let assignments):
            var fields = container.nestedContainer(keyedBy: NameKey.self, forKey: .fields)
            for assignment in assignments {
                try fields.encode(FieldValue(assignment.value), forKey: NameKey(assignment.field))
            }
        case .tags(let add, let remove):
            try container.encode(add, forKey: .add)
            try container.encode(remove, forKey: .remove)
        case .unsubscribe(let channels):
            try container.encode(channels, forKey: .channels)
        case .archive:
            break
        case .grantPromo(let bank):
            try container.encode(bank, forKey: .bank)
        case .export(let destination, let fields), .webhook(let destination, let fields):
            try container.encode(destination, forKey: .destination)
            try container.encode(fields, forKey: .fields)
        case .postal(let mode):
            try container.encode(mode, forKey: .mode)
        }
    }
}

/// A ``Value`` as plain JSON. `Value`'s own Codable form is Swift's tagged enum encoding, which receivers
/// should not have to know: here a value is what a JSON reader expects, instants are ISO 8601 strings in UTC
/// and durations whole seconds.
struct FieldValue: Encodable {
    var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch value {
        case .null: try container.encodeNil()
        case .bool(let bool): try container.encode(bool)
        case .int(let int): try container.encode(int)
        case .decimal(let decimal): try container.encode(decimal)
        case .string(let string): try container.encode(string)
        case .instant(let instant): try container.encode(iso8601(instant))
        case .duration(let seconds): try container.encode(seconds)
        case .list(let items): try container.encode(items.map(FieldValue.init))
        }
    }
}

/// A key that is a field's name.
struct NameKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }

    init(_ name: String) {
        stringValue = name
    }

    init?(stringValue: String) {
        self.stringValue = stringValue
    }

    init?(intValue: Int) {
        return nil
    }
}

/// An instant (seconds since 1970) in ISO 8601, UTC: whole seconds as `2026-03-02T12:00:00Z`, an instant
/// between seconds with milliseconds.
func iso8601(_ seconds: Double) -> String {
    let date = Date(timeIntervalSince1970: seconds)
    return seconds.rounded(.down) == seconds
        ? date.formatted(.iso8601)
        : date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
}
