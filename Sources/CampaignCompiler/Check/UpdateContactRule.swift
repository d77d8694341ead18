/// `update_contact` values: fields exist (`unknown-name`), are neither key nor admin
/// (`update-protected-field`), and receive values of their type and declared values.
struct UpdateContactRule: CampaignRule {
    func check(_ context: CampaignContext, into diagnostics: inout DiagnosticCollector) {
        for step in context.campaign.steps {
            guard case .update(let assignments) = step.kind else { continue }
            for (name, value) in assignments {
                guard let field = context.workspace.fields[name.value] else {
                    diagnostics.emit(.unknownName, "unknown contact field '\(name.value)'"
                                     + context.workspace.didYouMeanField(name.value), at: name.location)
                    continue
                }
                if field.isKey || field.isAdmin {
                    diagnostics.emit(.updateProtectedField,
                                     "'update_contact' cannot set '\(name.value)', a\(field.isKey ? " key" : "n admin") field",
                                     at: name.location, notes: [.init("'\(name.value)' is declared here", at: field.name.location)])
                    continue
                }
                FieldValueChecker.check(value, for: field, into: &diagnostics)
            }
        }
    }
}
