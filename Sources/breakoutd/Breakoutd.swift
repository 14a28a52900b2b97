import ArgumentParser
import CoreMetrics
import Prometheus
import BreakoutServer
import BreakoutStore
import Foundation
import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle

/// `breakoutd serve` runs one stateless node; `breakoutd migrate` applies `sql/`.
@main
struct Breakoutd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "breakoutd",
        abstract: "The breakout rooms service.",
        subcommands: [Serve.self, Migrate.self],
        defaultSubcommand: Serve.self)
}

/// Options shared by every subcommand; each flag falls back to its environment variable.
struct CommonOptions: ParsableArguments {
    @Option(help: "PostgreSQL URL, postgres://user:password@host:port/database (env DATABASE_URL).")
    var databaseURL: String = ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ""

    @Option(help: "Folder of the ordered migration files (env BREAKOUT_SQL_DIR).")
    var sqlDir: String = ProcessInfo.processInfo.environment["BREAKOUT_SQL_DIR"] ?? "sql"

    @Option(help: "trace, debug, info, notice, warning, error or critical (env LOG_LEVEL).")
    var logLevel: String = ProcessInfo.processInfo.environment["LOG_LEVEL"] ?? "info"

    @Option(help: "text or json (env LOG_FORMAT).")
    var logFormat: String = ProcessInfo.processInfo.environment["LOG_FORMAT"] ?? "text"

    func validate() throws {
        guard !databaseURL.isEmpty else { throw ValidationError("Set DATABASE_URL or --database-url.") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("Unknown log level '\(logLevel)'.") }
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("LOG_FORMAT must be text or json.") }
    }

    func makeLogger(nodeId: String) -> Logger {
        let json = logFormat == "json"
        LoggingSystem.bootstrap { label in
            json ? JSONLogHandler(label: label) as any LogHandler : StreamLogHandler.standardError(label: label)
        }
        var logger = Logger(label: "breakoutd")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        logger[metadataKey: "node"] = "\(nodeId)"
        return logger
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve HTTP (applies pending migrations first).")

    @OptionGroup var common: CommonOptions

    @Option(help: "Address to bind (env HOST).")
    var host: String = ProcessInfo.processInfo.environment["HOST"] ?? "127.0.0.1"

    @Option(help: "Port to bind (env PORT).")
    var port: Int = Int(ProcessInfo.processInfo.environment["PORT"] ?? "") ?? 8080

    @Option(help: "This node's name (env NODE_ID; default host name and pid).")
    var nodeId: String = ProcessInfo.processInfo.environment["NODE_ID"]
        ?? "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"

    @Option(help: "Token needed to create meetings (env BREAKOUT_ADMIN_TOKEN; default: anyone may).")
    var adminToken: String = ProcessInfo.processInfo.environment["BREAKOUT_ADMIN_TOKEN"] ?? ""

    @Option(help: "Most rooms per breakout (env BREAKOUT_MAX_ROOMS).")
    var maxRooms: Int = Int(ProcessInfo.processInfo.environment["BREAKOUT_MAX_ROOMS"] ?? "") ?? 100

    @Option(help: "Seconds between keep-alive comments on idle live streams (env BREAKOUT_HEARTBEAT_SECONDS).")
    var heartbeatSeconds: Int = Int(ProcessInfo.processInfo.environment["BREAKOUT_HEARTBEAT_SECONDS"] ?? "") ?? 15

    @Option(help: "Folder of the web app's files, for working on them without a rebuild (env BREAKOUT_WEB_DIR; default: the bundled copy).")
    var webDir: String = ProcessInfo.processInfo.environment["BREAKOUT_WEB_DIR"] ?? ""

    func run() async throws {
        let logger = common.makeLogger(nodeId: nodeId)
        let configuration = ServerConfiguration(
            host: host, port: port, adminToken: adminToken.isEmpty ? nil : adminToken, maxRooms: maxRooms, nodeId: nodeId,
            heartbeat: .seconds(heartbeatSeconds), webDirectory: webDir.isEmpty ? nil : webDir)
        let migrator = Migrator(directory: URL(fileURLWithPath: common.sqlDir), logger: logger)
        // One registry per process: the service's own figures and, through swift-metrics, those of
        // Hummingbird and PostgresNIO, all served at /metrics.
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        // Migrations first, under the advisory lock, so nodes starting together are safe.
        try await migrator.migrate(databaseURL: common.databaseURL)
        let app = try BreakoutServer.buildApplication(
            databaseURL: common.databaseURL, configuration: configuration, logger: logger, metrics: metrics)
        try await app.runService()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending migrations from the sql folder and exit.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let logger = common.makeLogger(nodeId: "migrate")
        let migrator = Migrator(directory: URL(fileURLWithPath: common.sqlDir), logger: logger)
        let applied = try await migrator.migrate(databaseURL: common.databaseURL)
        print(applied.isEmpty ? "Nothing to apply." : "Applied: \(applied.joined(separator: ", "))")
    }
}
