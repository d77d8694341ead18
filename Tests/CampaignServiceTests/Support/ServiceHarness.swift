import CampaignService
import Foundation
import Testing
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore

/// Runs a service over the bundled `campaigns/` folder and a SQLite file in a temporary folder, on a live
/// server on loopback, and talks to it over HTTP.
enum ServiceHarness {
    /// The repository's root.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static var campaigns: String { repository.appendingPathComponent("campaigns").path }

    /// A new empty folder under the temporary directory.
    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// The app token (scope events) and the ops token (scope admin) of ``withService(tokens:clock:_:)``.
    static let appToken = "app-secret-0123456789"
    static let opsToken = "ops-secret-9876543210"

    static let tokensConfiguration = """
        tokens:
          - { name: app, env: TEST_APP_TOKEN, scopes: [events] }
          - { name: ops, env: TEST_OPS_TOKEN, scopes: [admin] }
        delivery: { attempts: 3, first_retry: 1s, max_retry: 10m }
        """

    /// Runs `body` against a live service. `tokens`: with the app and ops tokens configured.
    static func withService<T: Sendable>(tokens: Bool = false, clock: ClockKind = .virtual,
                                         _ body: @escaping @Sendable (ServiceClient) async throws -> T) async throws -> T {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var logger = Logger(label: "campaignd-test")
        logger.logLevel = .warning
        let options = ServiceOptions(
            listen: ListenAddress(host: "127.0.0.1", port: 0),
            database: .sqlite(path: folder.appendingPathComponent("state.sqlite").path), clock: clock,
            configuration: tokens ? try ServiceConfiguration.parse(tokensConfiguration) : ServiceConfiguration(),
            environment: ["TEST_APP_TOKEN": appToken, "TEST_OPS_TOKEN": opsToken], logger: logger)
        let service = try await CampaignService.load(campaignsFolder: campaigns, options: options)
        return try await service.application().test(.live) { client in
            try await body(ServiceClient(client: client, token: tokens ? opsToken : nil))
        }
    }
}

/// An answer, with its body read as JSON when it is JSON.
struct Answer: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var text: String

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    /// The pointers of a problem's `errors`.
    var pointers: [String] {
        (json["errors"] as? [[String: Any]] ?? []).compactMap { $0["pointer"] as? String }
    }

    var isProblem: Bool {
        headers[.contentType] == "application/problem+json" && json["status"] as? Int == status.code && json["type"] is String
            && json["title"] is String && json["detail"] is String
    }
}

/// Sends requests to the live service, with a bearer token when given.
struct ServiceClient: Sendable {
    let client: any TestClientProtocol
    let token: String?

    func request(_ method: HTTPRequest.Method, _ path: String, json: String? = nil, token: String?? = nil,
                 headers extra: HTTPFields = [:]) async throws -> Answer {
        var headers = extra
        if let bearer = token ?? self.token { headers[.authorization] = "Bearer \(bearer)" }
        if json != nil { headers[.contentType] = "application/json" }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
        return Answer(status: response.status, headers: response.headers, text: String(buffer: response.body))
    }

    func get(_ path: String) async throws -> Answer { try await request(.get, path) }
    func post(_ path: String, _ json: String) async throws -> Answer { try await request(.post, path, json: json) }
    func put(_ path: String, _ json: String) async throws -> Answer { try await request(.put, path, json: json) }
    func patch(_ path: String, _ json: String) async throws -> Answer { try await request(.patch, path, json: json) }

    /// Waits until the events accepted so far are processed: moves the virtual clock to where it is, which
    /// answers once the inbox is empty.
    func processAccepted() async throws {
        let clock = try await get("/v1/clock")
        let now = try #require(clock.json["now"] as? String)
        let moved = try await post("/v1/clock", #"{"now": "\#(now)"}"#)
        #expect(moved.status == .ok)
    }
}
