/// The workspace's contact-pressure policies (language v1.2, `policies:` in `workspace.yaml`): frequency caps
/// on marketing sends per contact and channel, across all campaigns, and quiet hours that hold sends.
/// Transactional messages are exempt from both.
public struct ContactPressurePolicy: Codable, Sendable, Equatable {
    /// `frequency:`, in the order the workspace writes them; a channel may have several caps.
    public var frequencyCaps: [FrequencyCap]
    /// `quiet_hours:`, when declared.
    public var quietHours: QuietHours?

    public init(frequencyCaps: [FrequencyCap] = [], quietHours: QuietHours? = nil) {
        self.frequencyCaps = frequencyCaps
        self.quietHours = quietHours
    }

    enum CodingKeys: String, CodingKey {
        case frequencyCaps = "frequency_caps"
        case quietHours = "quiet_hours"
    }
}

/// At most `max` marketing sends of `channel` per contact in any window `(now - per, now]`: a send exactly
/// `per` earlier no longer counts, so a daily send at the same hour fits `max: 1, per: 1d`.
public struct FrequencyCap: Codable, Sendable, Equatable {
    public var channel: MessageChannel
    public var max: Int
    /// The window's length, in seconds.
    public var per: Int

    public init(channel: MessageChannel, max: Int, per: Int) {
        self.channel = channel
        self.max = max
        self.per = per
    }
}

/// Sends on `channels` are held from `from` until `to`, in the campaign's zone (the contact's, when the
/// campaign uses one); the window wraps midnight when `from` is after `to` (21:00 to 08:00).
public struct QuietHours: Codable, Sendable, Equatable {
    /// Minutes after midnight, as ``FlowStep/waitUntil(days:from:to:next:)`` counts them.
    public var from: Int
    public var to: Int
    public var channels: [MessageChannel]

    public init(from: Int, to: Int, channels: [MessageChannel]) {
        self.from = from
        self.to = to
        self.channels = channels
    }
}
