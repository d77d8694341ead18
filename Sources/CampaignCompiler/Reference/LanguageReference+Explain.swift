import CampaignFlows

extension LanguageReference {
    /// Every name `campaignc explain` knows: rule ids, functions and built-in events.
    public static var explainableNames: [String] {
        RuleID.allCases.map(\.rawValue) + ExpressionFunction.allCases.map(\.rawValue) + BuiltInEvent.allCases.map(\.rawValue)
    }

    /// `campaignc explain NAME`: the pages of the rule, function and built-in event of that name (`subscribed`
    /// is both a function and an event), or nil when nothing has it.
    public static func explain(_ name: String) -> String? {
        var pages: [String] = []
        if let id = RuleID(rawValue: name) { pages.append(page(of: id.rule)) }
        if let function = ExpressionFunction(rawValue: name) { pages.append(page(of: function)) }
        if let event = BuiltInEvent(rawValue: name) { pages.append(page(of: event)) }
        return pages.isEmpty ? nil : pages.joined(separator: "\n\n")
    }

    private static func page(of rule: Rule) -> String {
        """
        \(rule.id.rawValue) (\(rule.severity.rawValue) rule)

        \(rule.summary).

        \(rule.rationale)

        Fails:
        \(indent(rule.failingExample))
        Passes:
        \(indent(rule.fixedExample))
        Raised while \(rule.phases.map(\.summary).joined(separator: "; ")).
        From \(rule.origin).
        """
    }

    private static func page(of function: ExpressionFunction) -> String {
        let declaration = function.declaration
        var text = "\(function.signature) -> \(declaration.result) (function)\n\n\(declaration.meaning)\n"
        if !declaration.parameters.isEmpty {
            text += "\nArguments:\n" + declaration.parameters.map { "    \($0.placeholder)\($0.isOptional ? " (optional)" : ""): \(parameterText($0))\n" }.joined()
        }
        return text + "\nFrom \(declaration.origin)."
    }

    private static func page(of event: BuiltInEvent) -> String {
        var text = "\(event.rawValue) (built-in event)\n\n\(event.meaning)\n\nPayload:\n"
        if event.fields.isEmpty {
            text += "    none\n"
        } else {
            let width = event.fields.map(\.name.count).max() ?? 0
            text += event.fields.map { "    \($0.name.padding(toLength: width, withPad: " ", startingAt: 0))  \($0.type): \($0.meaning)\n" }.joined()
        }
        return text + "\nFrom \(event.origin)."
    }

    private static func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "    \($0)" }.joined(separator: "\n")
    }
}
