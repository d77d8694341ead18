import ArgumentParser
import CampaignService
import Foundation

extension ClockKind: ExpressibleByArgument {}
extension LogFormat: ExpressibleByArgument {}

/// `campaignd`: runs the campaigns of a folder behind the HTTP API.
struct Campaignd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaignd",
        abstract: "Run checked campaigns for real contacts behind an HTTP API.",
        discussion: """
            Refuses to start (exit status 1, the diagnostics on stderr) when the campaigns have errors. Prints \
            one line once listening; SIGTERM or SIGINT stops it gracefully (exit status 0).
            """)

    @Argument(help: "The campaigns folder, with its workspace.yaml.")
    var campaigns = "campaigns"

    @Option(help: ArgumentHelp("The configuration file (tokens, channels, delivery, webhooks).",
                               discussion: "Default: campaignd.yaml beside the campaigns folder, if there is one.", valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE.", valueName: "url"))
    var database = DatabaseLocation.defaultLocation.description

    @Option(help: ArgumentHelp("The address to listen on; port 0 picks a free port.", valueName: "host:port"))
    var listen = "127.0.0.1:8080"

    @Option(help: "system, or virtual: time moves only through POST /v1/clock.")
    var clock: ClockKind = .system

    @Option(name: .customLong("log-format"), help: "text, or json: one JSON object per line.")
    var logFormat: LogFormat = .text

    func run() async throws {
        let request = CommandLineRequest(campaignsFolder: campaigns, configurationFile: config, database: database,
                                         listen: listen, clock: clock, logFormat: logFormat)
        let status = await request.run()
        if status != 0 { throw ExitCode(status) }
    }
}

extension Campaignd {
    /// Parses the command line and runs the command: top-level code would pick the synchronous `main()`.
    static func start() async {
        do {
            let command = try parse()
            try await command.run()
        } catch {
            exit(withError: error)
        }
    }
}

await Campaignd.start()
