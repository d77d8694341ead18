/// Why a webhook request was refused. The messages name what is wrong, never a secret or a signature.
public enum ProviderWebhookError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request is not proven to come from the provider: a signature or credential is missing, does not
    /// verify, or is too old. The service answers 401.
    case unauthorized(String)
    /// The body is not what the provider documents: after the signature verified, or, for providers that sign
    /// inside the body, when it is not even JSON that could carry a signature. The service answers 400.
    case malformed(String)

    /// The human message.
    public var description: String {
        switch self {
        case .unauthorized(let message), .malformed(let message): message
        }
    }
}

/// A provider's configuration that cannot be used (a key that is not a key, a certificate that does not
/// read): found when the service starts, not when a request comes in.
public struct ProviderConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The human message, which names the setting and never echoes its value.
    public var description: String

    /// An error with its message.
    public init(_ description: String) {
        self.description = description
    }
}

/// A provider's inbound webhook: verifies a request as the provider documents, then maps it to message
/// events.
public protocol ProviderWebhook: Sendable {
    /// The provider's name, as in `POST /v1/webhooks/{provider}`.
    var provider: String { get }

    /// Verifies `request` and maps its body; throws ``ProviderWebhookError`` when either fails.
    func receive(_ request: ProviderRequest) throws(ProviderWebhookError) -> ProviderReceipt
}
