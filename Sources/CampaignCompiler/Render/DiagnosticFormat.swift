import Foundation

/// The output formats of `campaignc check`; each renders the same diagnostic values.
public enum DiagnosticFormat: String, CaseIterable, Sendable {
    /// The Swift compiler's layout: location, severity, message, rule id, source line and caret, notes.
    case text
    /// One JSON document with every diagnostic and a summary.
    case json
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    case sarif
    /// GitHub Actions workflow commands, which annotate the pull request's lines.
    case github

    /// Renders `result`'s diagnostics. `color` applies to text only.
    public func render(_ result: CheckResult, color: Bool = false) -> String {
        var output = ""
        render(result, color: color, to: &output)
        return output
    }

    /// Renders `result`'s diagnostics into `output` as they are produced: text and github write one
    /// diagnostic at a time, so their memory does not grow with the output.
    public func render(_ result: CheckResult, color: Bool = false, to output: inout some TextOutputStream) {
        switch self {
        case .text: TextRenderer(color: color).render(result, to: &output)
        case .json: output.write(JSONRenderer.render(result))
        case .sarif: output.write(SARIFRenderer.render(result))
        case .github: GitHubRenderer.render(result, to: &output)
        }
    }
}

/// A text stream into a file descriptor that writes in blocks of 64 KiB: what the command line renders
/// diagnostics into. Call ``flush()`` when done.
public struct FileOutputStream: TextOutputStream {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private static let blockSize = 1 << 16

    public init(_ handle: FileHandle) {
        self.handle = handle
        buffer.reserveCapacity(Self.blockSize)
    }

    public mutating func write(_ string: String) {
        buffer.append(contentsOf: string.utf8)
        if buffer.count >= Self.blockSize { flush() }
    }

    public mutating func flush() {
        guard !buffer.isEmpty else { return }
        handle.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}
