/// A file to check: its display path and its bytes.
public struct InputFile: Sendable {
    public var path: String
    public var bytes: [UInt8]

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }
}

/// The kinds of file the checker reads.
public enum FileKind: String, Sendable {
    case workspace, campaign, scenario
}

/// What `check` found: the diagnostics in output order and the sources they point into.
public struct CheckResult: Sendable {
    public var diagnostics: [Diagnostic]
    /// Every file read, by display path, so renderers can quote source lines.
    public var sources: [String: SourceFile]
    /// The campaigns read, with or without errors.
    public var campaigns: [Campaign]
    /// The campaigns resolved for lowering, in the order of ``campaigns``: every one of them when the check
    /// reports no errors, none otherwise.
    public var checked: [CheckedCampaign]
    /// The scenario files read.
    public var scenarios: [ScenarioFile]
    public var workspace: Workspace

    public var errorCount: Int { diagnostics.count { $0.severity == .error } }
    public var warningCount: Int { diagnostics.count { $0.severity == .warning } }
}

/// The front end's entry point: reads a workspace and any number of campaign and scenario files, and runs
/// every rule over them. One broken file never stops the others from being checked.
public enum Checker {
    public static func check(workspace workspaceFile: InputFile, files: [InputFile]) -> CheckResult {
        var diagnostics = DiagnosticCollector()
        var sources: [String: SourceFile] = [:]

        let (workspaceSource, workspaceRoot, workspaceProblems) = read(workspaceFile)
        sources[workspaceFile.path] = workspaceSource
        diagnostics.append(contentsOf: workspaceProblems)
        let workspaceReader = ShapeReader(source: workspaceSource)
        let workspace = WorkspaceReader(reader: workspaceReader).read(workspaceRoot)
        diagnostics.append(contentsOf: workspaceReader.diagnostics.diagnostics)

        var campaigns: [Campaign] = []
        var scenarios: [ScenarioFile] = []
        for file in files where file.path != workspaceFile.path {
            let (source, root, problems) = read(file)
            sources[file.path] = source
            diagnostics.append(contentsOf: problems)
            guard let root else {
                if problems.isEmpty {
                    diagnostics.emit(.missingKey, "the file is empty", at: .start(of: file.path))
                }
                continue
            }
            let reader = ShapeReader(source: source)
            switch kind(of: file.path, root: root) {
            case .workspace:
                _ = WorkspaceReader(reader: reader).read(root)
            case .campaign:
                if let campaign = CampaignReader(reader: reader).read(root) { campaigns.append(campaign) }
            case .scenario:
                if let scenario = ScenarioReader(reader: reader).read(root) { scenarios.append(scenario) }
            }
            diagnostics.append(contentsOf: reader.diagnostics.diagnostics)
        }

        var expressions: [CampaignExpressions] = []
        for campaign in campaigns {
            diagnostics.phase = .expressions
            let resolved = ExpressionRule.check(campaign, workspace: workspace, into: &diagnostics)
            expressions.append(resolved)
            let context = CampaignContext(campaign: campaign, workspace: workspace, graph: StepGraph(campaign: campaign),
                                          postSendCalls: resolved.postSendCalls)
            diagnostics.phase = .campaign
            for rule in CampaignRules.all { rule.check(context, into: &diagnostics) }
        }
        diagnostics.phase = .versions
        VersionRules.check(campaigns, into: &diagnostics)
        CampaignReferenceRule.check(campaigns, into: &diagnostics)
        CampaignCycleRule.check(campaigns, into: &diagnostics)
        diagnostics.phase = .scenarios
        for scenario in scenarios {
            ScenarioRules.check(scenario, campaigns: campaigns, workspace: workspace, into: &diagnostics)
        }
        let checked = resolve(campaigns, expressions: expressions, workspace: workspace, into: &diagnostics)
        return CheckResult(diagnostics: diagnostics.sorted, sources: sources, campaigns: campaigns, checked: checked,
                           scenarios: scenarios, workspace: workspace)
    }

    /// The typed hand-off to lowering: every campaign resolved, when nothing has reported an error. A campaign
    /// that does not resolve after a check without errors is a disagreement inside the checker; it is an
    /// error, never lowered with a guess.
    private static func resolve(_ campaigns: [Campaign], expressions: [CampaignExpressions], workspace: Workspace,
                                into diagnostics: inout DiagnosticCollector) -> [CheckedCampaign] {
        guard !diagnostics.diagnostics.contains(where: { $0.severity == .error }) else { return [] }
        diagnostics.phase = .campaign
        var checked: [CheckedCampaign] = []
        var unresolved = false
        for (campaign, expressions) in zip(campaigns, expressions) {
            do {
                checked.append(try CheckedCampaign(resolving: campaign, expressions: expressions, workspace: workspace))
            } catch {
                unresolved = true
                diagnostics.emit(.missingKey, "the checker accepted the campaign but could not resolve \(error.what); "
                                 + "this is a bug in campaignc", at: error.location)
            }
        }
        return unresolved ? [] : checked
    }

    private static func read(_ file: InputFile) -> (SourceFile, YAMLNode?, [Diagnostic]) {
        let source = SourceFile(path: file.path, text: String(decoding: file.bytes, as: UTF8.self))
        let (root, problems) = YAMLReader.read(file.bytes, path: file.path)
        return (source, root, problems)
    }

    /// A file's kind: by name first (`workspace.yaml`, a `tests/` folder), then by its top-level keys.
    static func kind(of path: String, root: YAMLNode) -> FileKind {
        let components = path.split(separator: "/")
        if let name = components.last, name == "workspace.yaml" || name == "workspace.yml" { return .workspace }
        if components.dropLast().last == "tests" { return .scenario }
        if case .mapping(let pairs, _) = root {
            let keys = Set(pairs.map(\.key.text))
            if keys.contains("cases") { return .scenario }
            if keys.isDisjoint(with: ["campaign", "steps", "trigger"]),
               !keys.isDisjoint(with: ["contact", "messages", "events"]) { return .workspace }
        }
        return .campaign
    }
}
