import CampaignFlows
import CampaignRuntime
import Foundation
import Testing

/// `StoredJSON` must write exactly what `JSONEncoder` with sorted keys writes: digests stored before are
/// compared with digests computed now.
@Suite struct StoredJSONTests {
    static func encoderText<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test func knownValuesAreWrittenAsTheEncoderWritesThem() throws {
        let payload: [String: Value] = [
            "b": .string("a/\"\\\u{1}\u{8}\u{c}\n\r\t\u{7f}\u{1f}é\u{2028}😀"), "a": .decimal(3), "c": .decimal(1e20), "d": .decimal(0.1),
            "e": .null, "B": .list([.int(-3), .bool(true), .list([])]), "é": .decimal(1e-7), "f": .decimal(-0.0),
            "g": .instant(1_767_225_600.25), "h": .duration(86_400), "i": .int(.min), "j": .decimal(5e-324), "k": .string(""),
        ]
        #expect(try StoredJSON.object(payload) == Self.encoderText(payload))
        #expect(try StoredJSON.object([:]) == "{}")
        let event = InboxEvent(id: "event:1/2", contact: "c\"1", event: "purchase", payload: payload, at: 1_767_225_600)
        #expect(try event.storedForm().json == Self.encoderText(event))
        #expect(try event.storedForm().digest == event.digest, "the stored form's digest is the event's")
    }

    @Test func randomValuesAreWrittenAsTheEncoderWritesThem() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            var payload: [String: Value] = [:]
            for _ in 0..<Int.random(in: 0...5, using: &generator) {
                payload[Self.randomString(&generator)] = Self.randomValue(depth: 0, &generator)
            }
            let text = try StoredJSON.object(payload), expected = try Self.encoderText(payload)
            #expect(text == expected, "\(text.debugDescription) != \(expected.debugDescription)")
            let event = InboxEvent(id: Self.randomString(&generator), contact: Self.randomString(&generator), event: "e",
                                   payload: payload, at: Double(Int.random(in: 0...2_000_000_000, using: &generator)) / 8)
            let stored = try event.storedForm()
            #expect(stored.json == (try Self.encoderText(event)))
            #expect(stored.digest == event.digest)
            #expect(try JSONDecoder().decode(InboxEvent.self, from: Data(stored.json.utf8)) == event, "it reads back")
        }
    }

    /// Actions are stored in outboxes and journals in the form they had when their channels were strings:
    /// those texts must read as the typed actions and be written again byte for byte.
    @Test func actionsStoredWithChannelsAsStringsReadAndWriteAsBefore() throws {
        let stored: [(String, FlowAction)] = [
            (#"{"send":{"channel":"email","message":"cart-reminder-f"}}"#, .send(channel: .email, message: "cart-reminder-f")),
            (#"{"send":{"channel":"push","message":"flash"}}"#, .send(channel: .push, message: "flash")),
            (#"{"unsubscribe":{"_0":["sms","email"]}}"#, .unsubscribe([.sms, .email])),
            (#"{"update":{"_0":[{"field":"score","value":{"int":{"_0":3}}}]}}"#, .update([FieldAssignment(field: "score", value: .int(3))])),
            (#"{"export":{"destination":"crm","fields":["email"]}}"#, .export(destination: "crm", fields: ["email"])),
            // v1.2: a webhook is stored as export is.
            (#"{"webhook":{"destination":"crm-hook","fields":["email","score"]}}"#, .webhook(destination: "crm-hook", fields: ["email", "score"])),
        ]
        for (text, action) in stored {
            #expect(try JSONDecoder().decode(FlowAction.self, from: Data(text.utf8)) == action)
            #expect(try Self.encoderText(action) == text)
        }
        let request = #"{"action":{"send":{"channel":"sms","message":"m"}},"at":2,"key":{"step":"s","visit":{"contact":"c","flow":{"campaign":"x","version":1},"number":1}}}"#
        let decoded = try JSONDecoder().decode(ActionRequest.self, from: Data(request.utf8))
        #expect(decoded.action == .send(channel: .sms, message: "m"))
        #expect(try Self.encoderText(decoded) == request)
    }

    @Test func visitOutcomesStoredAsTextReadAndWriteAsBefore() throws {
        let stored: [(String, Visit.Phase)] = [
            (#"{"ended":{"_0":"success"}}"#, .ended(.campaign(.success))),
            (#"{"ended":{"_0":"abandon"}}"#, .ended(.campaign(.abandon))),
            (#"{"ended":{"_0":"exited"}}"#, .ended(.exited)),
            (#"{"ended":{"_0":"stopped"}}"#, .ended(.stopped)),
        ]
        for (text, phase) in stored {
            #expect(try JSONDecoder().decode(Visit.Phase.self, from: Data(text.utf8)) == phase)
            #expect(try Self.encoderText(phase) == text)
        }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Visit.Phase.self, from: Data(#"{"ended":{"_0":"won"}}"#.utf8)) }
    }

    @Test func numbersJSONCannotHoldAreRefusedAsByTheEncoder() {
        #expect(throws: StoredJSON.NotFinite.self) { try StoredJSON.object(["x": .decimal(.infinity)]) }
        #expect(throws: StoredJSON.NotFinite.self) { try StoredJSON.object(["x": .list([.decimal(.nan)])]) }
        #expect(throws: (any Error).self) { try Self.encoderText(["x": Value.decimal(.infinity)]) }
    }

    /// A short string of characters JSON escapes and characters it does not, and of characters on which
    /// `String`'s ordering and UTF-8 byte order disagree (combining marks, invisible and astral ones): keys
    /// are sorted by their bytes, as the encoder sorts them.
    static func randomString(_ generator: inout SystemRandomNumberGenerator) -> String {
        let pool: [UInt32] = [0x00, 0x01, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1F, 0x20, 0x22, 0x2F, 0x41, 0x5C, 0x5F, 0x61, 0x7A,
                              0x7F, 0x80, 0xE9, 0x301, 0x2028, 0x2029, 0xFEFF, 0xFF5E, 0x1F600, 0x10FFFF]
        var text = ""
        for _ in 0..<Int.random(in: 0...6, using: &generator) {
            text.unicodeScalars.append(Unicode.Scalar(pool.randomElement(using: &generator)!)!)
        }
        return text
    }

    static func randomDouble(_ generator: inout SystemRandomNumberGenerator) -> Double {
        switch Int.random(in: 0...3, using: &generator) {
        case 0: return Double(Int.random(in: -1_000_000...1_000_000, using: &generator))
        case 1: return Double(Int.random(in: -1_000_000...1_000_000, using: &generator)) / 1000
        case 2: return Double.random(in: -1e6...1e6, using: &generator)
        default:
            // Any finite bit pattern: subnormals, huge exponents, negative zero.
            while true {
                let value = Double(bitPattern: UInt64.random(in: .min ... .max, using: &generator))
                if value.isFinite { return value }
            }
        }
    }

    static func randomValue(depth: Int, _ generator: inout SystemRandomNumberGenerator) -> Value {
        switch Int.random(in: 0...(depth < 2 ? 7 : 6), using: &generator) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .int(Int.random(in: .min ... .max, using: &generator))
        case 3: return .decimal(randomDouble(&generator))
        case 4: return .string(randomString(&generator))
        case 5: return .instant(randomDouble(&generator))
        case 6: return .duration(Int.random(in: -1_000_000...1_000_000, using: &generator))
        default: return .list((0..<Int.random(in: 0...3, using: &generator)).map { _ in randomValue(depth: depth + 1, &generator) })
        }
    }
}
