import AsyncHTTPClient
import Crypto
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Something an end-to-end test's machinery could not do (a process that does not start, a server that does
/// not listen), as opposed to a failed expectation about the service.
struct EndToEndError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Waits until `condition` holds, looking every 50 ms, for at most `timeout`; returns whether it held. The
/// end-to-end tests wait for conditions rather than sleep fixed times, so that a loaded machine only makes
/// them slower.
func eventually(within timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while true {
        if try await condition() { return true }
        guard ContinuousClock.now < deadline else { return false }
        try await Task.sleep(for: .milliseconds(50))
    }
}

/// An instant (seconds since 1970, whole) as the service writes it: `2026-03-02T12:00:00Z`.
func instantText(_ seconds: Double) -> String {
    Date(timeIntervalSince1970: seconds).formatted(.iso8601)
}

/// The same JSON value written one way (keys sorted), so that two parsed documents compare as text.
func canonicalJSON(_ value: Any) -> String {
    guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) else { return "" }
    return String(decoding: data, as: UTF8.self)
}

/// One end-to-end test's world: a temporary folder with a copy of the bundled campaigns and a
/// `campaignd.yaml` (tokens, the three webhook channels pointing at ``receiver`` (email, default and the
/// `crm-hook` destination), small delivery retries,
/// Mailgun and SendGrid webhooks), the secrets in the environment, and every `campaignd` process started over
/// it. ``run(_:)`` kills every process and stops the receiver when the test ends, whether it passed or not.
final class EndToEndWorld: @unchecked Sendable {
    static let appToken = "e2e-app-token-0123456789"
    static let opsToken = "e2e-ops-token-9876543210"
    /// The `email` channel's signing secret.
    static let emailSecret = "e2e-email-channel-secret"
    /// The `default` channel's signing secret.
    static let actionsSecret = "e2e-actions-channel-secret"
    static let mailgunSigningKey = "e2e-mailgun-signing-key"
    /// Attempts per action: the first and two retries, one to two seconds apart (virtual time).
    static let attempts = 3

    let folder: URL
    let receiver: ActionReceiver
    /// SendGrid's signing key, kept as its raw bytes (swift-crypto's key type is not `Sendable`).
    private let sendGridKeyBytes: Data
    private let lock = NSLock()
    private var processes: [CampaigndProcess] = []

    var sendGridKey: P256.Signing.PrivateKey {
        get throws { try P256.Signing.PrivateKey(rawRepresentation: sendGridKeyBytes) }
    }

    /// The environment every process gets: tokens and secrets, named by `campaignd.yaml`.
    var environment: [String: String] {
        let publicKey = (try? sendGridKey.publicKey.derRepresentation.base64EncodedString()) ?? ""
        return ["E2E_APP_TOKEN": Self.appToken, "E2E_OPS_TOKEN": Self.opsToken, "E2E_EMAIL_SECRET": Self.emailSecret,
                "E2E_ACTIONS_SECRET": Self.actionsSecret, "E2E_MAILGUN_KEY": Self.mailgunSigningKey,
                "E2E_SENDGRID_KEY": publicKey]
    }

    /// The SQLite database of the world's folder, for ``start(database:name:)``.
    var sqlitePath: String { folder.appendingPathComponent("state.sqlite").path }

    private init(folder: URL, receiver: ActionReceiver) {
        self.folder = folder
        self.receiver = receiver
        sendGridKeyBytes = P256.Signing.PrivateKey().rawRepresentation
    }

    /// Runs `body` in a new world, then kills every process it started, stops the receiver and removes the
    /// folder, also when `body` throws.
    static func run<T: Sendable>(_ body: (EndToEndWorld) async throws -> T) async throws -> T {
        let receiver = try await ActionReceiver.start()
        let folder = try ServiceHarness.temporaryFolder()
        let world = EndToEndWorld(folder: folder, receiver: receiver)
        do {
            try FileManager.default.copyItem(at: ServiceHarness.repository.appendingPathComponent("campaigns"),
                                             to: folder.appendingPathComponent("campaigns"))
            try world.configuration.write(to: folder.appendingPathComponent("campaignd.yaml"), atomically: true, encoding: .utf8)
            let result = try await body(world)
            await world.tearDown()
            return result
        } catch {
            await world.tearDown()
            throw error
        }
    }

