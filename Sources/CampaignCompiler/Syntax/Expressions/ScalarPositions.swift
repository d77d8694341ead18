/// Maps a character offset inside a YAML scalar's value back to the file's line and column.
///
/// Plain one-line scalars (the usual case) map by adding the offset to the scalar's column, quoted ones by
/// one more for the quote. Other scalars (escapes, folded lines, block scalars) are aligned with the file
/// text: each value character is matched to the next equal character in the source, which skips quotes,
/// indentation and escape introducers. Should the alignment fail, the scalar's start is used.
struct ScalarPositions {
    private let scalar: YAMLScalar
    private let source: SourceFile
    private let simpleShift: Int?

    init(scalar: YAMLScalar, source: SourceFile) {
        self.scalar = scalar
        self.source = source
        let oneLine = !scalar.text.contains(where: \.isNewline)
        switch scalar.style {
        case .plain where oneLine:
            simpleShift = 0
        case .quoted where oneLine:
            let line = source.line(scalar.location.line)
            let quoteIndex = line.index(line.startIndex, offsetBy: scalar.location.column - 1, limitedBy: line.endIndex)
            let quote = quoteIndex.flatMap { $0 < line.endIndex ? line[$0] : nil }
            let escaped = quote == "\"" ? scalar.text.contains("\\") || scalar.text.contains("\"")
                                        : scalar.text.contains("'")
            simpleShift = escaped ? nil : 1
        default:
            simpleShift = nil
        }
    }

    /// The file position of the value's `offset`-th Unicode scalar.
    func location(ofOffset offset: Int) -> SourceLocation {
        let start = scalar.location
        if let shift = simpleShift {
            return SourceLocation(file: start.file, line: start.line, column: start.column + shift + offset)
        }
        var line = start.line
        var column = start.column
        var sourceScalars = source.scalars(from: start.line, column: start.column).makeIterator()
        var pending = sourceScalars.next()
        for (index, valueScalar) in scalar.text.unicodeScalars.enumerated() {
            // Skip source characters until one equals the value character.
            var skipped = 0
            while let current = pending, current != valueScalar {
                if valueScalar == " " && current == "\n" { break }
                advance(&line, &column, past: current)
                pending = sourceScalars.next()
                skipped += 1
                if skipped > 64 { return start }
            }
            guard let current = pending else { return start }
            if index == offset { return SourceLocation(file: start.file, line: line, column: column) }
            advance(&line, &column, past: current)
            pending = sourceScalars.next()
        }
        return SourceLocation(file: start.file, line: line, column: column)
    }

    private func advance(_ line: inout Int, _ column: inout Int, past scalar: Unicode.Scalar) {
        if scalar == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
    }
}
