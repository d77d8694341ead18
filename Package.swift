// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "campaignc",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "CampaignCompiler", targets: ["CampaignCompiler"]),
        .executable(name: "campaignc", targets: ["campaignc"]),
        .library(name: "CampaignFlows", targets: ["CampaignFlows"]),
        .library(name: "CampaignRuntime", targets: ["CampaignRuntime"]),
        .library(name: "CampaignStoreSQLite", targets: ["CampaignStoreSQLite"]),
        .library(name: "CampaignStorePostgres", targets: ["CampaignStorePostgres"]),
        .executable(name: "campaignc-bench", targets: ["CampaignBenchmarks"]),
        .executable(name: "campaignc-crash", targets: ["CampaignCrashHarness"]),
        .plugin(name: "CampaignCompilerPlugin", targets: ["CampaignCompilerPlugin"]),
        .library(name: "CampaignService", targets: ["CampaignService"]),
        .executable(name: "campaignd", targets: ["campaignd"]),
        .executable(name: "campaignd-baseline", targets: ["CampaignHTTPBaseline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        // The compiler core: reading, checking and diagnostics. Knows nothing of the command line. It reads YAML
        // with LibYAML's parser (`import CYaml`, the copy Yams bundles; Yams' own API is not used).
        .target(
            name: "CampaignCompiler",
            dependencies: [
                "CampaignRuntime", .product(name: "Yams", package: "Yams"),
                // `simulate`'s agenda: a million contacts' next happenings in a priority queue.
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        // What compiled campaigns import: the flow protocol and its lowered form, the contexts steps read,
        // values, the language's vocabulary and time. Foundation only.
        .target(name: "CampaignFlows"),
        // The engine over those flows: units, visits, timers, the store and channel interfaces, the outbox,
        // and the in-memory store, virtual clock and recording channels that tests, scenarios and simulations
        // run it with (`TestSupport/`). Foundation only.
        .target(name: "CampaignRuntime", dependencies: ["CampaignFlows"]),
        // The runtime's store in a SQLite file, through GRDB (which links the system SQLite: libsqlite3-dev).
        .target(
            name: "CampaignStoreSQLite",
            dependencies: ["CampaignRuntime", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // The runtime's store in PostgreSQL, through postgres-nio: several processes sharing one database.
        .target(
            name: "CampaignStorePostgres",
            dependencies: ["CampaignRuntime", .product(name: "PostgresNIO", package: "postgres-nio")]
        ),
        // Inbound provider webhooks (SendGrid, Mailgun, Postmark, SES through SNS): verified as each provider
        // documents and mapped to message events. Takes plain values, so it knows no HTTP server.
        .target(
            name: "CampaignProviders",
            dependencies: [
                "CampaignFlows",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        // Where actions leave the service: `webhook` channels that POST signed JSON, routed per channel,
        // destination or default.
        .target(
            name: "CampaignChannels",
            dependencies: [
                "CampaignRuntime",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The example campaigns compiled to Swift: generated by `campaignc compile campaigns --output
        // Sources/CampaignExamples` and checked for staleness in CI.
        .target(name: "CampaignExamples", dependencies: ["CampaignFlows"]),
        // Generated inputs: campaigns at scale for the benchmarks and the scale tests, campaigns derived from
        // the grammar and random event scripts for the differential tests and the fuzzers (Fuzz/).
        .target(name: "CampaignSynthesis", dependencies: ["CampaignCompiler", "CampaignRuntime"]),
        // The command-line tool, a thin layer over the core.
        .executableTarget(
            name: "campaignc",
            dependencies: [
                "CampaignCompiler",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Compiles a target's campaign files during `swift build`, with campaignc.
        .plugin(name: "CampaignCompilerPlugin", capability: .buildTool(), dependencies: ["campaignc"]),
        // `swift run -c release campaignc-bench [check|runtime]`: the front end against Yams' compose, and the
        // runtime (compiled against interpreted, end to end, memory, durable stores against plain inserts).
        .executableTarget(
            name: "CampaignBenchmarks",
            dependencies: ["CampaignCompiler", "CampaignSynthesis", "CampaignRuntime", "CampaignExamples",
                           "CampaignStoreSQLite", "CampaignStorePostgres",
                           .product(name: "GRDB", package: "GRDB.swift"), .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "Logging", package: "swift-log"), .product(name: "Yams", package: "Yams")],
            path: "Benchmarks/CampaignBenchmarks"
        ),
        // `swift run campaignc-crash`: kills a worker over a SQLite file at random moments and compares the
        // result with an uninterrupted in-memory run (docs/durability.md).
        .executableTarget(
            name: "CampaignCrashHarness",
            dependencies: ["CampaignRuntime", "CampaignStoreSQLite", "CampaignStorePostgres", "CampaignExamples"]
        ),
        // The campaign service: HTTP routes over the engine, configuration, auth, metrics and workers.
        .target(
            name: "CampaignService",
            dependencies: [
                "CampaignCompiler", "CampaignRuntime", "CampaignStoreSQLite", "CampaignStorePostgres",
                "CampaignChannels", "CampaignProviders",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Yams", package: "Yams"),
            ],
            resources: [.copy("Resources/campaignd.openapi.json")]
        ),
        // `campaignd`: the service's command line, a thin layer over CampaignService.
        .executableTarget(
            name: "campaignd",
            dependencies: ["CampaignService", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // `campaignd-baseline PORT`: a Hummingbird route answering a constant, configured as campaignd is: the
        // HTTP stack's limit that `scripts/bench-service` measures campaignd against.
        .executableTarget(
            name: "CampaignHTTPBaseline",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            path: "Benchmarks/HTTPBaseline"
        ),
        .testTarget(
            name: "CampaignCompilerTests",
            dependencies: ["CampaignCompiler", "CampaignSynthesis", "CampaignExamples", "campaignc"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "CampaignProvidersTests",
            dependencies: [
                "CampaignProviders",
                "CampaignRuntime",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .testTarget(
            name: "CampaignServiceTests",
            dependencies: ["CampaignService", "campaignd", "CampaignCompiler", "CampaignExamples", "CampaignChannels",
                           "CampaignStoreSQLite", .product(name: "HummingbirdTesting", package: "hummingbird"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "CampaignChannelsTests",
            dependencies: [
                "CampaignChannels", "CampaignRuntime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "CampaignRuntimeTests", dependencies: ["CampaignRuntime", "CampaignStoreSQLite", "CampaignStorePostgres"], exclude: ["Reference"]),
    ],
    swiftLanguageModes: [.v6]
)
