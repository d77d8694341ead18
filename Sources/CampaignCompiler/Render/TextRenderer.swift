/// Renders diagnostics as the Swift compiler does:
///
/// ```
/// campaigns/cart/v1.yaml:12:7: error: unknown step 'wait_2d' [unknown-step]
///   next: wait_2d
///         ^
/// campaigns/cart/v1.yaml:20:3: note: 'wait_3d' is defined here
/// ```
///
/// Text from the files (messages, paths, source lines) is printed through ``DisplayText``, and each source
/// excerpt is a bounded window of its line (``SourceExcerpt``). Output goes to the stream diagnostic by
/// diagnostic, so memory does not grow with the output.
struct TextRenderer {
    var color: Bool

    func render(_ result: CheckResult) -> String {
        var output = ""
        render(result, to: &output)
        return output
    }

    func render(_ result: CheckResult, to output: inout some TextOutputStream) {
        var cursors = ColumnCursors()
        for diagnostic in result.diagnostics {
            let label = diagnostic.severity == .error ? paint("error:", "1;31") : paint("warning:", "1;35")
            output.write(paint("\(location(diagnostic.location)):", "1") + " \(label) "
                + paint("\(DisplayText.safe(diagnostic.message)) [\(diagnostic.rule.rawValue)]", "1") + "\n")
            output.write(excerpt(at: diagnostic.location, in: result, cursors: &cursors))
            for note in diagnostic.notes {
                output.write(paint("\(location(note.location)):", "1") + " \(paint("note:", "1;30")) \(DisplayText.safe(note.message))\n")
                output.write(excerpt(at: note.location, in: result, cursors: &cursors))
            }
        }
    }

    private func location(_ location: SourceLocation) -> String {
        DisplayText.safe("\(location)")
    }

    /// A bounded window of the source line and a caret under the column; tabs are kept so the caret lines up.
    private func excerpt(at location: SourceLocation, in result: CheckResult, cursors: inout ColumnCursors) -> String {
        guard let source = result.sources[location.file] else { return "" }
        let line = source.line(location.line)
        guard !line.isEmpty else { return "" }
        let index = cursors.index(of: location, in: line)
        let excerpt = SourceExcerpt(line, columnIndex: index)
        return excerpt.line + "\n" + excerpt.caret + paint("^", "1;32") + "\n"
    }

    private func paint(_ text: String, _ code: String) -> String {
        color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}

/// Finds a column's index in its line, resuming from the last column found on the same line: diagnostics
/// come in line and column order, so many of them on one long line cost one walk of it, not one each.
struct ColumnCursors {
    private struct Key: Hashable {
        var file: String
        var line: Int
    }

    private var last: [Key: (column: Int, index: Substring.UnicodeScalarView.Index)] = [:]

    mutating func index(of location: SourceLocation, in line: Substring.UnicodeScalarView) -> Substring.UnicodeScalarView.Index {
        let key = Key(file: location.file, line: location.line)
        var column = 1
        var index = line.startIndex
        if let known = last[key], known.column <= location.column {
            column = known.column
            index = known.index
        }
        while column < location.column, index < line.endIndex {
            line.formIndex(after: &index)
            column += 1
        }
        if last.count > 4096 { last.removeAll(keepingCapacity: true) }
        last[key] = (column, index)
        return index
    }
}
