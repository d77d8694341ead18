import Foundation

/// Renders diagnostics as GitHub Actions workflow commands (`::error file=...,line=...::message`), which
/// GitHub shows as annotations on the pull request's lines.
///
/// Text from the files goes through ``DisplayText`` first, so a newline or control character in a name is
/// shown as an escape and can never end the command early or start another one.
enum GitHubRenderer {
    static func render(_ result: CheckResult) -> String {
        var output = ""
        render(result, to: &output)
        return output
    }

    static func render(_ result: CheckResult, to output: inout some TextOutputStream) {
        for diagnostic in result.diagnostics {
            let command = diagnostic.severity == .error ? "error" : "warning"
            let location = diagnostic.location
            var message = DisplayText.safe(diagnostic.message)
            for note in diagnostic.notes {
                message += "\nnote: \(DisplayText.safe(note.message)) (\(DisplayText.safe("\(note.location)")))"
            }
            output.write("::\(command) file=\(property(DisplayText.safe(location.file))),line=\(location.line),col=\(location.column),"
                + "title=\(property(diagnostic.rule.rawValue))::\(data(message))\n")
        }
    }

    /// Escapes a command's message as the runner expects.
    private static func data(_ text: String) -> String {
        text.replacingOccurrences(of: "%", with: "%25")
            .replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }

    /// Escapes a property value, where ':' and ',' also separate fields.
    private static func property(_ text: String) -> String {
        data(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}
