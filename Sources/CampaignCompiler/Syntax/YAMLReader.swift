import CYaml

/// Limits on what the reader accepts, so that no input can make it crash, hang or exhaust memory.
public enum ReadingLimits {
    /// Files above this size are refused before parsing.
    public static let maximumFileBytes = 1 << 20
    /// Mappings and lists nested deeper than this are refused (the tree walks recurse).
    public static let maximumNesting = 64
}

/// Reads one file's bytes into a positioned ``YAMLNode`` tree, or explains why it cannot.
///
/// One pass over LibYAML's parser events builds the tree: every node is made once, at its event, with the
/// event's position. The same pass refuses what campaign files may not hold: files over
/// ``ReadingLimits/maximumFileBytes``, nesting deeper than ``ReadingLimits/maximumNesting``, anchors and
/// aliases (an alias bomb expands exponentially), keys that are not scalars, a second document, and every
/// second occurrence of a key in a mapping. Nothing here throws, traps or recurses on any input.
public enum YAMLReader {
    /// The root node (nil for an empty document, or when any problem was found) and the problems found.
    public static func read(_ bytes: [UInt8], path: String) -> (root: YAMLNode?, diagnostics: [Diagnostic]) {
        if bytes.count > ReadingLimits.maximumFileBytes {
            return (nil, [Diagnostic(
                .yamlSyntax, "the file is \(bytes.count) bytes; campaign files are limited to 1 MiB",
                at: .start(of: path))])
        }
        // LibYAML skips a byte order mark only when it detects the encoding itself; the reader sets UTF-8, so
        // the mark would become a character at column 1 (and the first key would look indented).
        let bytes = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        var builder = YAMLTreeBuilder(file: path)
        return builder.build(bytes)
    }
}

/// The event loop behind ``YAMLReader``: LibYAML's events in, ``YAMLNode``s out, one open collection per
/// frame of an explicit stack.
struct YAMLTreeBuilder {
    /// An open mapping or list. Frames are mutated in place in the stack, so a collection's children are
    /// never copied (a copy per child would make large collections quadratic).
    private struct Frame {
        var isMapping: Bool
        var location: SourceLocation
        var items: [YAMLNode] = []
        var pairs: [(key: YAMLScalar, value: YAMLNode)] = []
        /// A mapping alternates keys and values; when this is false, the next node is the value of `key`.
        var expectingKey = true
        /// The key whose value comes next (nil when that key was not a scalar).
        var key: YAMLScalar?
        /// Where each key of a large mapping is, by text; small mappings search `pairs` instead.
        var keyIndex: [String: Int] = [:]
    }

    /// Mappings with fewer keys than this find duplicates by searching their pairs (most mappings are
    /// small, and a dictionary per mapping costs more than it saves).
    private static let keyIndexThreshold = 12

    let file: String
    private var stack: [Frame] = []
    private var root: YAMLNode?
    private var diagnostics: [Diagnostic] = []

    init(file: String) {
        self.file = file
    }

