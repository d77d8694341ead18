// swift-tools-version:6.0
import PackageDescription

// A service that keeps its campaigns beside its code: the build plugin compiles them during `swift build`.
// CI builds and runs it (`swift run --package-path Tests/PluginFixture`).
let package = Package(
    name: "PluginFixture",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "campaignc", path: "../..")],
    targets: [
        .executableTarget(
            name: "CartService",
            dependencies: [.product(name: "CampaignFlows", package: "campaignc"),
                           .product(name: "CampaignRuntime", package: "campaignc")],
            plugins: [.plugin(name: "CampaignCompilerPlugin", package: "campaignc")]),
    ]
)
