/// A function of the expression language: the one table of the language's functions. Each case's
/// ``declaration`` (parameters, result type, meaning, origin) is what the type checker checks calls against,
/// what lowering and the Swift emitter follow to pass arguments, and what `campaignc explain` and
/// docs/language.md print. ``FlowContext`` implements each one as a method of the same name
/// (``swiftName``), which generated code calls and the interpreter reaches through ``FlowContext/call(_:_:)``.
public enum ExpressionFunction: String, CaseIterable, Codable, Sendable {
    case inGroup = "in_group"
    case hasPersona = "has_persona"
    case hasTag = "has_tag"
    case since
    case received
    case engagedWithin = "engaged_within"
    case unopenedStreak = "unopened_streak"
    case subscribed
    case archived
    case delivered
    case opened
    case clicked
    case unsubscribedFrom = "unsubscribed_from"
    case complained

    /// The function's parameters, result, meaning and origin.
    public var declaration: FunctionDeclaration {
        let expressions = "Expressions"
        switch self {
        case .inGroup:
            return FunctionDeclaration([.name(.group, "G")], .bool, "Whether the contact belongs to group G of the workspace.",
                                       LanguageOrigin(expressions, seeds: [.automatedCampaignElements]))
        case .hasPersona:
            return FunctionDeclaration([.name(.persona, "P")], .bool, "Whether the contact matches persona P of the workspace.",
                                       LanguageOrigin(expressions, seeds: [.automatedCampaignElements]))
        case .hasTag:
            return FunctionDeclaration([.name(.tag, "T")], .bool, "Whether the contact's tags hold T.",
                                       LanguageOrigin(expressions, seeds: [.engagementTagging]))
        case .since:
            return FunctionDeclaration([.value([.datetime, .date], "DATETIME")], .duration,
                                       "The time elapsed from DATETIME until now; absent when DATETIME is.",
                                       LanguageOrigin(expressions, seeds: [.engagementTagging]))
        case .received:
            return FunctionDeclaration([.name(.messageCategory, "C", label: "category"), .value([.duration], "D", label: "within")], .int,
                                       "How many messages of category C the contact received in the last D, from any campaign (bounds included).",
                                       LanguageOrigin(expressions, seeds: [.triggeredCampaigns]))
        case .engagedWithin:
            return FunctionDeclaration([.value([.duration], "D")], .bool,
                                       "Whether the contact opened an email, clicked a link or visited a page in the last D.",
                                       LanguageOrigin(expressions, seeds: [.engagementTagging, .reengagingInactiveSubscribers]))
        case .unopenedStreak:
            return FunctionDeclaration([], .int, "How many emails the contact received since they last opened one.",
                                       LanguageOrigin(expressions, seeds: [.smartNurturing, .reengagingInactiveSubscribers]))
        case .subscribed:
            return FunctionDeclaration([.name(.channel, "CHANNEL")], .bool,
                                       "Whether the contact may receive marketing on CHANNEL: not unsubscribed from it and, for email, no hard bounce.",
                                       LanguageOrigin("What the runtime does"))
        case .archived:
            return FunctionDeclaration([], .bool, "Whether the contact was archived (by an archive step); an archived contact enters nothing.",
                                       LanguageOrigin("What the runtime does"))
        case .delivered:
            return Self.postSend("Whether the message sent by send step S of this visit was delivered.")
        case .opened:
            return Self.postSend("Whether the contact opened the message sent by send step S of this visit.")
        case .clicked:
            return FunctionDeclaration([.name(.sendStep, "S"), .value([.string], "L", label: "link", optional: true)], .bool,
                                       "Whether the contact clicked a link (link L, when given) in the message sent by send step S of this visit.",
                                       LanguageOrigin(expressions, seeds: [.automatedCampaignElements]))
        case .unsubscribedFrom:
            return Self.postSend("Whether the contact unsubscribed through the message sent by send step S of this visit.")
        case .complained:
            return Self.postSend("Whether the contact marked the message sent by send step S of this visit as spam.")
        }
    }

    /// A post-send function on one send step: `opened(S)`.
    private static func postSend(_ meaning: String) -> FunctionDeclaration {
        FunctionDeclaration([.name(.sendStep, "S")], .bool, meaning, LanguageOrigin("Expressions", seeds: [.automatedCampaignElements]))
    }

    /// What a post-send function asks about the send, or nil for the other functions.
    public var postSendFact: PostSendFact? {
        switch self {
        case .delivered: .delivered
        case .opened: .opened
        case .clicked: .clicked
        case .unsubscribedFrom: .unsubscribed
        case .complained: .complained
        case .inGroup, .hasPersona, .hasTag, .since, .received, .engagedWithin, .unopenedStreak, .subscribed, .archived: nil
        }
    }

    /// The name of the ``FlowContext`` method implementing it, and of this enum's case: the name in lower
    /// camel case (`in_group` -> `inGroup`).
    public var swiftName: String {
        let words = rawValue.split(separator: "_")
        return words.enumerated().map { $0 == 0 ? String($1) : $1.prefix(1).uppercased() + $1.dropFirst() }.joined()
    }

    /// The call as users write it, with placeholders: `received(category: C, within: D)`.
    public var signature: String {
        let parameters = declaration.parameters.map { parameter in
            (parameter.label.map { "\($0): " } ?? "") + parameter.placeholder + (parameter.isOptional ? "?" : "")
        }
        return "\(rawValue)(\(parameters.joined(separator: ", ")))"
    }
}

/// What a language function takes and gives, and what it means.
public struct FunctionDeclaration: Sendable, Hashable {
    /// Positional parameters first, in order, then labelled ones.
    public var parameters: [FunctionParameter]
    public var result: ValueType
    /// What it computes, in one or two sentences for users.
    public var meaning: String
    public var origin: LanguageOrigin

    init(_ parameters: [FunctionParameter], _ result: ValueType, _ meaning: String, _ origin: LanguageOrigin) {
        self.parameters = parameters
        self.result = result
        self.meaning = meaning
        self.origin = origin
    }

    /// The parameters written without a label, in order.
    public var positional: [FunctionParameter] { parameters.filter { $0.label == nil } }
}

/// One parameter of a language function.
public struct FunctionParameter: Sendable, Hashable {
    /// What an argument must be.
    public enum Kind: Sendable, Hashable {
        /// A name the workspace or the campaign declares, written bare or quoted: `in_group(vip)`.
        case name(NameKind)
        /// An expression of one of these types.
        case value([ValueType])
    }

    /// Nil for a positional parameter.
    public var label: String?
    public var kind: Kind
    /// How the contract writes it: `G`, `D`.
    public var placeholder: String
    /// An optional parameter may be left out.
    public var isOptional: Bool

    /// A parameter taking a name of `kind`.
    static func name(_ kind: NameKind, _ placeholder: String, label: String? = nil) -> FunctionParameter {
        FunctionParameter(label: label, kind: .name(kind), placeholder: placeholder, isOptional: false)
    }

    /// A parameter taking a value of one of `types`.
    static func value(_ types: [ValueType], _ placeholder: String, label: String? = nil, optional: Bool = false) -> FunctionParameter {
        FunctionParameter(label: label, kind: .value(types), placeholder: placeholder, isOptional: optional)
    }
}

/// What a name argument names.
public enum NameKind: String, Sendable, Hashable {
    case group
    case persona
    /// Any tag: tags are not declared.
    case tag
    case channel
    case messageCategory = "message category"
    /// A send step of the campaign.
    case sendStep = "send step"
}
