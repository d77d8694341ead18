import Foundation

/// Renders diagnostics as GitHub Actions workflow commands (`::error file=...,line=...::message`), which
/// GitHub shows as annotations on the pull request's lines.
enum GitHubRenderer {
    static func render(_ result: CheckResult) -> String {
        var output = ""
        for diagnostic in result.diagnostics {
            let command = diagnostic.severity == .error ? "error" : "warning"
            let location = diagnostic.location
            var message = diagnostic.message
            for note in diagnostic.notes { message += "\nnote: \(note.message) (\(note.location))" }
            output += "::\(command) file=\(property(location.file)),line=\(location.line),col=\(location.column),"
                + "title=\(property(diagnostic.rule.rawValue))::\(data(message))\n"
        }
        return output
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
