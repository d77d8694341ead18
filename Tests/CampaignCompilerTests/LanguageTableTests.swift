import CampaignFlows
import Foundation
import Testing
@testable import CampaignCompiler

/// The language's tables in the runtime (``ExpressionFunction``, ``BuiltInEvent``) are what the checker,
/// lowering, the emitters and the interpreter follow: a call written from a function's declaration checks
/// clean, lowers to one argument per parameter, and is emitted, drawn and evaluated through that declaration.
@Suite struct LanguageTableTests {
    /// A valid argument for each parameter, against the fixtures' workspace and the campaign below.
    static func argument(_ parameter: FunctionParameter) -> String {
        let text: String = switch parameter.kind {
        case .name(.group): "vip"
        case .name(.persona): "student"
        case .name(.tag): "\"loyal\""
        case .name(.channel): "email"
        case .name(.messageCategory): "welcome"
        case .name(.sendStep): "send"
        case .value(let types) where types.contains(.datetime): "contact.created_at"
        case .value(let types) where types.contains(.duration): "2d"
        case .value: "\"https://example.com\""
        }
        return (parameter.label.map { "\($0): " } ?? "") + text
    }

    /// A condition calling `function` with valid arguments, compared as its result type needs.
    static func condition(_ function: ExpressionFunction) -> String {
        let call = "\(function.rawValue)(\(function.declaration.parameters.map(argument).joined(separator: ", ")))"
        return switch function.declaration.result {
        case .bool: call
        case .duration: "\(call) > 1d"
        default: "\(call) >= 1"
        }
    }

    static func check(_ condition: String) -> CheckResult {
        let campaign = """
            campaign: c
            version: 1
            status: published
            trigger: { event: signup }
            repeat: once
            start: send
            steps:
              send:  { send_email: welcome, next: wait }
              wait:  { wait: 2d, next: check }
              check: { if: '\(condition)', then: won, else: lost }
              won:   { end: success }
              lost:  { end: failure }
            """
        return Checker.check(workspace: Fixtures.workspace, files: [InputFile(path: "c/v1.yaml", bytes: Array(campaign.utf8))])
    }

    @Test(arguments: ExpressionFunction.allCases)
    func aCallWrittenFromTheDeclarationChecksLowersAndPrints(function: ExpressionFunction) throws {
        let result = Self.check(Self.condition(function))
        #expect(result.diagnostics.isEmpty, "\(Fixtures.golden(result.diagnostics))")
        let flow = FlowLowering.lower(try #require(result.checked.first))
        guard case .condition(let condition, _, _) = flow.states[2].step else {
            Issue.record("step 'check' did not lower to a condition")
            return
        }
        var calls: [(ExpressionFunction, [FlowArgument])] = []
        switch condition {
        case .call(let called, let arguments): calls.append((called, arguments))
        case .compare(_, .call(let called, let arguments), _): calls.append((called, arguments))
        default: break
        }
        let (called, arguments) = try #require(calls.first)
        #expect(called == function)
        #expect(arguments.count == function.declaration.parameters.count)
        for (parameter, argument) in zip(function.declaration.parameters, arguments) {
            switch (parameter.kind, argument) {
            case (.name(.sendStep), .state(0)), (.name, .name), (.value, .value): break
            default: Issue.record("\(function.rawValue): parameter \(parameter.placeholder) lowered to \(argument)")
            }
        }
        let swift = try SwiftEmitter(flow, typeName: "C").emit()
        #expect(swift.contains("context.\(function.swiftName)("), "the generated step calls FlowContext.\(function.swiftName)")
        #expect(GraphEmitter(flow).text(condition).contains("\(function.rawValue)("))
    }

    @Test func aCallAgainstItsDeclarationIsRefusedWithTheSignature() {
        let tooMany = Self.check("in_group(vip, student)").diagnostics
        #expect(tooMany.map(\.message) == ["'in_group' takes 1 argument, found 2; write in_group(G)"])
        let unlabelled = Self.check("received(welcome, within: 2d) >= 1").diagnostics.map(\.message)
        #expect(unlabelled == ["'received' takes 0 arguments without a label, found 1; write received(category: C, within: D)"])
        let missing = Self.check("received(within: 2d) >= 1").diagnostics.map(\.message)
        #expect(missing == ["'received' needs 'category:'; write received(category: C, within: D)"])
        let wrongType = Self.check("engaged_within(\"soon\")").diagnostics.map(\.message)
        #expect(wrongType == ["'engaged_within' takes a duration, found string"])
        let unknown = Self.check("opend(send)").diagnostics.map(\.message)
        #expect(unknown == ["unknown function 'opend'; did you mean 'opened'?"])
    }

    @Test func theWorkspaceHasEveryBuiltInEventWithItsPayload() {
        #expect(Set(Workspace.builtInEvents.keys) == Set(BuiltInEvent.allCases.map(\.rawValue)))
        for event in BuiltInEvent.allCases {
            let declared = Workspace.builtInEvents[event.rawValue]
            #expect(declared?.fields == Dictionary(uniqueKeysWithValues: event.fields.map { ($0.name, $0.type) }))
            #expect(declared?.isMessageEvent == event.isMessageEvent)
            if event.isMessageEvent { #expect(event.fields.prefix(3).map(\.name) == ["message", "campaign", "step"]) }
        }
        for function in ExpressionFunction.allCases {
            guard let fact = function.postSendFact else { continue }
            #expect(fact.builtInEvent.isMessageEvent, "\(function.rawValue) reads a message event")
        }
    }
}
