import Foundation

/// The bytes of one file as read from disk, with its display path.
///
/// Lines are numbered as LibYAML numbers them, so that the positions of its marks and of this map agree: a
/// line ends at LF, CR LF, a lone CR, NEL (U+0085), LINE SEPARATOR (U+2028) or PARAGRAPH SEPARATOR (U+2029).
/// A leading byte order mark is not part of the text (LibYAML skips it before counting columns).
public struct SourceFile: Sendable {
    /// The path printed in diagnostics: relative to the working directory when the file lies under it.
    public var path: String
    public var text: String
    /// Where each line starts, so that a line is found without rescanning the file.
    private let lineStarts: [String.UnicodeScalarView.Index]

    /// Whether LibYAML counts `scalar` as a line break.
    static func isLineBreak(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "\n", "\r", "\u{85}", "\u{2028}", "\u{2029}": true
        default: false
        }
    }

    public init(path: String, text: String) {
        self.path = path
        let text = text.unicodeScalars.first == "\u{FEFF}" ? String(text.unicodeScalars.dropFirst()) : text
        self.text = text
        let scalars = text.unicodeScalars
        var starts = [scalars.startIndex]
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let scalar = scalars[index]
            scalars.formIndex(after: &index)
            if scalar == "\r", index < scalars.endIndex, scalars[index] == "\n" { scalars.formIndex(after: &index) }
            if Self.isLineBreak(scalar) { starts.append(index) }
        }
        lineStarts = starts
    }

    /// The text of a 1-based line, without its line break; empty past the end.
    public func line(_ number: Int) -> Substring.UnicodeScalarView {
        guard number >= 1, number <= lineStarts.count else { return Substring.UnicodeScalarView() }
        let start = lineStarts[number - 1]
        var end = number < lineStarts.count ? lineStarts[number] : text.unicodeScalars.endIndex
        let scalars = text.unicodeScalars
        // At most one break (CR LF counting as one) ends a line.
        if end > start, Self.isLineBreak(scalars[scalars.index(before: end)]) {
            let last = scalars[scalars.index(before: end)]
            end = scalars.index(before: end)
            if last == "\n", end > start, scalars[scalars.index(before: end)] == "\r" { end = scalars.index(before: end) }
        }
        return Substring(text)[start..<end].unicodeScalars
    }

    /// The scalars from a 1-based line and column to the end of the file, for mapping positions inside a
    /// YAML scalar back to the file.
    func scalars(from line: Int, column: Int) -> Substring.UnicodeScalarView {
        guard line >= 1, line <= lineStarts.count else { return Substring.UnicodeScalarView() }
        let scalars = text.unicodeScalars
        let start = scalars.index(lineStarts[line - 1], offsetBy: column - 1, limitedBy: scalars.endIndex)
            ?? scalars.endIndex
        return Substring(text)[start...].unicodeScalars
    }
}
