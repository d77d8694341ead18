import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The real `campaignd` binary: refusing broken campaigns, announcing its address, stopping on SIGTERM.
@Suite struct StartupTests {
    static var executable: URL {
        let products = Bundle.main.bundleURL
        let candidates = [products.appendingPathComponent("campaignd"),
                          products.deletingLastPathComponent().appendingPathComponent("campaignd")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    /// Runs campaignd to its end.
    static func run(_ arguments: [String], in folder: URL, environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    /// A copy of the bundled campaigns in a new folder.
    static func copyOfCampaigns() throws -> URL {
        let folder = try ServiceHarness.temporaryFolder()
        try FileManager.default.copyItem(at: ServiceHarness.repository.appendingPathComponent("campaigns"),
                                         to: folder.appendingPathComponent("campaigns"))
        return folder
    }

    @Test func refusesBrokenCampaigns() throws {
        let folder = try Self.copyOfCampaigns()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("campaigns/abandoned-cart/v2.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        try text.replacingOccurrences(of: "email_f:       { send_email: cart-reminder-f, next: wait_2d }",
                                      with: "email_f:       { send_email: cart-reminder-f, next: nowhere }")
            .write(to: file, atomically: true, encoding: .utf8)
        let result = try Self.run(["campaigns", "--listen", "127.0.0.1:0"], in: folder)
        #expect(result.status == 1)
        #expect(result.stderr.contains("campaigns/abandoned-cart/v2.yaml:"))
        #expect(result.stderr.contains("'nowhere'"))
        #expect(result.stderr.contains("refusing to start"))
        #expect(result.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent(".campaignd").path))
    }

    @Test func refusesAnOpenNonLoopbackAddressAndMissingSecrets() throws {
        let folder = try Self.copyOfCampaigns()
        defer { try? FileManager.default.removeItem(at: folder) }
        let open = try Self.run(["campaigns", "--listen", "0.0.0.0:0"], in: folder)
        #expect(open.status == 1)
        #expect(open.stderr.contains("without tokens"))

        try "tokens:\n  - { name: app, env: CAMPAIGND_TEST_MISSING_TOKEN, scopes: [events] }\n"
            .write(to: folder.appendingPathComponent("campaignd.yaml"), atomically: true, encoding: .utf8)
        let missing = try Self.run(["campaigns", "--listen", "127.0.0.1:0"], in: folder)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("CAMPAIGND_TEST_MISSING_TOKEN"))
    }

    @Test func announcesItsAddressAndStopsOnSIGTERM() async throws {
        let folder = try Self.copyOfCampaigns()
        defer { try? FileManager.default.removeItem(at: folder) }
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = ["campaigns", "--listen", "127.0.0.1:0", "--log-format", "json"]
        process.currentDirectoryURL = folder
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let announced = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .newlines)
        let pattern = #/^campaignd: listening on http://127\.0\.0\.1:(\d+) \(17 campaign versions, sqlite:\.campaignd/state\.sqlite\)$/#
        let match = try #require(announced.wholeMatch(of: pattern), "\(announced)")
        let port = try #require(Int(match.1))
        #expect(port > 0)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(".campaignd/state.sqlite").path))

        // Talk to it with a plain socket-level HTTP/1.1 request.
        let health = try Self.httpGet(port: port, path: "/health")
        #expect(health.hasPrefix("HTTP/1.1 200"))
        #expect(health.contains(#"{"status":"ok"}"#))

        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!process.isRunning)
        #expect(process.terminationStatus == 0)
        let log = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        for entry in log.split(separator: "\n") {
            #expect((try? JSONSerialization.jsonObject(with: Data(entry.utf8))) is [String: Any], "not a JSON line: \(entry)")
        }
    }

    /// Sends `GET path` to 127.0.0.1:`port` and returns the whole answer (the connection is closed after it).
    static func httpGet(port: Int, path: String) throws -> String {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(connected == 0)
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
        var answer = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            answer += buffer[0..<count]
        }
        return String(decoding: answer, as: UTF8.self)
    }
}
