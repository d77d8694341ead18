import CampaignChannels
import CampaignCompiler
import CampaignProviders
import CampaignFlows
import CampaignRuntime
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// How to run a service, besides its campaigns.
public struct ServiceOptions: Sendable {
    public var listen: ListenAddress
    public var database: DatabaseLocation
    public var clock: ClockKind
    /// Tokens, channels, delivery and webhooks (`campaignd.yaml`).
    public var configuration: ServiceConfiguration
    /// Where token secrets are read from.
    public var environment: [String: String]
    public var logger: Logger
    /// The folder files named in the configuration are read from (SES's certificate): the configuration
    /// file's own.
    public var configurationFolder: String

    /// Options with the command line's defaults: 127.0.0.1:8080, `sqlite:.campaignd/state.sqlite`, the
    /// system clock, no configuration file, the process's environment.
    public init(listen: ListenAddress = ListenAddress(host: "127.0.0.1", port: 8080),
                database: DatabaseLocation = .defaultLocation, clock: ClockKind = .system,
                configuration: ServiceConfiguration = ServiceConfiguration(),
                environment: [String: String] = ProcessInfo.processInfo.environment,
                logger: Logger = Logger(label: "campaignd"), configurationFolder: String = ".") {
        self.configurationFolder = configurationFolder
        self.listen = listen
        self.database = database
        self.clock = clock
        self.configuration = configuration
        self.environment = environment
        self.logger = logger
    }
}

/// The campaign service: campaign versions run by one engine over a database, behind the HTTP API of
/// SERVICE.md, with workers for timers and the outbox.
///
/// Make one from a campaigns folder (``load(campaignsFolder:options:)``, what `campaignd` does) or from flows
/// compiled by the build plugin (``init(flows:schema:options:)``, what a host package does), then ``run()``
/// it, or run its ``application(onListening:)`` in a `ServiceGroup` of your own.
public final class CampaignService: Sendable {
    public let options: ServiceOptions
    /// Every route, as declared.
    public let routes: [RouteDescription]
    /// How many campaign versions are registered.
    public var versionCount: Int { core.definitions.count }
    let core: ServiceCore
    /// The outbound channels, when configured: their HTTP client is shut down with the service.
    private let router: ChannelRouter?
    private let table: RouteTable
    private let authenticator: Authenticator

    /// A service over `flows`, checked against `schema`. Opens (creating and migrating) the database and
    /// registers the flows; throws ``StartupError`` when a token's secret is missing, the address is not a
    /// loopback one and no tokens are configured, the database cannot be opened, or a flow is refused.
    public init(flows: [any CampaignFlow], schema: WorkspaceSchema, options: ServiceOptions) async throws {
        let tokens = try options.configuration.resolveTokens(environment: options.environment)
        guard !tokens.isEmpty || options.listen.isLoopback else {
            throw StartupError("refusing to listen on \(options.listen) without tokens: anyone could reach the API; "
                               + "configure tokens in campaignd.yaml or listen on a loopback address such as 127.0.0.1")
        }
        let store = try await options.database.open()
        let virtualClock = options.clock == .virtual ? try await ClockMover.storedClock(in: store) : nil
        let clock: any CampaignClock = virtualClock ?? SystemClock()
        // Actions go to the configured channels; with none, they are recorded and acknowledged (a service
        // tried on a laptop), which the log says.
        let router = try options.configuration.channelRouter(environment: options.environment, store: store)
        let channels: any ChannelAdapter = router ?? RecordingChannels()
        if router == nil {
            options.logger.warning("no channels in the configuration: actions are recorded and acknowledged, not sent anywhere")
        }
        let webhooks = try options.configuration.providerWebhooks(environment: options.environment, folder: options.configurationFolder)
        self.router = router
        let engine: CampaignEngine
        do {
            engine = try await CampaignEngine(flows: flows, store: store, channels: channels, clock: clock, recordsTrace: false,
                                              retryPolicy: options.configuration.delivery, deliversAfterEachUnit: false,
                                              keepsJournal: true)
            // Versions deployed through the API run again, beside those given.
            try await engine.adoptDeployments()
            try await engine.resume()
        } catch {
            throw StartupError("cannot run the campaigns: \(error)")
        }
        var definitions: [FlowKey: FlowDefinition] = [:]
        let deployed = try await store.deployments()
        for definition in flows.map(\.definition) + (deployed?.definitions ?? []) {
            definitions[FlowKey(campaign: definition.campaign, version: definition.version)] = definition
        }
        let running = deployed.map { schema.merged(over: $0.schema) } ?? schema
        await engine.enforce(running.policies)
        core = ServiceCore(engine: engine, store: store, clock: clock, dispatcher: await engine.dispatcher,
                           schema: running, definitions: definitions,
                           virtualClock: virtualClock, metrics: ServiceMetrics(), logger: options.logger)
        var table = RouteTable()
        SystemRoutes.add(to: &table, core)
        ContactRoutes.add(to: &table, core)
        EventRoutes.add(to: &table, core)
        CampaignRoutes.add(to: &table, core)
        ClockRoutes.add(to: &table, core)
        JourneyRoutes.add(to: &table, core)
        DeploymentRoutes.add(to: &table, core)
        ProviderWebhookRoutes.add(to: &table, core, webhooks: webhooks)
        self.table = table
        self.routes = table.descriptions
        self.options = options
        authenticator = Authenticator(tokens: tokens)
    }

