import CYaml

/// Turns LibYAML's parser errors into located diagnostics, with a hint where the usual cause is known.
struct YAMLSyntaxErrors {
    let file: String

    /// The diagnostic for the error `parser` stopped on; `bytes` is what it was reading.
    func diagnostic(for parser: yaml_parser_t, bytes: UnsafeBufferPointer<UInt8>) -> Diagnostic {
        let problem = parser.problem.map { String(cString: $0) } ?? "malformed YAML"
        if problem.hasPrefix("Maximum nesting level") {
            // LibYAML's scanner met its own (higher) limit before the reader reached ours.
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

    private func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
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
