import HTTPTypes
import Hummingbird

/// What a bearer token may do: `events` submits events and manages contacts; `admin` does everything.
public enum Scope: String, Sendable, Hashable, CaseIterable {
    case events, admin

    /// Whether a token with `scopes` may use a route that needs this scope (admin implies events).
    func isGranted(by scopes: Set<Scope>) -> Bool {
        scopes.contains(.admin) || scopes.contains(self)
    }
}

/// Checks bearer tokens: with none configured every request passes (the service then listens on loopback
/// only); otherwise a route's scope needs a token that grants it.
///
/// A presented token is compared with every configured secret in time that depends on neither's content,
/// so its answer's timing tells nothing of how much of a secret it matched. Secrets are never logged.
struct Authenticator: Sendable {
    /// A configured token with its secret.
    struct Token: Sendable {
        var name: String
        var secret: [UInt8]
        var scopes: Set<Scope>
    }

    let tokens: [Token]

    var isOpen: Bool { tokens.isEmpty }

    /// The name of the token that authorizes `request` for `scope` (nil when no tokens are configured);
    /// throws 401 without a valid token, 403 when the token lacks the scope.
    func authorize(_ request: Request, for scope: Scope) throws -> String? {
        guard !isOpen else { return nil }
        guard let header = request.headers[.authorization], header.count > 7,
              header.prefix(7).lowercased() == "bearer " else {
            throw Self.unauthorized("this route needs a bearer token (Authorization: Bearer TOKEN)")
        }
        let presented = Array(header.dropFirst(7).utf8)
        var matched: Token?
        for token in tokens where Self.constantTimeEqual(presented, token.secret) { matched = token }
        guard let matched else { throw Self.unauthorized("the bearer token is not valid") }
        guard scope.isGranted(by: matched.scopes) else {
            throw Problem("forbidden", status: .forbidden, detail: "token '\(matched.name)' lacks the '\(scope.rawValue)' scope this route needs")
        }
        return matched.name
    }

    private static func unauthorized(_ detail: String) -> Problem {
        Problem("unauthorized", status: .unauthorized, detail: detail, headers: [.wwwAuthenticate: "Bearer realm=\"campaignd\""])
    }

    /// Whether `a` equals `b`, looking at every byte of the longer whatever the contents.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count) | (a.count == b.count ? 0 : 1)
        let length = max(a.count, b.count)
        for index in 0..<length {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
