import CampaignFlows

extension Expression.Call {
    /// The argument each parameter of `declaration` receives, nil where none does: arguments without a label
    /// fill the positional parameters in order, labelled ones the parameter of that label.
    func arguments(for declaration: FunctionDeclaration) -> [(parameter: FunctionParameter, argument: Expression.Argument?)] {
        var positional = arguments.lazy.filter { $0.label == nil }.makeIterator()
        return declaration.parameters.map { parameter in
            if let label = parameter.label { return (parameter, arguments.first { $0.label == label }) }
            return (parameter, positional.next())
        }
    }
}
