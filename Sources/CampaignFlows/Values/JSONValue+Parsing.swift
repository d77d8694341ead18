/// Reading JSON text (RFC 8259) straight into a ``JSONValue``, in one pass over its UTF-8 bytes.
///
/// The service reads every request body this way. Foundation's `JSONDecoder` can only produce a schemaless
/// tree by trying each type in turn and catching the errors, which cost more than the parse itself, and it
/// neither refuses duplicate keys nor tells integers from other numbers by their text.
///
/// Stricter than most readers, on purpose: a key given twice in one object, a number that does not fit a
/// `Double`, invalid UTF-8, an unpaired surrogate escape and nesting deeper than ``maximumDepth`` are
/// errors, each with the byte offset where it was found.
extension JSONValue {
    /// The deepest nesting of arrays and objects a document may have.
    public static let maximumDepth = 128

    /// The document in `bytes`, which must hold exactly one JSON value (surrounded by whitespace or not).
    public init<Bytes: Collection<UInt8>>(parsing bytes: Bytes) throws(JSONSyntaxError) {
        let read = { (buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONSyntaxError> in
            var reader = JSONReader(buffer)
            return reader.document()
        }
        let result = bytes.withContiguousStorageIfAvailable(read) ?? Array(bytes).withUnsafeBufferPointer(read)
        self = try result.get()
    }
}

/// Why a text is not a JSON document, and where.
public struct JSONSyntaxError: Error, Equatable, CustomStringConvertible {
    /// The offset of the offending byte from the start of the text (the text's length when it ended early).
    public var offset: Int
    /// What is wrong there, for a person.
    public var reason: String

    /// The error found at `offset`.
    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "\(reason) at byte \(offset)" }
}

/// A cursor over the bytes of one document.
private struct JSONReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    var depth = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The whole text as one value; a `Result` so that it can leave `withContiguousStorageIfAvailable`.
    mutating func document() -> Result<JSONValue, JSONSyntaxError> {
        do throws(JSONSyntaxError) {
            skipWhitespace()
            let value = try value()
            skipWhitespace()
            guard position == bytes.count else { throw failure("unexpected \(describe(bytes[position])) after the document") }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }

    private func failure(_ reason: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: position, reason: reason)
    }

    private func describe(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func value() throws(JSONSyntaxError) -> JSONValue {
        guard position < bytes.count else { throw failure("the text ends where a value should start") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        case let byte: throw failure("unexpected \(describe(byte)) where a value should start")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - position >= count,
              (0..<count).allSatisfy({ bytes[position + $0] == word.utf8Start[$0] }) else {
            throw failure("expected '\(word)'")
        }
        position += count
    }

    private mutating func enter() throws(JSONSyntaxError) {
        depth += 1
        guard depth <= JSONValue.maximumDepth else { throw failure("arrays and objects nest deeper than \(JSONValue.maximumDepth) levels") }
    }

    private mutating func object() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        position += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw failure(position < bytes.count ? "expected a member name in quotes" : "the text ends inside an object")
            }
            let keyStart = position
            let key = try string()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw failure("expected ':' after a member name") }
            position += 1
            skipWhitespace()
            let member = try value()
            guard members.updateValue(member, forKey: key) == nil else {
                throw JSONSyntaxError(offset: keyStart, reason: "the member name \"\(key)\" is given twice in one object")
            }
            skipWhitespace()
            guard position < bytes.count else { throw failure("the text ends inside an object") }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                depth -= 1
                return .object(members)
            case let byte: throw failure("unexpected \(describe(byte)) in an object (expected ',' or '}')")
            }
        }
    }

    private mutating func array() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        position += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try value())
            skipWhitespace()
            guard position < bytes.count else { throw failure("the text ends inside an array") }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                depth -= 1
                return .array(items)
            case let byte: throw failure("unexpected \(describe(byte)) in an array (expected ',' or ']')")
            }
        }
    }

    /// A string, the cursor on its opening quote. Runs without escapes are copied as they are, after
    /// checking that they are valid UTF-8.
    private mutating func string() throws(JSONSyntaxError) -> String {
        position += 1
        var result = ""
        var runStart = position
        while true {
            guard position < bytes.count else { throw failure("the text ends inside a string") }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                try appendRun(from: runStart, to: &result)
                position += 1
                return result
            } else if byte == UInt8(ascii: "\\") {
                try appendRun(from: runStart, to: &result)
                result.unicodeScalars.append(try escape())
                runStart = position
            } else if byte < 0x20 {
                throw failure("a control character (\(describe(byte))) inside a string must be escaped")
            } else {
                position += 1
            }
        }
    }

    private func appendRun(from start: Int, to result: inout String) throws(JSONSyntaxError) {
        guard start < position else { return }
        let run = UnsafeBufferPointer(rebasing: bytes[start..<position])
        guard let text = String(validating: run, as: UTF8.self) else {
            throw JSONSyntaxError(offset: start, reason: "a string holds bytes that are not UTF-8")
        }
        result += text
    }

    /// An escape sequence, the cursor on its backslash.
    private mutating func escape() throws(JSONSyntaxError) -> Unicode.Scalar {
        position += 1
        guard position < bytes.count else { throw failure("the text ends inside an escape") }
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try hexUnit()
            switch unit {
            case 0xD800...0xDBFF:
                guard bytes.count - position >= 2, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                    throw failure("a high surrogate escape must be followed by a low one")
                }
                position += 2
                let low = try hexUnit()
                guard (0xDC00...0xDFFF).contains(low) else { throw failure("a high surrogate escape must be followed by a low one") }
                let scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                guard let value = Unicode.Scalar(scalar) else { throw failure("an escape names no character") }
                return value
            case 0xDC00...0xDFFF:
                throw failure("a low surrogate escape without a high one before it")
            default:
                guard let value = Unicode.Scalar(unit) else { throw failure("an escape names no character") }
                return value
            }
        default:
            position -= 1
            throw failure("\(describe(byte)) cannot follow a backslash")
        }
    }

    private mutating func hexUnit() throws(JSONSyntaxError) -> UInt16 {
        guard bytes.count - position >= 4 else { throw failure("\\u needs four hexadecimal digits") }
        var unit: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("\\u needs four hexadecimal digits")
            }
            unit = unit << 4 | UInt16(digit)
            position += 1
        }
        return unit
    }

    /// A number: an ``JSONValue/integer(_:)`` when it has neither fraction nor exponent and fits an `Int`,
    /// otherwise a finite ``JSONValue/number(_:)``.
    private mutating func number() throws(JSONSyntaxError) -> JSONValue {
        let start = position
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count, isDigit(bytes[position]) else { throw failure("a number needs a digit here") }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, isDigit(bytes[position]) { throw failure("a number cannot start with 0 followed by digits") }
        } else {
            skipDigits()
        }
        var isInteger = true
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else { throw failure("a number needs a digit after its decimal point") }
            skipDigits()
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard position < bytes.count, isDigit(bytes[position]) else { throw failure("a number needs a digit in its exponent") }
            skipDigits()
        }
        // The number's bytes are ASCII digits, signs, '.' and 'e' only.
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        if isInteger, let integer = Int(text) { return .integer(integer) }
        guard let double = Double(text), double.isFinite else {
            throw JSONSyntaxError(offset: start, reason: "the number \(text) is too large")
        }
        return .number(double)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        while position < bytes.count, isDigit(bytes[position]) { position += 1 }
    }
}
