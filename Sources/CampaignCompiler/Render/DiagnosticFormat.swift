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
        switch self {
        case .text: TextRenderer(color: color).render(result)
        case .json: JSONRenderer.render(result)
        case .sarif: SARIFRenderer.render(result)
        case .github: GitHubRenderer.render(result)
        }
    }
}
