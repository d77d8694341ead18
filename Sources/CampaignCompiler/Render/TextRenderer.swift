/// Renders diagnostics as the Swift compiler does:
///
/// ```
/// campaigns/cart/v1.yaml:12:7: error: unknown step 'wait_2d' [unknown-step]
///   next: wait_2d
///         ^
/// campaigns/cart/v1.yaml:20:3: note: 'wait_3d' is defined here
/// ```
struct TextRenderer {
    var color: Bool

    func render(_ result: CheckResult) -> String {
        var output = ""
        for diagnostic in result.diagnostics {
            let label = diagnostic.severity == .error ? paint("error:", "1;31") : paint("warning:", "1;35")
            output += paint("\(diagnostic.location):", "1") + " \(label) "
                + paint("\(diagnostic.message) [\(diagnostic.rule.rawValue)]", "1") + "\n"
            output += excerpt(at: diagnostic.location, in: result)
            for note in diagnostic.notes {
                output += paint("\(note.location):", "1") + " \(paint("note:", "1;30")) \(note.message)\n"
                output += excerpt(at: note.location, in: result)
            }
        }
        return output
    }

    /// The source line and a caret under the column; tabs are kept so the caret lines up.
    private func excerpt(at location: SourceLocation, in result: CheckResult) -> String {
        guard let source = result.sources[location.file] else { return "" }
        let line = source.line(location.line)
        guard !line.isEmpty else { return "" }
        var caret = ""
        for scalar in line.prefix(max(0, location.column - 1)) {
            caret.unicodeScalars.append(scalar == "\t" ? "\t" : " ")
        }
        return String(String.UnicodeScalarView(line)) + "\n" + caret + paint("^", "1;32") + "\n"
    }

    private func paint(_ text: String, _ code: String) -> String {
        color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
