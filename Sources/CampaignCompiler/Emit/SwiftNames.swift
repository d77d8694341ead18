/// The one sanitizer for identifiers in generated Swift: every step id, campaign id and type name passes
/// through it, so no campaign file can inject code through a name.
public enum SwiftIdentifier {
    /// Swift keywords, and names generated code has declared or relied on (the members of the `Step` enum
    /// that files generated for runtime API version 1 declared), kept so that identifiers stay as they were.
    static let reserved: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout",
        "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public", "rethrows",
        "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue", "default", "defer",
        "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return", "throw", "switch", "where",
        "while", "Any", "as", "await", "false", "is", "nil", "self", "Self", "super", "throws", "true", "try", "_",
        "Type", "Protocol", "some", "any", "async", "consume", "copy", "discard", "each", "borrowing", "consuming",
        "nonisolated", "isolated", "rawValue", "allCases", "hashValue", "hash", "description", "init_",
        // What the generated `Step` enum declares or inherits (its raw value and case list types), and the
        // names its cases' declarations must still resolve (their raw type and protocols).
        "RawValue", "AllCases", "Step", "Int", "CaseIterable", "Sendable", "Swift",
    ]

    /// A valid ASCII identifier for `raw`: other characters become `_`, a leading digit gets a `_` before it,
    /// and keywords get a `_` after.
    public static func sanitize(_ raw: String) -> String {
        var result = ""
        for scalar in raw.unicodeScalars {
            let isAllowed = scalar.isASCII && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                                               || ("0"..."9").contains(scalar) || scalar == "_")
            result.unicodeScalars.append(isAllowed ? scalar : "_")
        }
        if result.isEmpty { result = "_" }
        if let first = result.unicodeScalars.first, ("0"..."9").contains(first) { result = "_" + result }
        if reserved.contains(result) { result += "_" }
        return result
    }

    /// Sanitized identifiers for `names`, distinct even where two names sanitize alike (the later ones get
    /// `_2`, `_3`, ... in order), so the mapping is the same on every run.
    public static func unique(_ names: [String], transform: (String) -> String = sanitize) -> [String] {
        var used = Set<String>()
        var taken = Set(names.map(transform))
        var result: [String] = []
        for name in names {
            var candidate = transform(name)
            if used.contains(candidate) {
                var suffix = 2
                while taken.contains("\(candidate)_\(suffix)") || used.contains("\(candidate)_\(suffix)") { suffix += 1 }
                candidate = "\(candidate)_\(suffix)"
                taken.insert(candidate)
            }
            used.insert(candidate)
            result.append(candidate)
        }
        return result
    }

    /// An UpperCamelCase type name: `abandoned-cart` version 2 gives `AbandonedCartV2`.
    public static func typeName(campaign: String, version: Int) -> String {
        var result = ""
        var upperNext = true
        for scalar in campaign.unicodeScalars {
            let isAlphanumeric = scalar.isASCII && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar))
            if !isAlphanumeric {
                upperNext = true
                continue
            }
            result += upperNext ? String(scalar).uppercased() : String(scalar)
            upperNext = false
        }
        if result.isEmpty || ("0"..."9").contains(result.unicodeScalars.first!) { result = "Campaign" + result }
        return sanitize(result + "V\(version)")
    }
}

/// The one escaper for text from campaign files in generated Swift: string literals and comments.
public enum SwiftLiteral {
    /// A Swift expression of type `String` holding exactly `text`: a double-quoted literal where printable
    /// ASCII stays as is and quotes, backslashes and every other scalar (newlines, NUL, bidi controls,
    /// non-ASCII) are escaped, so no text can close the literal, interpolate or reorder what a reader sees.
    /// Swift accepts no `\u{...}` escape for the noncharacters U+FDD0...U+FDEF; text holding one is rebuilt
    /// from its UTF-8 bytes instead.
    public static func string(_ text: String) -> String {
        if text.unicodeScalars.contains(where: { (0xFDD0...0xFDEF).contains($0.value) }) {
            return "String(decoding: [\(text.utf8.map { String($0) }.joined(separator: ", "))] as [UInt8], as: UTF8.self)"
        }
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case " "..."~": result.unicodeScalars.append(scalar)
            default: result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            }
        }
        return result + "\""
    }

    /// A Swift expression of type `String` holding `lines` joined by newlines, written as they are in a raw
    /// string literal (`#"..."#`, multi-line from two lines on), for long machine-made text such as the
    /// embedded lowered form. Its delimiters have one `#` more than any run of `#` in the text, so nothing in
    /// it can close the literal or interpolate. Lines holding anything but printable ASCII are escaped by
    /// ``string(_:)`` instead.
    public static func rawString(_ lines: [String]) -> String {
        let printable = lines.allSatisfy { $0.unicodeScalars.allSatisfy { (0x20..<0x7F).contains($0.value) } }
        guard printable, !lines.isEmpty else { return string(lines.joined(separator: "\n")) }
        var longestRun = 0, run = 0
        for scalar in lines.joined().unicodeScalars {
            run = scalar == "#" ? run + 1 : 0
            longestRun = max(longestRun, run)
        }
        let hashes = String(repeating: "#", count: longestRun + 1)
        if lines.count == 1 { return hashes + "\"" + lines[0] + "\"" + hashes }
        return hashes + "\"\"\"\n" + lines.joined(separator: "\n") + "\n\"\"\"" + hashes
    }

    /// `text` made safe for a `//` comment: one line; line breaks, control and format characters (bidi
    /// overrides among them) shown as `\u{...}`; readable letters of any script kept.
    public static func comment(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned:
                result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
