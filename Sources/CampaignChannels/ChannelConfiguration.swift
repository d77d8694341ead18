import Foundation

/// One entry of `channels:` in `campaignd.yaml`, as written:
///
/// ```yaml
/// channels:
///   email:   { kind: webhook, url: "http://127.0.0.1:9000/email", secret_env: EMAIL_HOOK_SECRET }
///   default: { kind: webhook, url: "http://127.0.0.1:9000/actions", secret_env: ACTIONS_HOOK_SECRET }
/// ```
///
/// The file names the environment variable that holds the secret, never the secret itself;
/// ``endpoint(named:environment:)`` reads it from the environment it is handed (the service passes its
/// process environment; the library never reads one itself).
public struct ChannelConfiguration: Decodable, Sendable, Equatable {
    /// The channel's kind; `webhook` is the only one.
    public var kind: String
    /// Where a `webhook` channel POSTs.
    public var url: String
    /// The environment variable holding the signing secret.
    public var secretEnv: String

    /// The kinds of channel there are.
    public static let kinds = ["webhook"]

    private enum CodingKeys: String, CodingKey {
        case kind, url
        case secretEnv = "secret_env"
    }

    /// An entry as the file would hold it.
    public init(kind: String, url: String, secretEnv: String) {
        self.kind = kind
        self.url = url
        self.secretEnv = secretEnv
    }

    /// The endpoint of the entry `name`, its secret read from `environment`: throws a
    /// ``ChannelConfigurationError`` naming the entry (and the variable, never its value) when the kind is
    /// unknown, the URL is not an http(s) URL, or the variable is unset or empty.
    public func endpoint(named name: String, environment: [String: String]) throws -> WebhookEndpoint {
        guard Self.kinds.contains(kind) else { throw ChannelConfigurationError.unknownKind(entry: name, kind: kind) }
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = parsed.host, !host.isEmpty else {
            throw ChannelConfigurationError.invalidURL(entry: name, url: url)
        }
        guard let secret = environment[secretEnv] else {
            throw ChannelConfigurationError.missingSecret(entry: name, variable: secretEnv)
        }
        // An empty key would sign with nothing anyone could not forge.
        guard !secret.isEmpty else { throw ChannelConfigurationError.emptySecret(entry: name, variable: secretEnv) }
        return WebhookEndpoint(name: name, url: parsed, secret: secret)
    }

    /// The endpoints of every entry of `channels:`, in name order.
    public static func endpoints(_ channels: [String: ChannelConfiguration],
                                 environment: [String: String]) throws -> [WebhookEndpoint] {
        try channels.sorted { $0.key < $1.key }.map { try $0.value.endpoint(named: $0.key, environment: environment) }
    }
}

/// Why a `channels:` entry cannot be used. Each names the entry, and the variable for a secret, never a
/// secret's value.
public enum ChannelConfigurationError: Error, Equatable, CustomStringConvertible {
    /// `kind` is not one of ``ChannelConfiguration/kinds``.
    case unknownKind(entry: String, kind: String)
    /// `url` does not parse as an http or https URL with a host.
    case invalidURL(entry: String, url: String)
    /// The environment has no variable `secret_env` names.
    case missingSecret(entry: String, variable: String)
    /// The variable `secret_env` names is set but empty.
    case emptySecret(entry: String, variable: String)

    /// The problem in words, for the operator who starts the service.
    public var description: String {
        switch self {
        case .unknownKind(let entry, let kind):
            "channel '\(entry)' has unknown kind '\(kind)' (known: \(ChannelConfiguration.kinds.joined(separator: ", ")))"
        case .invalidURL(let entry, let url):
            "channel '\(entry)' has url '\(url)', which is not an http or https URL with a host"
        case .missingSecret(let entry, let variable):
            "channel '\(entry)' needs the environment variable '\(variable)' (secret_env), which is not set"
        case .emptySecret(let entry, let variable):
            "channel '\(entry)' needs the environment variable '\(variable)' (secret_env), which is empty"
        }
    }
}
