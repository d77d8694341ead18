import Foundation
import Logging

/// How `campaignd` writes its log on stderr: text lines, or one JSON object per line.
public enum LogFormat: String, Sendable, CaseIterable {
    case text, json

    /// Makes every logger of the process write in this format: call once, at start.
    public func bootstrap(level: Logger.Level = .info) {
        switch self {
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        case .json:
            LoggingSystem.bootstrap { label in JSONLinesLogHandler(label: label, logLevel: level) }
        }
    }
}

/// Writes each entry as one JSON object on stderr: `time`, `level`, `label`, `message` and the metadata.
struct JSONLinesLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    init(label: String, logLevel: Logger.Level) {
        self.label = label
        self.logLevel = logLevel
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        var object: [String: String] = [:]
        for (key, value) in merged { object[key] = "\(value)" }
        object["time"] = InstantText.format(Date().timeIntervalSince1970)
        object["level"] = event.level.rawValue
        object["label"] = label
        object["message"] = "\(event.message)"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(object) else { return }
        line.append(UInt8(ascii: "\n"))
        FileHandle.standardError.write(line)
    }
}
