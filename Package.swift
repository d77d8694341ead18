// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "campaignc",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "CampaignCompiler", targets: ["CampaignCompiler"]),
        .executable(name: "campaignc", targets: ["campaignc"]),
        .executable(name: "campaignc-bench", targets: ["CampaignBenchmarks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // The compiler core: reading, checking and diagnostics. Knows nothing of the command line.
        .target(
            name: "CampaignCompiler",
            dependencies: ["CampaignRuntime", .product(name: "Yams", package: "Yams")]
        ),
        // What compiled campaigns import: the engine, its store and channel interfaces. Foundation only.
        .target(name: "CampaignRuntime"),
        // Generated campaigns at scale, for the benchmarks and the scale tests.
        .target(name: "CampaignSynthesis"),
        // The command-line tool, a thin layer over the core.
        .executableTarget(
            name: "campaignc",
            dependencies: [
                "CampaignCompiler",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `swift run -c release campaignc-bench`: check speed against Yams' compose on generated input.
        .executableTarget(
            name: "CampaignBenchmarks",
            dependencies: ["CampaignCompiler", "CampaignSynthesis", .product(name: "Yams", package: "Yams")],
            path: "Benchmarks/CampaignBenchmarks"
        ),
        .testTarget(
            name: "CampaignCompilerTests",
            dependencies: ["CampaignCompiler", "CampaignSynthesis", "campaignc"],
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