    private var configuration: String {
        """
        tokens:
          - { name: app, env: E2E_APP_TOKEN, scopes: [events] }
          - { name: ops, env: E2E_OPS_TOKEN, scopes: [admin] }
        channels:
          email:   { kind: webhook, url: "\(receiver.url("/email"))", secret_env: E2E_EMAIL_SECRET }
          default: { kind: webhook, url: "\(receiver.url("/actions"))", secret_env: E2E_ACTIONS_SECRET }
          crm-hook: { kind: webhook, url: "\(receiver.url("/crm"))", secret_env: E2E_ACTIONS_SECRET }
        delivery: { attempts: \(Self.attempts), first_retry: 1s, max_retry: 2s }
        webhooks:
          mailgun:  { signing_key_env: E2E_MAILGUN_KEY }
          sendgrid: { public_key_env: E2E_SENDGRID_KEY }
        """
    }

    /// Starts a `campaignd` on `database` (the world's SQLite file by default) with the virtual clock and
    /// waits for it to listen.
    func start(database: String? = nil, name: String = "campaignd") async throws -> CampaigndProcess {
        let number = lock.withLock { processes.count + 1 }
        let process = try await CampaigndProcess.start(in: folder, database: database ?? "sqlite:\(sqlitePath)",
                                                       environment: environment, name: "\(name)-\(number)")
        lock.withLock { processes.append(process) }
        return process
    }

    private func tearDown() async {
        for process in lock.withLock({ processes }) { process.kill() }
        await receiver.stop()
        try? FileManager.default.removeItem(at: folder)
    }
}

/// A `campaignd` process a test started: the real binary, on a loopback port the system picked, its output
/// in files of the world's folder.
final class CampaigndProcess: @unchecked Sendable {
    let name: String
    let port: Int
    /// Talks to it with the ops token.
    let client: CampaigndClient
    private let process: Process
    private let errorFile: URL

    private init(name: String, port: Int, process: Process, errorFile: URL) {
        self.name = name
        self.port = port
        self.process = process
        self.errorFile = errorFile
        client = CampaigndClient(port: port, token: EndToEndWorld.opsToken, logFile: errorFile)
    }

    /// Runs `campaignd campaigns --database DATABASE --listen 127.0.0.1:0 --clock virtual` in `folder` and
    /// waits (up to 30 s) for its listening line; throws with its log when it exits or stays silent.
    static func start(in folder: URL, database: String, environment: [String: String], name: String) async throws -> CampaigndProcess {
        let outputFile = folder.appendingPathComponent("\(name).stdout")
        let errorFile = folder.appendingPathComponent("\(name).stderr")
        for file in [outputFile, errorFile] where !FileManager.default.createFile(atPath: file.path, contents: nil) {
            throw EndToEndError("cannot create \(file.path)")
        }
        let process = Process()
        process.executableURL = StartupTests.executable
        process.arguments = ["campaigns", "--config", "campaignd.yaml", "--database", database, "--listen", "127.0.0.1:0",
                             "--clock", "virtual"]
        process.currentDirectoryURL = folder
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        // Files rather than pipes: nobody has to drain them for the process to go on writing its log.
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        var port: Int?
        let announced = try await eventually {
            let output = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
            if let match = output.firstMatch(of: #/listening on http://127\.0\.0\.1:(\d+) /#) {
                port = Int(match.1)
                return true
            }
            return !process.isRunning
        }
        let started = CampaigndProcess(name: name, port: port ?? 0, process: process, errorFile: errorFile)
        guard announced, port != nil else {
            started.kill()
            throw EndToEndError("\(name) did not start listening:\n\(started.log)")
        }
        return started
    }