    /// A service over a campaigns folder, read and checked as `campaignc check` does, every version run by the
    /// interpreter; throws ``StartupError`` with the diagnostics when the folder has errors.
    public static func load(campaignsFolder: String, options: ServiceOptions) async throws -> CampaignService {
        let result = try CampaignsFolder.check(paths: [campaignsFolder], workspace: nil, environment: options.environment)
        return try await CampaignService(flows: CampaignsFolder.flows(of: result), schema: result.workspace.schema, options: options)
    }

    /// The HTTP application with its workers (timers on the system clock, the outbox always) as services:
    /// run it in a `ServiceGroup`. `onListening` is told the address once the server accepts connections
    /// (with the real port when the options asked for port 0).
    public func application(onListening: @escaping @Sendable (ListenAddress) async -> Void = { _ in }) -> some ApplicationProtocol {
        let host = options.listen.host
        var application = Application(
            router: table.router(authenticator: authenticator),
            configuration: ApplicationConfiguration(address: .hostname(host, port: options.listen.port), serverName: "campaignd"),
            onServerRunning: { channel in
                await onListening(ListenAddress(host: host, port: channel.localAddress?.port ?? 0))
            },
            logger: options.logger)
        if core.virtualClock == nil {
            application.addServices(TimerWorker(engine: core.engine, catalog: core.catalog, clock: core.clock, metrics: core.metrics, logger: options.logger, pollInterval: .seconds(1)))
        }
        application.addServices(OutboxWorker(dispatcher: core.dispatcher, logger: options.logger, pollInterval: .milliseconds(200)))
        application.addServices(InboxWorker(core: core, engine: core.engine, intake: core.intake, metrics: core.metrics, logger: options.logger,
                                            pollInterval: .milliseconds(500)))
        return application
    }

    /// The line printed once the service listens.
    public func listeningLine(_ address: ListenAddress) -> String {
        "campaignd: listening on http://\(address) (\(versionCount) campaign version\(versionCount == 1 ? "" : "s"), \(options.database))"
    }

    /// Serves until SIGTERM or SIGINT, then stops accepting, finishes the requests and units in flight and
    /// returns (within 10 seconds). Prints ``listeningLine(_:)`` on stdout once listening.
    public func run() async throws {
        let application = application { [self] address in
            FileHandle.standardOutput.write(Data((listeningLine(address) + "\n").utf8))
        }
        var configuration = ServiceGroupConfiguration(services: [application], gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: options.logger)
        configuration.maximumGracefulShutdownDuration = .seconds(9)
        try await ServiceGroup(configuration: configuration).run()
        try await shutdown()
    }

    /// Releases what the service holds beyond its application: the channels' HTTP client. Call it once the
    /// application has stopped, when running ``application(onListening:)`` in a group of your own.
    public func shutdown() async throws {
        try await router?.shutdown()
    }
}
