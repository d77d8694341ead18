/// Maps a character offset inside a YAML scalar's value back to the file's line and column.
///
/// A scalar whose value stands literally on its first source line (a plain or quoted one-line scalar with
/// nothing to unescape, the usual case) maps by adding the offset to its column. Other scalars (escapes,
/// folded lines, block scalars) are aligned with the file text once, when the map is made: each value
/// character is matched to the next source character that produces it, skipping quotes, indentation,
/// block headers and escape introducers, and decoding double-quoted escapes (`\t`, `\x41`, `\u00e9`, an
/// escaped line break) so that they match what they stand for. Lines are counted as LibYAML counts them (see
/// ``SourceFile/isLineBreak(_:)``). Lookups are then constant-time, so a scalar of any size maps in one pass.
/// Should the alignment fail, every offset maps to the scalar's start.
struct ScalarPositions {
    private let start: SourceLocation
    /// Set when the value stands literally in the source line: the column shift from the scalar's start.
    private let simpleShift: Int?
    /// For other scalars, the line and column of each value scalar, plus one entry for the end of the value;
    /// empty when the alignment failed.
    private let lines: [Int32]
    private let columns: [Int32]

    /// How many source characters may be skipped between two value characters before the alignment is
    /// considered lost (indentation and escape introducers are far shorter).
    private static let maximumSkip = 4096

    init(scalar: YAMLScalar, source: SourceFile) {
        start = scalar.location
        let line = source.line(scalar.location.line)
        let scalarStart = line.index(line.startIndex, offsetBy: scalar.location.column - 1, limitedBy: line.endIndex)
        simpleShift = scalarStart.flatMap { Self.literalShift(of: scalar, in: line[$0...]) }
        if simpleShift == nil {
            (lines, columns) = Self.align(scalar, in: source)
        } else {
            (lines, columns) = ([], [])
        }
    }

    /// The file position of the value's `offset`-th Unicode scalar (`offset` may be the value's length: the
    /// position just after it).
    func location(ofOffset offset: Int) -> SourceLocation {
        if let shift = simpleShift {
            return SourceLocation(file: start.file, line: start.line, column: start.column + shift + offset)
        }
        guard offset >= 0, offset < lines.count else { return start }
        return SourceLocation(file: start.file, line: Int(lines[offset]), column: Int(columns[offset]))
    }

    /// 0 for a plain scalar, 1 for a quoted one, when the value is the source text itself on the scalar's
    /// first line (followed by the closing quote for a quoted one); nil otherwise.
    private static func literalShift(of scalar: YAMLScalar, in rest: Substring.UnicodeScalarView) -> Int? {
        let value = scalar.text.unicodeScalars
        var index = rest.startIndex
        let shift: Int
        var closing: Unicode.Scalar?
        switch scalar.style {
        case .plain:
            shift = 0
        case .quoted:
            guard index < rest.endIndex, rest[index] == "\"" || rest[index] == "'" else { return nil }
            closing = rest[index]
            if value.contains(closing!) || (closing == "\"" && value.contains("\\")) { return nil }
            rest.formIndex(after: &index)
            shift = 1
        case .block:
            return nil
        }
        for character in value {
            guard index < rest.endIndex, rest[index] == character else { return nil }
            rest.formIndex(after: &index)
        }
        if let closing {
            guard index < rest.endIndex, rest[index] == closing else { return nil }
        }
        return shift
    }

    /// One pass over the value and the source from the scalar's start.
    private static func align(_ scalar: YAMLScalar, in source: SourceFile) -> ([Int32], [Int32]) {
        let text = source.scalars(from: scalar.location.line, column: scalar.location.column)
        var index = text.startIndex
        var line = scalar.location.line
        var column = scalar.location.column
        /// Steps past one source character (a CR LF pair is one line break).
        func step() {
            let c = text[index]
            text.formIndex(after: &index)
            if c == "\r" {
                if index < text.endIndex, text[index] == "\n" { text.formIndex(after: &index) }
                line += 1
                column = 1
            } else if SourceFile.isLineBreak(c) {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        guard index < text.endIndex else { return ([], []) }
        var isDoubleQuoted = false
        switch scalar.style {
        case .quoted:
            isDoubleQuoted = text[index] == "\""
            step()  // the opening quote
        case .block:
            // The header (`|`, `>`, indicators, a comment) runs to the end of its line.
            while index < text.endIndex, !SourceFile.isLineBreak(text[index]) { step() }
        case .plain:
            break
        }
        var lines: [Int32] = []
        var columns: [Int32] = []
        let count = scalar.text.unicodeScalars.count
        lines.reserveCapacity(count + 1)
        columns.reserveCapacity(count + 1)
        for value in scalar.text.unicodeScalars {
            var skipped = 0
            while true {
                guard index < text.endIndex, skipped <= maximumSkip else { return ([], []) }
                let c = text[index]
                if isDoubleQuoted, c == "\\" {
                    let (decoded, length) = decodeEscape(text, at: index)
                    if let decoded, decoded == value {
                        lines.append(Int32(line))
                        columns.append(Int32(column))
                        for _ in 0..<length where index < text.endIndex { step() }
                        break
                    }
                    // An escaped line break stands for nothing; anything else is a mismatch to skip.
                    for _ in 0..<(decoded == nil ? length : 1) where index < text.endIndex { step() }
                    skipped += 1
                    continue
                }
                if c == value || (SourceFile.isLineBreak(c) && (value == " " || value == "\n")) {
                    lines.append(Int32(line))
                    columns.append(Int32(column))
                    step()
                    break
                }
                step()
                skipped += 1
            }
        }
        lines.append(Int32(line))
        columns.append(Int32(column))
        return (lines, columns)
    }

    /// What the double-quoted escape starting at `index` (a backslash) stands for, and how many source
    /// characters it spans (in steps, a CR LF pair being one); nil for an escaped line break (which stands for nothing) or an unknown escape.
    private static func decodeEscape(_ text: Substring.UnicodeScalarView,
                                     at index: Substring.UnicodeScalarView.Index) -> (Unicode.Scalar?, Int) {
        let next = text.index(after: index)
        guard next < text.endIndex else { return (nil, 1) }
        let simple: [Unicode.Scalar: Unicode.Scalar] = [
            "0": "\0", "a": "\u{07}", "b": "\u{08}", "t": "\t", "\t": "\t", "n": "\n", "v": "\u{0B}",
            "f": "\u{0C}", "r": "\r", "e": "\u{1B}", " ": " ", "\"": "\"", "/": "/", "\\": "\\",
            "N": "\u{85}", "_": "\u{A0}", "L": "\u{2028}", "P": "\u{2029}",
        ]
        let e = text[next]
        if let decoded = simple[e] { return (decoded, 2) }
        // The backslash and the break (a CR LF pair is one step).
        if SourceFile.isLineBreak(e) { return (nil, 2) }
        let digits = e == "x" ? 2 : e == "u" ? 4 : e == "U" ? 8 : 0
        guard digits > 0 else { return (nil, 1) }
        var value: UInt32 = 0
        var position = text.index(after: next)
        for _ in 0..<digits {
            guard position < text.endIndex, let digit = UInt32(String(text[position]), radix: 16) else { return (nil, 1) }
            value = value &* 16 &+ digit
            text.formIndex(after: &position)
        }
        return (Unicode.Scalar(value), 2 + digits)
    }
}
