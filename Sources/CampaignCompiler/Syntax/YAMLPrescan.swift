import CYaml
import Foundation

/// Limits on what the reader accepts, so that no input can make it crash, hang or exhaust memory.
public enum ReadingLimits {
    /// Files above this size are refused before parsing.
    public static let maximumFileBytes = 1 << 20
    /// Mappings and lists nested deeper than this are refused before composing.
    public static let maximumNesting = 64
}

/// A pass over LibYAML's event stream made before `Yams.compose` sees the bytes.
///
/// It finds what composing would mishandle: anchors and aliases (an alias bomb used as a mapping key makes
/// compose's duplicate-key check hang), nesting deeper than ``ReadingLimits/maximumNesting`` (the tree walks
/// recurse), duplicate keys (Yams reports the first occurrence and one message per mapping; users need every
/// second occurrence), syntax errors and extra documents. When it reports nothing, composing is safe.
struct YAMLPrescan {
    /// An open mapping or list. Frames are mutated in place in the stack, so a mapping's key table is never
    /// copied (a copy per key would make large mappings quadratic).
    private struct Frame {
        var isMapping: Bool
        var expectingKey = true
        var keys: [String: SourceLocation] = [:]
    }

    let file: String

    /// Scans `bytes`, returning the problems found; an empty result means the bytes are safe to compose.
    func scan(_ bytes: [UInt8]) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            return [Diagnostic(.yamlSyntax, "the YAML parser could not start", at: .start(of: file))]
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)

        return bytes.withUnsafeBufferPointer { buffer -> [Diagnostic] in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var stack: [Frame] = []
            var documents = 0
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    diagnostics.append(syntaxError(parser, bytes: buffer))
                    return diagnostics
                }
                defer { yaml_event_delete(&event) }
                let location = self.location(event.start_mark)
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return diagnostics
                case YAML_DOCUMENT_START_EVENT:
                    documents += 1
                    if documents == 2 {
                        diagnostics.append(Diagnostic(
                            .yamlSyntax, "a file holds one YAML document; found a second one", at: location))
                        return diagnostics
                    }
                case YAML_ALIAS_EVENT:
                    diagnostics.append(Diagnostic(.yamlAlias, "aliases are not allowed in campaign files", at: location))
                    nodeBegins(&stack, key: nil, at: location, diagnostics: &diagnostics)
                case YAML_SCALAR_EVENT:
                    if event.data.scalar.anchor != nil {
                        diagnostics.append(anchorDiagnostic(at: location))
                    }
                    let key = isExpectingKey(stack)
                        ? String(decoding: UnsafeBufferPointer(start: event.data.scalar.value,
                                                               count: event.data.scalar.length), as: UTF8.self)
                        : nil
                    nodeBegins(&stack, key: key, at: location, diagnostics: &diagnostics)
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    let isMapping = event.type == YAML_MAPPING_START_EVENT
                    let anchor = isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor
                    if anchor != nil { diagnostics.append(anchorDiagnostic(at: location)) }
                    if isExpectingKey(stack) {
                        diagnostics.append(Diagnostic(
                            .wrongType, "mapping keys must be plain strings, not \(isMapping ? "mappings" : "lists")",
                            at: location))
                    }
                    nodeBegins(&stack, key: nil, at: location, diagnostics: &diagnostics)
                    if stack.count >= ReadingLimits.maximumNesting {
                        diagnostics.append(Diagnostic(
                            .yamlSyntax, "nesting is deeper than \(ReadingLimits.maximumNesting) levels", at: location))
                        return diagnostics
                    }
                    stack.append(Frame(isMapping: isMapping))
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    _ = stack.popLast()
                default:
                    break
                }
            }
        }
    }

    private func isExpectingKey(_ stack: [Frame]) -> Bool {
        stack.last.map { $0.isMapping && $0.expectingKey } ?? false
    }

    /// Records that a node starts inside the innermost collection: a mapping alternates keys and values.
    private func nodeBegins(_ stack: inout [Frame], key: String?, at location: SourceLocation,
                            diagnostics: inout [Diagnostic]) {
        let top = stack.count - 1
        guard top >= 0, stack[top].isMapping else { return }
        if stack[top].expectingKey, let key {
            if let first = stack[top].keys[key] {
                diagnostics.append(Diagnostic(
                    .duplicateKey, "duplicate key '\(key)'", at: location,
                    notes: [.init("'\(key)' is first set here", at: first)]))
            } else {
                stack[top].keys[key] = location
            }
        }
        stack[top].expectingKey.toggle()
    }

    private func anchorDiagnostic(at location: SourceLocation) -> Diagnostic {
        Diagnostic(.yamlAlias, "anchors are not allowed in campaign files", at: location)
    }

    private func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    private func syntaxError(_ parser: yaml_parser_t, bytes: UnsafeBufferPointer<UInt8>) -> Diagnostic {
        let problem = parser.problem.map { String(cString: $0) } ?? "malformed YAML"
        if problem.hasPrefix("Maximum nesting level") {
            // LibYAML's scanner met its own (higher) limit before this pass reached ours.
            return Diagnostic(.yamlSyntax, "nesting is deeper than \(ReadingLimits.maximumNesting) levels",
                              at: location(parser.problem_mark))
        }
        if parser.error == YAML_READER_ERROR {
            return Diagnostic(.yamlSyntax, "the file is not valid UTF-8 text (\(problem))",
                              at: location(ofByte: parser.problem_offset, in: bytes))
        }
        let hint = problem.hasPrefix("mapping values are not allowed") ? mappingValueHint(parser.problem_mark, bytes) : ""
        var notes: [Diagnostic.Note] = []
        if let context = parser.context {
            let mark = parser.context_mark
            if mark.line != parser.problem_mark.line || mark.column != parser.problem_mark.column {
                // LibYAML says "while parsing a flow mapping"; the note says "the flow mapping starts here".
                let what = String(cString: context).split(separator: " ").drop { $0 != "a" && $0 != "an" }.dropFirst()
                notes.append(.init("the \(what.joined(separator: " ")) starts here", at: location(mark)))
            }
        }
        return Diagnostic(.yamlSyntax, "invalid YAML: \(problem)\(hint)", at: location(parser.problem_mark), notes: notes)
    }

    /// Why a `: ` was met where no mapping can start. A key alone at the start of its line is a key indented
    /// deeper than its siblings (it continues the value above); otherwise the `: ` is inside a value, as in a
    /// labelled function argument (`within: 2d`) in an unquoted condition.
    private func mappingValueHint(_ mark: yaml_mark_t, _ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let source = SourceFile(path: file, text: String(decoding: bytes, as: UTF8.self))
        let line = source.line(Int(mark.line) + 1)
        let before = line.prefix(Int(mark.column))
        let indentation = before.prefix { $0 == " " || $0 == "\t" }
        let key = String(String.UnicodeScalarView(before.dropFirst(indentation.count)))
        if !indentation.isEmpty, !key.isEmpty,
           key.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }) {
            return "; '\(key)' is indented deeper than the key above it, so it reads as part of that key's value; "
                + "indent it like its sibling keys"
        }
        return "; quote a condition that contains ': '"
    }

    /// The line and column of a byte offset, for reader errors that LibYAML reports as an offset; lines end
    /// where LibYAML ends them (LF, CR LF, CR, NEL, LS, PS), columns count characters.
    private func location(ofByte offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> SourceLocation {
        var line = 1
        var column = 1
        let end = min(offset, bytes.count)
        var index = 0
        while index < end {
            let byte = bytes[index]
            var breakLength = 0
            if byte == 0x0A {
                breakLength = 1
            } else if byte == 0x0D {
                breakLength = index + 1 < end && bytes[index + 1] == 0x0A ? 2 : 1
            } else if byte == 0xC2, index + 1 < end, bytes[index + 1] == 0x85 {
                breakLength = 2
            } else if byte == 0xE2, index + 2 < end, bytes[index + 1] == 0x80, bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9 {
                breakLength = 3
            }
            if breakLength > 0 {
                line += 1
                column = 1
                index += breakLength
                continue
            }
            if byte & 0xC0 != 0x80 { column += 1 }
            index += 1
        }
        return SourceLocation(file: file, line: line, column: column)
    }
}
