import CampaignFlows

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
    // Contact pressure (v1.2).
    case messageBudget = "message-budget"
    // Several triggers (v1.2).
    case triggerEventField = "trigger-event-field"
    // Waiting for a condition or an event (v1.2).
    case waitForTimeout = "wait-for-timeout"
    // Holdout groups and conversion goals (v1.2).
    case holdoutShare = "holdout-share"
    case goalUnknownEvent = "goal-unknown-event"
    // Steps across campaigns (v1.2).
    case campaignCycle = "campaign-cycle"

    /// The rule's description: severity, summary, explanation, examples and the phases that raise it.
    public var rule: Rule { RuleCatalog.rule(for: self) }

    /// How much breaking the rule matters.
    public var severity: Severity { rule.severity }
}

/// The stage of checking that raises a rule's diagnostics. Some rules are raised by several stages: an
/// unknown name can be a workspace's, an expression's, a step's or a scenario's.
public enum RulePhase: String, CaseIterable, Sendable, Codable, Comparable {
    /// The readers (`Syntax/`): YAML, the shape of each file and the values read from it (time values,
    /// expression syntax, a workspace's types).
    case reading
    /// The type checker of every condition of a campaign (`Check/ExpressionRule.swift`).
    case expressions
    /// The rules over one campaign version (`CampaignRules.all`).
    case campaign
    /// The rules across the versions of a campaign (`Check/VersionRules.swift`).
    case versions
    /// The rules on scenario files against the campaign they test (`Check/ScenarioRules.swift`).
    case scenarios

    /// The phase in a sentence, as `campaignc explain` prints it.
    public var summary: String {
        switch self {
        case .reading: "reading a file (YAML, its shape and the values in it)"
        case .expressions: "type-checking a campaign's conditions"
        case .campaign: "the rules over one campaign version"
        case .versions: "the rules across every version of a campaign"
        case .scenarios: "checking scenario files against their campaign"
        }
    }

    /// Phases sort in the order they run, the order of their declaration.
    public static func < (lhs: RulePhase, rhs: RulePhase) -> Bool {
        (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
    }
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
    /// The phases that raise it, in the order they run.
    public var phases: [RulePhase]
    /// Where the language contract specifies it.
    public var origin: LanguageOrigin
}
