import CampaignCompiler
import CampaignFlows
import CampaignRuntime
import Foundation
import Yams

/// `campaignd.yaml`: bearer tokens, where actions go, delivery retries and inbound provider webhooks.
///
/// Secrets never appear in the file: each entry names the environment variable that holds one. Channels
/// and webhooks are kept as written, for the channel and webhook modules that read them.
public struct ServiceConfiguration: Sendable {
    /// A bearer token's entry: its name (for logs), the variable holding its secret, and its scopes.
    public struct TokenEntry: Sendable, Equatable {
        public var name: String
        public var environmentVariable: String
        public var scopes: Set<Scope>

        /// A token entry.
        public init(name: String, environmentVariable: String, scopes: Set<Scope>) {
            self.name = name
            self.environmentVariable = environmentVariable
            self.scopes = scopes
        }
    }

    public var tokens: [TokenEntry] = []
    /// Where actions go, by channel, destination or `default`: each entry's settings as written
    /// (`kind`, `url`, `secret_env`...).
    public var channels: [String: [String: String]] = [:]
    /// How failed deliveries are retried.
    public var delivery = RetryPolicy()
    /// Inbound provider webhooks by provider: each entry's settings as written.
    public var webhooks: [String: [String: String]] = [:]

    /// The configuration of a service without a file: no tokens, no channels, the default retry policy.
    public init() {}

    /// Reads the file at `path`; throws ``StartupError`` saying what is wrong with it.
    public static func load(path: String) throws -> ServiceConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw StartupError("cannot read the configuration '\(path)': \(error.localizedDescription)")
        }
        return try parse(text, file: path)
    }

    private struct File: Decodable {
        struct Token: Decodable {
            var name: String
            var env: String
            var scopes: [String]
        }

        struct Delivery: Decodable {
            var attempts: Int?
            var first_retry: String?
            var max_retry: String?
        }

        var tokens: [Token]?
        var channels: [String: [String: String]]?
        var delivery: Delivery?
        var webhooks: [String: [String: String]]?
    }

    /// Reads a configuration's text; `file` names it in errors.
    public static func parse(_ text: String, file: String = "campaignd.yaml") throws -> ServiceConfiguration {
        let decoded: File
        do {
            decoded = try YAMLDecoder().decode(File.self, from: text.isEmpty ? "{}" : text)
        } catch {
            throw StartupError("\(file): \(describe(error))")
        }
        var configuration = ServiceConfiguration()
        var names = Set<String>()
        for token in decoded.tokens ?? [] {
            guard names.insert(token.name).inserted else { throw StartupError("\(file): token '\(token.name)' is declared twice") }
            var scopes = Set<Scope>()
            for scope in token.scopes {
                guard let known = Scope(rawValue: scope) else {
                    throw StartupError("\(file): token '\(token.name)' has unknown scope '\(scope)' (expected events or admin)")
                }
                scopes.insert(known)
            }
            guard !scopes.isEmpty else { throw StartupError("\(file): token '\(token.name)' has no scopes") }
            configuration.tokens.append(TokenEntry(name: token.name, environmentVariable: token.env, scopes: scopes))
        }
        configuration.channels = decoded.channels ?? [:]
        configuration.webhooks = decoded.webhooks ?? [:]
        if let delivery = decoded.delivery {
            var policy = RetryPolicy()
            if let attempts = delivery.attempts {
                guard attempts >= 1 else { throw StartupError("\(file): delivery.attempts must be at least 1") }
                policy.attempts = attempts
            }
            if let text = delivery.first_retry { policy.firstRetry = try duration(text, "delivery.first_retry", file) }
            if let text = delivery.max_retry { policy.maxRetry = try duration(text, "delivery.max_retry", file) }
            guard policy.firstRetry <= policy.maxRetry else {
                throw StartupError("\(file): delivery.first_retry must not exceed delivery.max_retry")
            }
            configuration.delivery = policy
        }
        return configuration
    }

    private static func duration(_ text: String, _ key: String, _ file: String) throws -> Double {
        guard let duration = CampaignDuration(parsing: text), duration.seconds > 0 else {
            throw StartupError("\(file): \(key) must be a positive duration such as 1s, 30s, 10m or 1h, found '\(text)'")
        }
        return Double(duration.seconds)
    }

    /// A decoding error as a line: where in the file, and what was expected.
    private static func describe(_ error: any Error) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
        }
        switch error {
        case DecodingError.typeMismatch(let type, let context), DecodingError.valueNotFound(let type, let context):
            return "\(path(context.codingPath)) must be \(type == String.self ? "a string" : type == Int.self ? "an integer" : "\(type)")"
        case DecodingError.keyNotFound(let key, let context):
            let at = path(context.codingPath)
            return "\(at.isEmpty ? "" : at + ": ")'\(key.stringValue)' is required"
        case DecodingError.dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }

    /// Each token with its secret read from the environment; throws naming the first variable that is not set
    /// (or is empty).
    func resolveTokens(environment: [String: String]) throws -> [Authenticator.Token] {
        try tokens.map { entry in
            guard let secret = environment[entry.environmentVariable], !secret.isEmpty else {
                throw StartupError("token '\(entry.name)' needs its secret in the environment variable \(entry.environmentVariable), which is not set")
            }
            return Authenticator.Token(name: entry.name, secret: Array(secret.utf8), scopes: entry.scopes)
        }
    }
}

/// Why the service refuses to start: printed on stderr, and `campaignd` exits 1.
public struct StartupError: Error, CustomStringConvertible, Sendable {
    /// What to print: `campaignd: error: MESSAGE`, or the rendered diagnostics of a campaigns folder with errors.
    public var description: String

    /// An error saying `message`.
    public init(_ message: String) {
        description = "campaignd: error: \(message)"
    }

    /// The diagnostics of campaigns with errors, rendered, and a last line saying the service does not start.
    init(diagnostics: String, errorCount: Int) {
        description = diagnostics + "campaignd: \(errorCount) error\(errorCount == 1 ? "" : "s") in the campaigns; refusing to start"
    }
}
