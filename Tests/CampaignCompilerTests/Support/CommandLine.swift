import Foundation

/// Runs the built `campaignc` executable, as CI and users do.
enum CampaigncProcess {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var executable: URL {
        let products = Bundle.main.bundleURL
        let candidates = [products.appendingPathComponent("campaignc"),
                          products.deletingLastPathComponent().appendingPathComponent("campaignc")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    /// Runs any executable and returns what it printed.
    static func runExecutable(_ url: URL) throws -> String {
        let process = Process()
        process.executableURL = url
        let stdout = Pipe()
        process.standardOutput = stdout
        try process.run()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Runs `campaignc arguments` in `directory` with `environment` added to a colour-free environment;
    /// `unprivileged`: as user `nobody` when the tests run as root, for whom file permissions do not apply.
    static func run(_ arguments: [String], in directory: URL = Fixtures.repository,
                    environment: [String: String] = [:], unprivileged: Bool = false) throws -> Output {
        let process = Process()
        if unprivileged, getuid() == 0 {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", executable.path] + arguments
        } else {
            process.executableURL = executable
            process.arguments = arguments
        }
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                      stderr: String(decoding: err, as: UTF8.self))
    }
}
