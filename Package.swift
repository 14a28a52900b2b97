// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "breakout",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "breakoutd", targets: ["breakoutd"]),
        .executable(name: "breakout-bench", targets: ["breakout-bench"]),
        .executable(name: "rotation-bench", targets: ["rotation-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // Campus sign-in: ID tokens (JOSE) are checked with jwt-kit, not by hand.
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        // Pre-assignment lists arrive as CSV (Zoom's template).
        .package(url: "https://github.com/yaslab/CSV.swift.git", from: "2.5.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // NIOHTTPTypes: the HTTP parts a live stream writes on its connection (DirectStream).
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        // Media signalling: browsers talk to the node over a WebSocket, and the node to Janus over
        // Janus's WebSocket transport (one connection per node carries every session).
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        // Tests only: reads openapi.yaml to check it.
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // Pure rules: no I/O; its one dependency reads CSV text (pre-assignment lists).
        .target(
            name: "BreakoutDomain",
            dependencies: [.product(name: "CSV", package: "CSV.swift")],
            swiftSettings: swiftSettings
        ),
        // PostgreSQL: migrations, commands as transactions, snapshots. The migrations in sql/ are
        // compiled into it by the EmbedMigrations plugin, so the executable carries them.
        .target(
            name: "BreakoutStore",
            dependencies: [
                "BreakoutDomain",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                // The bounds on database calls are event-loop timers (BoundedLease).
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings,
            plugins: ["EmbedMigrations"]
        ),
        // Build tool: writes files as base64 into a Swift source; both plugins below run it.
        .executableTarget(name: "embed-files", path: "Sources/EmbedFilesTool", swiftSettings: swiftSettings),
        // Turns sql/*.sql into a Swift source of BreakoutStore (see Plugins/EmbedMigrations).
        .plugin(name: "EmbedMigrations", capability: .buildTool(), dependencies: ["embed-files"]),
        // Turns Sources/BreakoutServer/openapi.yaml into a Swift source of BreakoutServer.
        .plugin(name: "EmbedOpenAPIDocument", capability: .buildTool(), dependencies: ["embed-files"]),
        // HTTP: routes, authentication, problem+json.
        .target(
            name: "BreakoutServer",
            dependencies: [
                "BreakoutDomain",
                "BreakoutStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            // The API description is compiled in by the EmbedOpenAPIDocument plugin, not a resource.
            exclude: ["openapi.yaml"],
            // The web app for hosts and participants, served at `/`.
            resources: [.copy("Web")],
            swiftSettings: swiftSettings,
            plugins: ["EmbedOpenAPIDocument"]
        ),
        .executableTarget(
            name: "breakoutd",
            dependencies: [
                "BreakoutDomain",
                "BreakoutServer",
                "BreakoutStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The benchmark of issue 6: a client of the public HTTP API and live stream (plus SQL for
        // timer lateness). It must not depend on the server's modules, so it measures any server.
        .executableTarget(
            name: "breakout-bench",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The rotation's speed and quality beside a random split (docs/BENCHMARKS.md, "Rotation"):
        // the domain alone, so a release build of it takes a minute, not the whole server's ten.
        .executableTarget(name: "rotation-bench", dependencies: ["BreakoutDomain"], swiftSettings: swiftSettings),
        // Polling with a bound, shared by both test targets.
        .target(name: "BreakoutTestSupport", path: "Tests/BreakoutTestSupport", swiftSettings: swiftSettings),
        // Everything that needs no PostgreSQL and no process: the rules, the state machines, the
        // codecs, the router and the API description. Runs alone in seconds:
        // `swift test --filter BreakoutUnitTests`.
        .testTarget(
            name: "BreakoutUnitTests",
            dependencies: [
                "BreakoutDomain",
                "BreakoutServer",
                "BreakoutStore",
                "BreakoutTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The store on a real PostgreSQL (DATABASE_URL), real breakoutd processes, nginx in front
        // of them, faults: what scripts/test sets up.
        .testTarget(
            name: "BreakoutIntegrationTests",
            dependencies: [
                "BreakoutServer",
                "BreakoutStore",
                "BreakoutDomain",
                "BreakoutTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                // A client of the media signalling, and one of Janus's own API as an outsider.
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                // A TCP proxy that plays HAProxy with no primary (SilentDatabaseProxy).
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
