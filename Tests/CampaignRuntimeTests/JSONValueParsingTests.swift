import CampaignFlows
import Foundation
import Testing

@Suite struct JSONValueParsingTests {
    static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        try JSONValue(parsing: Array(text.utf8))
    }

    @Test func documentsOfEveryKind() throws {
        #expect(try Self.parse(#" {"a": [1, -2, 3.5, -0.25e2, 1E3, true, false, null, "x"], "b": {}, "c": []} "#) == .object([
            "a": .array([.integer(1), .integer(-2), .number(3.5), .number(-25), .number(1000), .bool(true), .bool(false), .null, .string("x")]),
            "b": .object([:]), "c": .array([]),
        ]))
        #expect(try Self.parse("0") == .integer(0))
        #expect(try Self.parse("-0") == .integer(0))
        #expect(try Self.parse("2.0") == .number(2), "a fraction makes a number, even when it is whole")
        #expect(try Self.parse("9223372036854775807") == .integer(Int.max))
        #expect(try Self.parse("9223372036854775808") == .number(9223372036854775808), "beyond Int: a double")
        #expect(try Self.parse("1e-400") == .number(0))
        #expect(try Self.parse("\"\"") == .string(""))
    }

    @Test func stringsWithEscapesAndUnicode() throws {
        #expect(try Self.parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{08}\u{0C}\n\r\t"))
        #expect(try Self.parse(#""\u00e9\u20AC\ud83d\ude00 é€😀""#) == .string("é€😀 é€😀"))
        #expect(try Self.parse(#""\u0000""#) == .string("\u{0}"))
    }

    @Test func malformedTextNamesWhereAndWhy() {
        let cases: [(String, Int, String)] = [
            ("", 0, "the text ends where a value should start"),
            ("{", 1, "the text ends inside an object"),
            (#"{"a" 1}"#, 5, "expected ':' after a member name"),
            (#"{"a":1,}"#, 7, "expected a member name in quotes"),
            ("[1,]", 3, "unexpected ']' where a value should start"),
            ("[1 2]", 3, "unexpected '2' in an array (expected ',' or ']')"),
            ("01", 1, "a number cannot start with 0 followed by digits"),
            ("1.", 2, "a number needs a digit after its decimal point"),
            ("1e+", 3, "a number needs a digit in its exponent"),
            ("-", 1, "a number needs a digit here"),
            ("1e400", 0, "the number 1e400 is too large"),
            ("tru", 0, "expected 'true'"),
            ("nul", 0, "expected 'null'"),
            ("1 2", 2, "unexpected '2' after the document"),
            ("\"a\nb\"", 2, "a control character (byte 0xA) inside a string must be escaped"),
            (#""\x""#, 2, "'x' cannot follow a backslash"),
            (#""\u12""#, 3, "\\u needs four hexadecimal digits"),
            (#""\ud800x""#, 7, "a high surrogate escape must be followed by a low one"),
            (#""\udc00""#, 7, "a low surrogate escape without a high one before it"),
            (#"{"a":1,"a":2}"#, 7, "the member name \"a\" is given twice in one object"),
            ("NaN", 0, "unexpected 'N' where a value should start"),
            ("\u{FEFF}{}", 0, "unexpected byte 0xEF where a value should start"),
        ]
        for (text, offset, reason) in cases {
            #expect(throws: JSONSyntaxError(offset: offset, reason: reason), "\(text)") { try Self.parse(text) }
        }
        #expect(throws: JSONSyntaxError(offset: 1, reason: "a string holds bytes that are not UTF-8")) {
            try JSONValue(parsing: [0x22, 0xC3, 0x28, 0x22])
        }
    }

    @Test func nestingIsBounded() throws {
        let deepest = String(repeating: "[", count: JSONValue.maximumDepth) + String(repeating: "]", count: JSONValue.maximumDepth)
        _ = try Self.parse(deepest)
        let deeper = "[" + deepest + "]"
        #expect(throws: JSONSyntaxError(offset: JSONValue.maximumDepth, reason: "arrays and objects nest deeper than 128 levels")) {
            try Self.parse(deeper)
        }
        // A hostile megabyte of brackets stops at the limit instead of exhausting the stack.
        #expect(throws: JSONSyntaxError.self) { try Self.parse(String(repeating: "[", count: 1 << 20)) }
    }

    /// Random documents written by Foundation's `JSONSerialization` read back as the values they were written
    /// from.
    @Test func agreesWithFoundationsWriter() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let (value, object) = Self.randomDocument(depth: 0, &generator)
            let data = try JSONSerialization.data(withJSONObject: object, options: [.fragmentsAllowed])
            #expect(try JSONValue(parsing: Array(data)) == value, "\(String(decoding: data, as: UTF8.self))")
        }
    }

    static func randomDocument(depth: Int, _ generator: inout SystemRandomNumberGenerator) -> (JSONValue, Any) {
        switch Int.random(in: depth < 4 ? 0...6 : 0...4, using: &generator) {
        case 0: return (.null, NSNull())
        case 1:
            let value = Int.random(in: -1_000_000...1_000_000, using: &generator)
            return (.integer(value), value)
        case 2:
            let value = Double(Int.random(in: -1_000_000...1_000_000, using: &generator)) + 0.5
            return (.number(value), value)
        case 3:
            let scalars = (0..<Int.random(in: 0...8, using: &generator)).map { _ in
                Unicode.Scalar([0x22, 0x5C, 0x0A, 0x41, 0xE9, 0x20AC, 0x1F600, 0x7F, 0x01].randomElement(using: &generator)!)!
            }
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars)
            return (.string(text), text)
        case 4:
            let value = Bool.random(using: &generator)
            return (.bool(value), value)
        case 5:
            let items = (0..<Int.random(in: 0...4, using: &generator)).map { _ in randomDocument(depth: depth + 1, &generator) }
            return (.array(items.map(\.0)), items.map(\.1))
        default:
            var members: [String: JSONValue] = [:], object: [String: Any] = [:]
            for index in 0..<Int.random(in: 0...4, using: &generator) {
                let (value, any) = randomDocument(depth: depth + 1, &generator)
                members["k\(index)é"] = value
                object["k\(index)é"] = any
            }
            return (.object(members), object)
        }
    }
}
