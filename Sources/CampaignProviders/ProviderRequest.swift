/// One inbound webhook request as a provider sent it, in plain values: the service hands over the headers and
/// the body bytes exactly as received, so that signatures are checked over what was signed.
public struct ProviderRequest: Sendable {
    /// The header fields in the order received; names keep their case, lookups ignore it.
    public var headers: [(name: String, value: String)]
    /// The raw body, byte for byte.
    public var body: [UInt8]
    /// The current real time in seconds since 1970, for signature timestamps (never a virtual campaign clock).
    public var now: Double

    /// A request with its headers, raw body and the current real time.
    public init(headers: [(name: String, value: String)], body: [UInt8], now: Double) {
        self.headers = headers
        self.body = body
        self.now = now
    }

    /// The value of the first header field named `name`, compared without regard to ASCII case as HTTP does.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}
