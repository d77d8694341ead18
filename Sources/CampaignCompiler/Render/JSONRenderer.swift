import Foundation

/// Renders diagnostics as one JSON document: `{ "diagnostics": [...], "summary": {...}, "version": 1 }`.
enum JSONRenderer {
    private struct Document: Encodable {
        var version = 1
        var diagnostics: [Entry]
        var summary: Summary
    }

    private struct Summary: Encodable {
        var errors: Int
        var warnings: Int
        var files: Int
    }

    private struct Entry: Encodable {
        var rule: String
        var severity: String
        var message: String
        var file: String
        var line: Int
        var column: Int
        var notes: [Note]
    }

    private struct Note: Encodable {
        var message: String
        var file: String
        var line: Int
        var column: Int
    }

    static func render(_ result: CheckResult) -> String {
        let document = Document(
            diagnostics: result.diagnostics.map { diagnostic in
                Entry(rule: diagnostic.rule.rawValue, severity: diagnostic.severity.rawValue, message: diagnostic.message,
                      file: diagnostic.location.file, line: diagnostic.location.line, column: diagnostic.location.column,
                      notes: diagnostic.notes.map {
                          Note(message: $0.message, file: $0.location.file, line: $0.location.line, column: $0.location.column)
                      })
            },
            summary: Summary(errors: result.errorCount, warnings: result.warningCount, files: result.sources.count))
        return encode(document)
    }

    /// Pretty, key-sorted JSON with a final newline, so output is stable from run to run.
    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
