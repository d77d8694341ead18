import CampaignFlows
import CampaignRuntime
import CampaignStorePostgres
import CampaignStoreSQLite
import Foundation

/// Where the service keeps its state: `sqlite:PATH` or `postgres://USER:PASSWORD@HOST:PORT/DATABASE`.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    /// The default: a SQLite file under `.campaignd/` in the working directory.
    public static let defaultLocation = DatabaseLocation.sqlite(path: ".campaignd/state.sqlite")

    /// Reads `--database`; throws ``StartupError`` for anything but the two forms.
    public static func parse(_ text: String) throws -> DatabaseLocation {
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw StartupError("--database sqlite: needs a path, as sqlite:.campaignd/state.sqlite") }
            return .sqlite(path: path)
        }
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") { return .postgres(url: text) }
        throw StartupError("--database must be sqlite:PATH or postgres://USER@HOST:PORT/DATABASE, found '\(redact(text))'")
    }

    /// The location as the service prints it: a PostgreSQL URL without its password.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let url): Self.redact(url)
        }
    }

    /// A URL without the password of its user information.
    static func redact(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://"), let at = url[schemeEnd.upperBound...].firstIndex(of: "@") else { return url }
        let userInfo = url[schemeEnd.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + String(url[at...])
    }

    /// Opens (creating and migrating) the store. A SQLite file's folder is created; its claims are released,
    /// since a SQLite file serves one process and the one that held them is gone.
    func open() async throws -> any CampaignStore {
        switch self {
        case .sqlite(let path):
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                let store = try SQLiteStore(path: path)
                try await store.releaseClaims()
                return store
            } catch {
                throw StartupError("cannot open the database \(self): \(error)")
            }
        case .postgres(let url):
            do {
                return try await PostgresStore(url: url)
            } catch {
                throw StartupError("cannot open the database \(self): \(Self.redact("\(error)"))")
            }
        }
    }
}

/// `HOST:PORT` to listen on (`[::1]:8080` for IPv6).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    /// An address; port 0 asks the system for a free port.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Reads `--listen`; throws ``StartupError`` when it is not `HOST:PORT` with a port from 0 to 65535.
    public static func parse(_ text: String) throws -> ListenAddress {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
            throw StartupError("--listen must be HOST:PORT with a port from 0 to 65535, found '\(text)'")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw StartupError("--listen needs a host, as 127.0.0.1:8080") }
        return ListenAddress(host: host, port: port)
    }

    /// Whether only this machine can reach the address.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
