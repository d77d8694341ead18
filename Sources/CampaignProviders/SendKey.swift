import CampaignRuntime

/// The key a send carries to its provider and back (`campaignc_key`): the idempotency key the engine gave
/// the action, `CONTACT/CAMPAIGN/vVERSION/STEP/VISIT`, where STEP is `step` for a step's first action in a
/// visit and `step#N` for its N-th, when the visit looped back.
public struct SendKey: Hashable, Sendable, CustomStringConvertible {
    /// The visit that made the send.
    public var visit: VisitKey
    /// The step that sent, without the `#N` occurrence suffix.
    public var step: String
    /// Which action of the step in the visit this was: 1 for the first (written without a suffix).
    public var occurrence: Int

    /// A key from its parts.
    public init(visit: VisitKey, step: String, occurrence: Int = 1) {
        self.visit = visit
        self.step = step
        self.occurrence = occurrence
    }

    /// Reads a key as the engine writes it (`IdempotencyKey.description`), from the right, because a contact id
    /// may itself contain `/`. Nil for anything the engine would not have written: fewer than five parts, an
    /// empty part, a version or visit that is not a positive number in plain digits, a suffix `#N` with N
    /// below 2.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 5 else { return nil }
        let contact = parts[..<(parts.count - 4)].joined(separator: "/")
        let campaign = parts[parts.count - 4], version = parts[parts.count - 3]
        var step = parts[parts.count - 2]
        guard !contact.isEmpty, !campaign.isEmpty, version.first == "v",
              let versionNumber = SendKey.positive(version.dropFirst()),
              let number = SendKey.positive(parts[parts.count - 1]) else { return nil }
        var occurrence = 1
        if let hash = step.lastIndex(of: "#") {
            guard let suffix = SendKey.positive(step[step.index(after: hash)...]), suffix >= 2 else { return nil }
            occurrence = suffix
            step = step[..<hash]
        }
        guard !step.isEmpty else { return nil }
        self.init(visit: VisitKey(contact: contact, flow: FlowKey(campaign: String(campaign), version: versionNumber),
                                  number: number),
                  step: String(step), occurrence: occurrence)
    }

    /// The step as the key writes it: `step`, or `step#N` for a later occurrence.
    public var actionStep: String { occurrence == 1 ? step : "\(step)#\(occurrence)" }

    /// The key in text, as the engine writes it.
    public var description: String {
        "\(visit.contact)/\(visit.flow.campaign)/v\(visit.flow.version)/\(actionStep)/\(visit.number)"
    }

    /// A positive number written as `Int.description` writes it (no sign, no leading zero); nil otherwise.
    private static func positive(_ text: Substring) -> Int? {
        guard let value = Int(text), value > 0, String(value) == text else { return nil }
        return value
    }
}
