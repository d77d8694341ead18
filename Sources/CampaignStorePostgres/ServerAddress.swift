import Foundation
import PostgresNIO

/// What a `postgres://user:password@host:port/database?sslmode=MODE` URL says: the server, the account and the
/// TLS mode. The store's pool and its unit lock's own connection are configured from the same address; a
/// program that talks to the same server beside the store (a benchmark's baseline) can too.
public struct ServerAddress: Sendable {
    /// How TLS is used: off by default for a loopback host, preferred otherwise.
    enum TLSMode: Sendable {
        case disable, prefer, require
    }

    var host: String
    var port: Int
    var username: String
    var password: String?
    var database: String?
    var tls: TLSMode

    /// Reads a `postgres://` (or `postgresql://`) URL; throws ``PostgresStoreError/invalidURL(_:)`` for anything else.
    public init(url: String) throws {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, !host.isEmpty else {
            throw PostgresStoreError.invalidURL(url)
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let loopback = ["localhost", "127.0.0.1", "::1", "[::1]"].contains(host)
        switch components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? (loopback ? "disable" : "prefer") {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer
        case "require", "verify-ca", "verify-full": tls = .require
        default: throw PostgresStoreError.invalidURL(url)
        }
        self.host = host
        port = components.port ?? 5432
        username = components.user ?? "postgres"
        password = components.password
        self.database = database.isEmpty ? nil : database
    }

    /// The connection pool's configuration.
    public var clientConfiguration: PostgresClient.Configuration {
        let clientTLS: PostgresClient.Configuration.TLS = switch tls {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
        return PostgresClient.Configuration(host: host, port: port, username: username, password: password, database: database,
                                            tls: clientTLS)
    }

    /// The configuration of a connection outside the pool; throws when TLS cannot be set up.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let connectionTLS: PostgresConnection.Configuration.TLS = switch tls {
        case .disable: .disable
        case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        return PostgresConnection.Configuration(host: host, port: port, username: username, password: password, database: database,
                                                tls: connectionTLS)
    }
}
