import Foundation
import Logging

/// What `campaignd`'s command line asks for, before any of it is checked.
public struct CommandLineRequest: Sendable {
    public var campaignsFolder: String
    /// `--config`; nil: `campaignd.yaml` beside the campaigns folder, when there is one.
    public var configurationFile: String?
    public var database: String
    public var listen: String
    public var clock: ClockKind
    public var logFormat: LogFormat

    /// A request with the command line's values.
    public init(campaignsFolder: String = "campaigns", configurationFile: String? = nil,
                database: String = DatabaseLocation.defaultLocation.description, listen: String = "127.0.0.1:8080",
                clock: ClockKind = .system, logFormat: LogFormat = .text) {
        self.campaignsFolder = campaignsFolder
        self.configurationFile = configurationFile
        self.database = database
        self.listen = listen
        self.clock = clock
        self.logFormat = logFormat
    }

    /// The configuration file to read: the one given, else `campaignd.yaml` beside the campaigns folder if it
    /// exists, else none.
    func configurationPath() -> String? {
        if let configurationFile { return configurationFile }
        let folder = URL(fileURLWithPath: campaignsFolder).standardizedFileURL.deletingLastPathComponent()
        let candidate = folder.appendingPathComponent("campaignd.yaml").path
        return FileManager.default.fileExists(atPath: candidate) ? candidate : nil
    }

    /// Starts the service and serves until SIGTERM or SIGINT; returns the exit status: 0 after a graceful
    /// shutdown, 1 when it refused to start (saying why on stderr) or failed.
    public func run() async -> Int32 {
        logFormat.bootstrap()
        let logger = Logger(label: "campaignd")
        let service: CampaignService
        do {
            let path = configurationPath()
            let configuration = try path.map(ServiceConfiguration.load(path:)) ?? ServiceConfiguration()
            let options = ServiceOptions(listen: try ListenAddress.parse(listen), database: try DatabaseLocation.parse(database),
                                         clock: clock, configuration: configuration, logger: logger,
                                         configurationFolder: path.map { ($0 as NSString).deletingLastPathComponent } ?? ".")
            service = try await CampaignService.load(campaignsFolder: campaignsFolder, options: options)
        } catch {
            let message = error is StartupError ? "\(error)" : "campaignd: error: \(error)"
            FileHandle.standardError.write(Data((message + "\n").utf8))
            return 1
        }
        do {
            try await service.run()
            logger.info("stopped")
            return 0
        } catch {
            logger.error("the service failed", metadata: ["error": "\(error)"])
            return 1
        }
    }
}
