import CampaignFlows

/// Prints runtime values as Swift expressions that rebuild them, for the literals of compiled steps and conditions.
/// Strings go through ``SwiftLiteral``.
enum SwiftValuePrinter {
    static func strings(_ items: [String]) -> String { "[" + items.map(SwiftLiteral.string).joined(separator: ", ") + "]" }

    /// A `Double` expression holding exactly `value`: Swift reads back the shortest form `description` gives;
    /// infinities and NaN, which have no literal, are spelled as the type's members, and subnormal numbers,
    /// whose literals Swift warns about ("underflows and loses precision"), by their bits.
    static func double(_ value: Double) -> String {
        if value.isNaN { return "Double.nan" }
        if value.isInfinite { return value < 0 ? "-Double.infinity" : "Double.infinity" }
        if value.isSubnormal { return "Double(bitPattern: 0x\(String(value.bitPattern, radix: 16)))" }
        return "\(value)"
    }

    /// A case of one of the runtime's vocabulary enums (``MessageChannel``, ``Outcome``, ``Weekday``), whose
    /// case names are their raw values: `.email`.
    static func member<Word: RawRepresentable<String>>(_ word: Word) -> String { "." + word.rawValue }

    /// A ``FlowSend`` expression, writing `approval` and `optimized` only when they are set.
    static func send(_ send: FlowSend) -> String {
        "FlowSend(channel: \(member(send.channel)), message: \(SwiftLiteral.string(send.message))"
            + (send.approval ? ", approval: true" : "") + (send.optimized ? ", optimized: true" : "") + ")"
    }

    static func value(_ value: Value) -> String {
        switch value {
        case .null: ".null"
        case .bool(let flag): ".bool(\(flag))"
        case .int(let number): ".int(\(number))"
        case .decimal(let number): ".decimal(\(double(number)))"
        case .string(let text): ".string(\(SwiftLiteral.string(text)))"
        case .instant(let seconds): ".instant(\(double(seconds)))"
        case .duration(let seconds): ".duration(\(seconds))"
        case .list(let items): ".list([\(items.map(Self.value).joined(separator: ", "))])"
        }
    }
}
