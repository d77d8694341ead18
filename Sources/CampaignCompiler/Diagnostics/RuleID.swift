/// The stable id of every rule the checker enforces; CI configurations and suppressions name rules by it.
public enum RuleID: String, CaseIterable, Sendable, Codable, Hashable {
    // Reading: the file is not well-formed YAML of the expected shape.
    case yamlSyntax = "yaml-syntax"
    case duplicateKey = "duplicate-key"
    case unknownKey = "unknown-key"
    case wrongType = "wrong-type"
    case missingKey = "missing-key"
    case yamlAlias = "yaml-alias"
    case expressionSyntax = "expression-syntax"
    // Names and types.
    case unknownName = "unknown-name"
    case typeMismatch = "type-mismatch"
    case valueNotAllowed = "value-not-allowed"
    case constantCondition = "constant-condition"
    // Time values.
    case badDuration = "bad-duration"
    case badWindow = "bad-window"
    case badCron = "bad-cron"
    case badTimezone = "bad-timezone"
    case badDate = "bad-date"
    // Versions, across files.
    case singlePublished = "single-published"
    case singleDraft = "single-draft"
    case duplicateVersion = "duplicate-version"
    case pathMismatch = "path-mismatch"
    // Entry and exit.
    case exitRequired = "exit-required"
    case exitUnknownEvent = "exit-unknown-event"
    case exitOnTrigger = "exit-on-trigger"
    case exitConstant = "exit-constant"
    // The step graph.
    case unknownStep = "unknown-step"
    case unreachableStep = "unreachable-step"
    case missingExit = "missing-exit"
    case noEnd = "no-end"
    case zeroTimeCycle = "zero-time-cycle"
    // Post-send conditions.
    case postSendWithoutSend = "post-send-without-send"
    case postSendWithoutWait = "post-send-without-wait"
    case postSendNotASend = "post-send-not-a-send"
    // Step settings.
    case splitWeights = "split-weights"
    case testShares = "test-shares"
    case updateProtectedField = "update-protected-field"
    case channelMismatch = "channel-mismatch"
    case approvalOptimized = "approval-optimized"
    case promoWithoutEmail = "promo-without-email"

    /// The rule's description: severity, summary, explanation and examples.
    public var rule: Rule { RuleCatalog.rule(for: self) }

    public var severity: Severity { rule.severity }
}

/// What a rule catches and why, as `campaignc rules` and `campaignc explain` print it.
public struct Rule: Sendable {
    public var id: RuleID
    public var severity: Severity
    /// One line: what the rule reports.
    public var summary: String
    /// Why it matters, in a few sentences.
    public var rationale: String
    /// A campaign fragment that breaks the rule.
    public var failingExample: String
    /// The same fragment, fixed.
    public var fixedExample: String
}