    /// Parses `bytes` (UTF-8 without a byte order mark) to the end of the stream or the first problem that
    /// stops reading.
    mutating func build(_ bytes: [UInt8]) -> (root: YAMLNode?, diagnostics: [Diagnostic]) {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            return (nil, [Diagnostic(.yamlSyntax, "the YAML parser could not start", at: .start(of: file))])
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            parse(&parser, buffer)
        }
        return diagnostics.isEmpty ? (root, []) : (nil, diagnostics)
    }

    private mutating func parse(_ parser: inout yaml_parser_t, _ buffer: UnsafeBufferPointer<UInt8>) {
        var documents = 0
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else {
                diagnostics.append(YAMLSyntaxErrors(file: file).diagnostic(for: parser, bytes: buffer))
                return
            }
            defer { yaml_event_delete(&event) }
            let location = self.location(event.start_mark)
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return
            case YAML_DOCUMENT_START_EVENT:
                documents += 1
                if documents == 2 {
                    diagnostics.append(Diagnostic(
                        .yamlSyntax, "a file holds one YAML document; found a second one", at: location))
                    return
                }
            case YAML_ALIAS_EVENT:
                diagnostics.append(Diagnostic(.yamlAlias, "aliases are not allowed in campaign files", at: location))
                // It stands in its place so that the mapping around it keeps alternating keys and values.
                add(.scalar(YAMLScalar(text: "", style: .plain, location: location)), isScalarKey: false)
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                if scalar.anchor != nil { diagnostics.append(anchorDiagnostic(at: location)) }
                let style: YAMLScalar.Style = switch scalar.style {
                case YAML_SINGLE_QUOTED_SCALAR_STYLE, YAML_DOUBLE_QUOTED_SCALAR_STYLE: .quoted
                case YAML_LITERAL_SCALAR_STYLE, YAML_FOLDED_SCALAR_STYLE: .block
                default: .plain
                }
                // A value may hold NUL (`"\0"`), so the length is LibYAML's, not the C string's.
                let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                add(.scalar(YAMLScalar(text: text, style: style, location: location)), isScalarKey: true)
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                let isMapping = event.type == YAML_MAPPING_START_EVENT
                let anchor = isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor
                if anchor != nil { diagnostics.append(anchorDiagnostic(at: location)) }
                if let top = stack.indices.last, stack[top].isMapping, stack[top].expectingKey {
                    diagnostics.append(Diagnostic(
                        .wrongType, "mapping keys must be plain strings, not \(isMapping ? "mappings" : "lists")",
                        at: location))
                }
                if stack.count >= ReadingLimits.maximumNesting {
                    diagnostics.append(Diagnostic(
                        .yamlSyntax, "nesting is deeper than \(ReadingLimits.maximumNesting) levels", at: location))
                    return
                }
                stack.append(Frame(isMapping: isMapping, location: location))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let frame = stack.popLast() else { break }
                add(frame.isMapping ? .mapping(frame.pairs, frame.location) : .sequence(frame.items, frame.location),
                    isScalarKey: false)
            default:
                break
            }
        }
    }

    /// Places a finished node in the innermost open collection (or makes it the root). In a mapping it is a
    /// key or a value in turn; a key is kept only if it is a scalar (`isScalarKey`), and every second
    /// occurrence of a key is reported.
    private mutating func add(_ node: YAMLNode, isScalarKey: Bool) {
        guard let top = stack.indices.last else {
            root = node
            return
        }
        guard stack[top].isMapping else {
            stack[top].items.append(node)
            return
        }
        if stack[top].expectingKey {
            stack[top].expectingKey = false
            guard isScalarKey, case .scalar(var key) = node else {
                stack[top].key = nil
                return
            }
            // Keys are names: how one was quoted does not change what it names.
            key.style = .plain
            if let first = firstOccurrence(of: key.text, in: stack[top]) {
                diagnostics.append(Diagnostic(
                    .duplicateKey, "duplicate key '\(key.text)'", at: key.location,
                    notes: [.init("'\(key.text)' is first set here", at: first)]))
                stack[top].key = nil
            } else {
                stack[top].key = key
            }
        } else {
            stack[top].expectingKey = true
            if let key = stack[top].key {
                stack[top].pairs.append((key, node))
                let count = stack[top].pairs.count
                if count == Self.keyIndexThreshold {
                    for (index, pair) in stack[top].pairs.enumerated() { stack[top].keyIndex[pair.key.text] = index }
                } else if count > Self.keyIndexThreshold {
                    stack[top].keyIndex[key.text] = count - 1
                }
                stack[top].key = nil
            }
        }
    }

    /// Where `key` is first set in the mapping `frame`, if it is.
    private func firstOccurrence(of key: String, in frame: Frame) -> SourceLocation? {
        if frame.pairs.count >= Self.keyIndexThreshold {
            return frame.keyIndex[key].map { frame.pairs[$0].key.location }
        }
        return frame.pairs.first { $0.key.text == key }?.key.location
    }

    private func anchorDiagnostic(at location: SourceLocation) -> Diagnostic {
        Diagnostic(.yamlAlias, "anchors are not allowed in campaign files", at: location)
    }

    private func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }
}
