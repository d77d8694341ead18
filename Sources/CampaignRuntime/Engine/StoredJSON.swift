import CampaignFlows
/// Values written as JSON text in their `Codable` form, byte for byte as `JSONEncoder` with `.sortedKeys`
/// writes them, without `JSONEncoder`: accepting an event encodes its payload twice (its digest and its
/// stored row), and the encoder's generic machinery was a fifth of the service's CPU per accepted event.
///
/// The output must stay identical to `JSONEncoder`'s, since digests written before are compared with
/// digests computed now: a test compares the two on random values.
public enum StoredJSON {
    /// A number JSON cannot write (infinite or not a number), which `JSONEncoder` refuses too.
    public struct NotFinite: Error, Equatable {
        public var value: Double
    }

    /// A field map as a JSON object, its keys sorted by their UTF-8 bytes.
    public static func object(_ fields: [String: Value]) throws(NotFinite) -> String {
        var text = ""
        try write(fields, to: &text)
        return text
    }

    /// An accepted event as a JSON object, as a store keeps it (``InboxEvent/storedForm()``), its payload
    /// already written by ``object(_:)``.
    static func event(_ event: InboxEvent, payloadText: String) throws(NotFinite) -> String {
        var text = "{\"at\":"
        try write(event.at, to: &text)
        text += ",\"contact\":"
        write(event.contact, to: &text)
        text += ",\"event\":"
        write(event.event, to: &text)
        text += ",\"id\":"
        write(event.id, to: &text)
        text += ",\"payload\":"
        text += payloadText
        text += "}"
        return text
    }

    static func write(_ fields: [String: Value], to text: inout String) throws(NotFinite) {
        text += "{"
        for (index, key) in fields.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
            if index > 0 { text += "," }
            write(key, to: &text)
            text += ":"
            try write(fields[key] ?? .null, to: &text)
        }
        text += "}"
    }

    /// A value as its synthesized `Codable` form writes it: `{"CASE":{"_0":PAYLOAD}}`, `{"null":{}}`.
    static func write(_ value: Value, to text: inout String) throws(NotFinite) {
        switch value {
        case .null:
            text += "{\"null\":{}}"
            return
        case .bool(let flag): text += "{\"bool\":{\"_0\":" + (flag ? "true" : "false")
        case .int(let number): text += "{\"int\":{\"_0\":" + String(number)
        case .decimal(let number):
            text += "{\"decimal\":{\"_0\":"
            try write(number, to: &text)
        case .string(let string):
            text += "{\"string\":{\"_0\":"
            write(string, to: &text)
        case .instant(let seconds):
            text += "{\"instant\":{\"_0\":"
            try write(seconds, to: &text)
        case .duration(let seconds): text += "{\"duration\":{\"_0\":" + String(seconds)
        case .list(let items):
            text += "{\"list\":{\"_0\":["
            for (index, item) in items.enumerated() {
                if index > 0 { text += "," }
                try write(item, to: &text)
            }
            text += "]"
        }
        text += "}}"
    }

    /// A double as Swift describes it, without a trailing `.0` (`3`, `0.1`, `1e-07`, `1e+20`).
    static func write(_ number: Double, to text: inout String) throws(NotFinite) {
        guard number.isFinite else { throw NotFinite(value: number) }
        let description = number.description
        text += description.hasSuffix(".0") ? String(description.dropLast(2)) : description
    }

    /// A string in quotes: `"`, `\` and `/` escaped with a backslash, the control characters with their short
    /// escape (`\b`, `\f`, `\n`, `\r`, `\t`) or `\u00xx`, everything else as it is.
    static func write(_ string: String, to text: inout String) {
        text += "\""
        if string.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "/") }) {
            for scalar in string.unicodeScalars {
                switch scalar {
                case "\"": text += "\\\""
                case "\\": text += "\\\\"
                case "/": text += "\\/"
                case "\u{08}": text += "\\b"
                case "\u{0C}": text += "\\f"
                case "\n": text += "\\n"
                case "\r": text += "\\r"
                case "\t": text += "\\t"
                case "\u{00}"..."\u{1F}": text += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
                default: text.unicodeScalars.append(scalar)
                }
            }
        } else {
            text += string
        }
        text += "\""
    }
}