    /// What it wrote on stderr so far.
    var log: String { (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "" }

    var isRunning: Bool { process.isRunning }

    /// Kills it with SIGKILL, as a crash would, and waits for it to be gone.
    func kill() {
        if process.isRunning {
            _ = Glibc.kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }
}

/// Sends requests to one `campaignd` over HTTP, with a bearer token.
struct CampaigndClient: Sendable {
    let port: Int
    let token: String?
    /// The process's stderr, whose end a failed clock move shows.
    let logFile: URL

    /// The last lines of the process's log.
    var logTail: String {
        let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        return log.split(separator: "\n").suffix(20).joined(separator: "\n")
    }

    /// Sends `method path` with `body` (JSON unless `headers` say otherwise); `token` overrides the
    /// client's (nil: none).
    func request(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, headers: [(String, String)] = [],
                 token: String?? = .none) async throws -> Answer {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        if let bearer = token ?? self.token { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        let text = String(buffer: try await response.body.collect(upTo: 16 << 20))
        var fields = HTTPFields()
        for header in response.headers {
            if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
        }
        return Answer(status: HTTPResponse.Status(code: Int(response.status.code)), headers: fields, text: text)
    }

    func get(_ path: String) async throws -> Answer { try await request(.GET, path) }
    func post(_ path: String, _ json: String) async throws -> Answer { try await request(.POST, path, body: Array(json.utf8)) }
    func put(_ path: String, _ json: String) async throws -> Answer { try await request(.PUT, path, body: Array(json.utf8)) }
    func delete(_ path: String) async throws -> Answer { try await request(.DELETE, path) }

    /// POSTs a signed provider webhook as the provider would: its bytes and headers, no bearer token.
    func post(webhook provider: String, _ signed: ProviderWebhookRequests.Signed) async throws -> Answer {
        try await request(.POST, "/v1/webhooks/\(provider)", body: signed.body, headers: signed.headers, token: .some(nil))
    }

    /// The virtual clock's time.
    func clock() async throws -> Double {
        let answer = try await get("/v1/clock")
        let text = try #require(answer.json["now"] as? String, "GET /v1/clock answered \(answer.status): \(answer.text)")
        return try Date(text, strategy: .iso8601).timeIntervalSince1970
    }

    /// Moves the virtual clock to `instant`, which answers once everything accepted and due is processed.
    func moveClock(to instant: Double) async throws {
        let answer = try await post("/v1/clock", #"{"now": "\#(instantText(instant))"}"#)
        try #require(answer.status == .ok, "POST /v1/clock answered \(answer.status): \(answer.text)\n\(logTail)")
    }

    /// Processes what was accepted so far: moves the clock to where it is.
    func processAccepted() async throws {
        try await moveClock(to: try await clock())
    }

    /// A campaign version's report.
    func report(_ campaign: String, version: Int) async throws -> [String: Any] {
        let answer = try await get("/v1/campaigns/\(campaign)/versions/\(version)/report")
        try #require(answer.status == .ok, "the report answered \(answer.status): \(answer.text)")
        return answer.json
    }

    /// Whether the version's outbox empties (nothing pending, failed or dead) within 30 seconds: an action
    /// acknowledged by the receiver leaves the outbox just after.
    func allDelivered(_ campaign: String, version: Int) async throws -> Bool {
        try await eventually {
            try await report(campaign, version: version)["deliveries"] as? [String: Int] == ["pending": 0, "failed": 0, "dead": 0]
        }
    }

    /// A contact's journey, parsed; throws unless it answers 200.
    func journey(_ contact: String) async throws -> Journey {
        let answer = try await get("/v1/contacts/\(contact)/journey")
        try #require(answer.status == .ok, "the journey of \(contact) answered \(answer.status): \(answer.text)")
        return Journey(answer.json)
    }

    /// The value of the metric line `name` (with its labels), or nil when `/metrics` has no such line.
    func metric(_ name: String) async throws -> Double? {
        let text = try await get("/metrics").text
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }
}

/// `GET /v1/contacts/{id}/journey`, parsed.
struct Journey: Sendable {
    struct Line: Sendable, Equatable {
        var at: String
        var kind: String
        var step: String?
        var detail: String
    }

    struct Visit: Sendable {
        var campaign: String
        var version: Int
        var number: Int
        var active: Bool
        var step: String?
        var outcome: String?
        var timeline: [Line]
    }

    /// A trigger that fired for the contact without entering them.
    struct Refusal: Sendable, Equatable {
        var campaign: String
        var version: Int
        var detail: String
    }

    var contact: String
    var visits: [Visit]
    var refusals: [Refusal]

    init(_ json: [String: Any]) {
        contact = json["contact"] as? String ?? ""
        visits = (json["visits"] as? [[String: Any]] ?? []).map { visit in
            Visit(campaign: visit["campaign"] as? String ?? "", version: visit["version"] as? Int ?? 0,
                  number: visit["number"] as? Int ?? 0, active: visit["active"] as? Bool ?? false,
                  step: visit["step"] as? String, outcome: visit["outcome"] as? String,
                  timeline: (visit["timeline"] as? [[String: Any]] ?? []).map { line in
                      Line(at: line["at"] as? String ?? "", kind: line["kind"] as? String ?? "", step: line["step"] as? String,
                           detail: line["detail"] as? String ?? "")
                  })
        }
        refusals = (json["not_entered"] as? [[String: Any]] ?? []).map {
            Refusal(campaign: $0["campaign"] as? String ?? "", version: $0["version"] as? Int ?? 0, detail: $0["detail"] as? String ?? "")
        }
    }

    /// The visits of one campaign.
    func visits(of campaign: String) -> [Visit] { visits.filter { $0.campaign == campaign } }
}
