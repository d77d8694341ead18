import Foundation

/// The bytes of one file as read from disk, with its display path.
public struct SourceFile: Sendable {
    /// The path printed in diagnostics: relative to the working directory when the file lies under it.
    public var path: String
    public var text: String
    /// Where each line starts, so that a line is found without rescanning the file.
    private let lineStarts: [String.UnicodeScalarView.Index]

    public init(path: String, text: String) {
        self.path = path
        self.text = text
        var starts = [text.unicodeScalars.startIndex]
        var index = text.unicodeScalars.startIndex
        while index < text.unicodeScalars.endIndex {
            let scalar = text.unicodeScalars[index]
            text.unicodeScalars.formIndex(after: &index)
            if scalar == "\n" { starts.append(index) }
        }
        lineStarts = starts
    }

    /// The text of a 1-based line, without its line break; empty past the end.
    public func line(_ number: Int) -> Substring.UnicodeScalarView {
        guard number >= 1, number <= lineStarts.count else { return Substring.UnicodeScalarView() }
        let start = lineStarts[number - 1]
        var end = number < lineStarts.count ? lineStarts[number] : text.unicodeScalars.endIndex
        let scalars = text.unicodeScalars
        while end > start, scalars[scalars.index(before: end)] == "\n" || scalars[scalars.index(before: end)] == "\r" {
            end = scalars.index(before: end)
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
