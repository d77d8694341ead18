/// How much a broken rule matters: errors fail `check`, warnings do not unless `--strict` is given.
public enum Severity: String, Sendable, Codable, Comparable {
    case warning
    case error

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .warning && rhs == .error }
}

/// One problem found in the files: which rule it breaks, where, and the other places involved.
public struct Diagnostic: Hashable, Sendable, Comparable {
    /// A secondary place that explains the problem ("'email_f' is sent here").
    public struct Note: Hashable, Sendable {
        public var message: String
        public var location: SourceLocation

        public init(_ message: String, at location: SourceLocation) {
            self.message = message
            self.location = location
        }
    }

    public var rule: RuleID
    public var severity: Severity
    public var message: String
    public var location: SourceLocation
    public var notes: [Note]
    /// The stage of checking that raised it; the rule registry lists the phases each rule may come from.
    public var phase: RulePhase

    /// Creates a diagnostic with the rule's own severity.
    public init(_ rule: RuleID, _ message: String, at location: SourceLocation, notes: [Note] = [],
                phase: RulePhase = .reading) {
        self.rule = rule
        self.severity = rule.severity
        self.message = message
        self.location = location
        self.notes = notes
        self.phase = phase
    }

    /// Diagnostics print in file, line, column, then message order, so output never depends on
    /// the order the rules ran in.
    public static func < (lhs: Diagnostic, rhs: Diagnostic) -> Bool {
        if lhs.location != rhs.location { return lhs.location < rhs.location }
        if lhs.message != rhs.message { return lhs.message < rhs.message }
        return lhs.rule.rawValue < rhs.rule.rawValue
    }
}

/// Collects the diagnostics of every stage; only the command line's renderers print them.
public struct DiagnosticCollector: Sendable {
    public private(set) var diagnostics: [Diagnostic] = []
    /// The phase whose diagnostics are being collected: ``emit(_:_:at:notes:)`` stamps it on each one.
    public var phase: RulePhase

    public init(phase: RulePhase = .reading) {
        self.phase = phase
    }

    public mutating func emit(_ rule: RuleID, _ message: String, at location: SourceLocation,
                              notes: [Diagnostic.Note] = []) {
        diagnostics.append(Diagnostic(rule, message, at: location, notes: notes, phase: phase))
    }

    public mutating func append(contentsOf other: [Diagnostic]) {
        diagnostics.append(contentsOf: other)
    }

    /// The diagnostics in deterministic order, exact duplicates removed.
    ///
    /// Duplicates share a sort key (location, message, rule), so each is looked for only among the
    /// diagnostics of its key: hashing every diagnostic took a tenth of checking 28,000 warnings. A key
    /// shared by many different diagnostics (their notes differ) switches to a set, so no input is quadratic.
    public var sorted: [Diagnostic] {
        var result: [Diagnostic] = []
        result.reserveCapacity(diagnostics.count)
        var runStart = 0
        var runSet: Set<Diagnostic>?
        for diagnostic in diagnostics.sorted() {
            if let last = result.last, last < diagnostic {
                runStart = result.count
                runSet = nil
            }
            // Indices, not a slice: a slice alive across the append would make it copy the whole array.
            if result.count - runStart < 16 {
                if (runStart..<result.count).contains(where: { result[$0] == diagnostic }) { continue }
            } else {
                if runSet == nil { runSet = Set(result[runStart...]) }
                if !runSet!.insert(diagnostic).inserted { continue }
            }
            result.append(diagnostic)
        }
        return result
    }

}
