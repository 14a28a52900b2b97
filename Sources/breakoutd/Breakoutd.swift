import ArgumentParser
import BreakoutDomain
import CoreMetrics
import Prometheus
import BreakoutServer
import BreakoutStore
import Foundation
import Hummingbird
import Logging
import NIOPosix
import PostgresNIO
import ServiceLifecycle
import UnixSignals

/// `breakoutd serve` runs one stateless node; `breakoutd migrate` applies the migrations compiled in
/// from `sql/`.
@main
struct Breakoutd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "breakoutd",
        abstract: "The breakout rooms service.",
        subcommands: [Serve.self, Migrate.self],
        defaultSubcommand: Serve.self)

    /// Swift Concurrency's jobs run on NIO's event loops (`BREAKOUT_EXECUTOR=nio`, the default)
    /// unless `BREAKOUT_EXECUTOR=swift`. A command hops between its request's task and its
    /// database connection four times; on the loops a hop is often no thread switch at all, and
    /// the node spends a quarter less CPU per command (docs/BENCHMARKS.md, run M). Nothing here
    /// blocks a thread for long (no file or process I/O on the request paths).
    static func main() async {
        if environment["BREAKOUT_EXECUTOR"] != "swift" {
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

    static let environment = ProcessInfo.processInfo.environment
}

/// Options shared by every subcommand; each flag falls back to its environment variable.
struct CommonOptions: ParsableArguments {
    @Option(help: "PostgreSQL URL, postgres://user:password@host:port/database (env DATABASE_URL).")
    var databaseURL: String = ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ""

    @Option(help: "Folder of .sql migrations to apply instead of the built-in ones (env BREAKOUT_SQL_DIR; default: built in).")
    var sqlDir: String = ProcessInfo.processInfo.environment["BREAKOUT_SQL_DIR"] ?? ""

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

    /// The built-in migrations, or those of `--sql-dir` when given.
    func makeMigrator(logger: Logger) -> Migrator {
        sqlDir.isEmpty ? Migrator(logger: logger) : Migrator(directory: URL(fileURLWithPath: sqlDir), logger: logger)
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

    @Option(help: "Most people per meeting besides its host, co-hosts included (env BREAKOUT_MAX_PARTICIPANTS).")
    var maxParticipants: Int = Int(ProcessInfo.processInfo.environment["BREAKOUT_MAX_PARTICIPANTS"] ?? "") ?? 1000

    @Option(help: "Seconds between keep-alive comments on idle live streams (env BREAKOUT_HEARTBEAT_SECONDS).")
    var heartbeatSeconds: Int = Int(ProcessInfo.processInfo.environment["BREAKOUT_HEARTBEAT_SECONDS"] ?? "") ?? 15

    @Option(help: "Seconds in-flight requests may take to finish on SIGTERM (env BREAKOUT_SHUTDOWN_GRACE_SECONDS).")
    var shutdownGraceSeconds: Int = Int(ProcessInfo.processInfo.environment["BREAKOUT_SHUTDOWN_GRACE_SECONDS"] ?? "") ?? 10

    @Option(help: "Seconds before a connection that sends nothing (not even a whole request head) is closed; live streams are exempt (env BREAKOUT_IDLE_TIMEOUT_SECONDS).")
    var idleTimeoutSeconds: Int = Int(ProcessInfo.processInfo.environment["BREAKOUT_IDLE_TIMEOUT_SECONDS"] ?? "") ?? 60

    @Option(help: "Most pooled PostgreSQL connections of this node, besides its LISTEN connection (env BREAKOUT_DB_CONNECTIONS).")
    var dbConnections: Int = Int(ProcessInfo.processInfo.environment["BREAKOUT_DB_CONNECTIONS"] ?? "") ?? 20

    @Option(help: "Seconds a pooled PostgreSQL connection stays open unused before it is closed; the pool opens connections as requests need them (env BREAKOUT_DB_IDLE_SECONDS).")
    var dbIdleSeconds: Int = Int(ProcessInfo.processInfo.environment["BREAKOUT_DB_IDLE_SECONDS"] ?? "") ?? 60

    @Option(help: "Seconds a request waits for a database connection before 503 database_unavailable, and that one attempt to open a connection may take (env BREAKOUT_DB_CONNECT_TIMEOUT_SECONDS; decimals allowed).")
    var dbConnectTimeoutSeconds: Double = Double(ProcessInfo.processInfo.environment["BREAKOUT_DB_CONNECT_TIMEOUT_SECONDS"] ?? "") ?? 2

    @Option(help: "Campus mail domain added to Canvas logins without one, e.g. uio.no (env BREAKOUT_LOGIN_DOMAIN; default: none, such rows are refused).")
    var loginDomain: String = ProcessInfo.processInfo.environment["BREAKOUT_LOGIN_DOMAIN"] ?? ""

    // Campus sign-in (OpenID Connect): on when BREAKOUT_OIDC_ISSUER is set. Read from the
    // environment only, so that no secret shows in a process list.
    static let environment = ProcessInfo.processInfo.environment

    /// The sign-in configuration, nil in open mode; a clear message for anything missing or wrong.
    func signInConfiguration() throws -> SignInConfiguration? {
        let env = Self.environment
        guard let issuer = env["BREAKOUT_OIDC_ISSUER"], !issuer.isEmpty else { return nil }
        func required(_ name: String) throws -> String {
            guard let value = env[name], !value.isEmpty else {
                throw ValidationError("\(name) must be set when BREAKOUT_OIDC_ISSUER is (see README, \"Campus sign-in\").")
            }
            return value
        }
        let clientId = try required("BREAKOUT_OIDC_CLIENT_ID")
        let publicURL = try required("BREAKOUT_PUBLIC_URL")
        guard publicURL.hasPrefix("http://") || publicURL.hasPrefix("https://") else {
            throw ValidationError("BREAKOUT_PUBLIC_URL must be the balancer's http(s):// address (got '\(publicURL)').")
        }
        let secret = try required("BREAKOUT_TOKEN_SECRET")
        guard secret.count >= 32 else { throw ValidationError("BREAKOUT_TOKEN_SECRET must be at least 32 characters.") }
        let policyText = env["BREAKOUT_HOST_POLICY"] ?? "anyone"
        guard let policy = HostPolicy(policyText) else {
            throw ValidationError(
                "BREAKOUT_HOST_POLICY must be anyone, claim:NAME=V1,V2 or domain:D1,D2 (got '\(policyText)').")
        }
        let scopes = env["BREAKOUT_OIDC_SCOPES"].flatMap { $0.isEmpty ? nil : $0 } ?? "openid email profile"
        var configuration = SignInConfiguration(
            issuer: issuer, clientId: clientId, clientSecret: env["BREAKOUT_OIDC_CLIENT_SECRET"].flatMap { $0.isEmpty ? nil : $0 },
            publicURL: publicURL, scopes: scopes, tokenSecret: secret, hostPolicy: policy)
        func whole(_ name: String, in range: ClosedRange<Int>, default value: Int) throws -> Int {
            guard let text = env[name], !text.isEmpty else { return value }
            guard let number = Int(text), range.contains(number) else {
                throw ValidationError("\(name) must be a whole number \(range.lowerBound)–\(range.upperBound) (got '\(text)').")
            }
            return number
        }
        configuration.sessionLifetime = .seconds(60 * (try whole("BREAKOUT_SESSION_IDLE_MINUTES", in: 5...10_080, default: 120)))
        configuration.sessionMaxLifetime = .seconds(3600 * (try whole("BREAKOUT_SESSION_MAX_HOURS", in: 1...720, default: 12)))
        configuration.apiTokens = .init(
            maxDays: try whole("BREAKOUT_API_TOKEN_MAX_DAYS", in: 1...3650, default: 90),
            perPerson: try whole("BREAKOUT_API_TOKENS_PER_PERSON", in: 1...1000, default: 20))
        return configuration
    }

    /// Audio and video (`BREAKOUT_MEDIA=janus`), nil when off; a clear message for anything wrong.
    func mediaConfiguration() throws -> MediaConfiguration? {
        let env = Self.environment
        switch env["BREAKOUT_MEDIA"] ?? "" {
        case "", "off": return nil
        case "janus": break
        case let other: throw ValidationError("BREAKOUT_MEDIA must be off or janus (got '\(other)').")
        }
        guard let key = env["BREAKOUT_JANUS_ADMIN_KEY"], key.count >= 16 else {
            throw ValidationError("BREAKOUT_JANUS_ADMIN_KEY must be set, at least 16 characters, when BREAKOUT_MEDIA=janus (see README, \"Audio and video\").")
        }
        var media = MediaConfiguration(adminKey: key)
        if let url = env["BREAKOUT_JANUS_URL"], !url.isEmpty {
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw ValidationError("BREAKOUT_JANUS_URL must be Janus's http(s):// API address (got '\(url)').")
            }
            media.janusURL = url
        }
        if let url = env["BREAKOUT_JANUS_WS_URL"], !url.isEmpty {
            guard url.hasPrefix("ws://") || url.hasPrefix("wss://") else {
                throw ValidationError("BREAKOUT_JANUS_WS_URL must be Janus's ws(s):// API address (got '\(url)').")
            }
            media.janusSocketURL = url
        }
        if let text = env["BREAKOUT_MEDIA_BITRATE"], !text.isEmpty {
            guard let bitrate = Int(text), bitrate >= 32_000 else {
                throw ValidationError("BREAKOUT_MEDIA_BITRATE must be bits per second, at least 32000 (got '\(text)').")
            }
            media.bitrate = bitrate
        }
        // TURN: both or neither (README, "Audio and video").
        let turnURLs = (env["BREAKOUT_TURN_URLS"] ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let turnSecret = env["BREAKOUT_TURN_SECRET"] ?? ""
        switch (turnURLs.isEmpty, turnSecret.isEmpty) {
        case (true, true): break
        case (false, true):
            throw ValidationError("BREAKOUT_TURN_SECRET must be set with BREAKOUT_TURN_URLS: the TURN server's static-auth-secret, at least 16 characters.")
        case (true, false):
            throw ValidationError("BREAKOUT_TURN_URLS must be set with BREAKOUT_TURN_SECRET: the TURN server's URLs, comma-separated (turn:host:3478?transport=udp,turn:host:3478?transport=tcp,turns:host:443?transport=tcp).")
        case (false, false):
            guard turnSecret.count >= 16 else {
                throw ValidationError("BREAKOUT_TURN_SECRET must be at least 16 characters (the TURN server's static-auth-secret).")
            }
            if let url = turnURLs.first(where: { !TurnCredentials.isValidURL($0) }) {
                throw ValidationError("BREAKOUT_TURN_URLS must be turn: or turns: URLs such as turn:turn.example.org:3478?transport=udp, comma-separated (got '\(url)'; turns: is TLS over TCP only).")
            }
            media.turnURLs = turnURLs
            media.turnSecret = turnSecret
        }
        return media
    }

    func validate() throws {
        _ = try signInConfiguration()
        _ = try mediaConfiguration()
        if !loginDomain.isEmpty, ServerConfiguration.normalizedLoginDomain(loginDomain) == nil {
            throw ValidationError("BREAKOUT_LOGIN_DOMAIN must be a mail domain such as uio.no (got '\(loginDomain)').")
        }
        guard idleTimeoutSeconds >= 1 else { throw ValidationError("BREAKOUT_IDLE_TIMEOUT_SECONDS must be at least 1.") }
        guard dbConnections >= 1 else { throw ValidationError("BREAKOUT_DB_CONNECTIONS must be at least 1.") }
        guard (1...100_000).contains(maxParticipants) else {
            throw ValidationError("BREAKOUT_MAX_PARTICIPANTS must be a whole number 1–100000.")
        }
        guard dbIdleSeconds >= 1 else { throw ValidationError("BREAKOUT_DB_IDLE_SECONDS must be at least 1.") }
        guard dbConnectTimeoutSeconds >= 0.1, dbConnectTimeoutSeconds <= 60 else {
            throw ValidationError("BREAKOUT_DB_CONNECT_TIMEOUT_SECONDS must be between 0.1 and 60.")
        }
        guard shutdownGraceSeconds >= 0 else { throw ValidationError("BREAKOUT_SHUTDOWN_GRACE_SECONDS must be 0 or more.") }
    }

    @Option(help: "Folder of the web app's files, for working on them without a rebuild (env BREAKOUT_WEB_DIR; default: the bundled copy).")
    var webDir: String = ProcessInfo.processInfo.environment["BREAKOUT_WEB_DIR"] ?? ""

    func run() async throws {
        let logger = common.makeLogger(nodeId: nodeId)
        var configuration = ServerConfiguration(
            host: host, port: port, adminToken: adminToken.isEmpty ? nil : adminToken, maxRooms: maxRooms, nodeId: nodeId,
            heartbeat: .seconds(heartbeatSeconds), maxConnections: dbConnections, webDirectory: webDir.isEmpty ? nil : webDir,
            loginDomain: loginDomain.isEmpty ? nil : ServerConfiguration.normalizedLoginDomain(loginDomain),
            idleTimeout: .seconds(idleTimeoutSeconds), signIn: try signInConfiguration(),
            databaseConnectTimeout: .milliseconds(Int((dbConnectTimeoutSeconds * 1000).rounded())),
            media: try mediaConfiguration())
        configuration.databaseIdleTimeout = .seconds(dbIdleSeconds)
        configuration.maxParticipants = maxParticipants
        if ProcessInfo.processInfo.environment["BREAKOUT_DB_MIN_CONNECTIONS"] != nil {
            // Gone: a pool kept at a minimum crashes the node in a failover (docs/decisions.md).
            logger.warning("BREAKOUT_DB_MIN_CONNECTIONS is no longer used: the pool keeps no minimum and opens connections on demand")
        }
        if ProcessInfo.processInfo.environment["BREAKOUT_JANUS_PUBLIC_URL"] != nil {
            // Gone: browsers signal through the nodes, and Janus is closed to them.
            logger.warning("BREAKOUT_JANUS_PUBLIC_URL is no longer used: browsers reach the media through the nodes only")
        }
        let migrator = common.makeMigrator(logger: logger)
        // One registry per process: the service's own figures and, through swift-metrics, those of
        // Hummingbird and PostgresNIO, all served at /metrics.
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        // Migrations first, under the advisory lock, so nodes starting together are safe.
        try await migrator.migrate(databaseURL: common.databaseURL)
        let app = try BreakoutServer.buildApplication(
            databaseURL: common.databaseURL, configuration: configuration, logger: logger, metrics: metrics)
        // Bounded shutdown, whatever the database does: on SIGTERM the node stops accepting, ends
        // its live streams, gives in-flight requests the grace period, then cancels what is left.
        // Whatever ignores cancellation is cut off by ShutdownDeadline at grace + 4 s (it is last,
        // so it hears of the shutdown first), before ServiceGroup's own bound would crash the node.
        let deadline = ShutdownDeadline(bound: .seconds(shutdownGraceSeconds + 4), logger: logger)
        var group = ServiceGroupConfiguration(
            services: [.init(service: app), .init(service: deadline, successTerminationBehavior: .ignore)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = .seconds(shutdownGraceSeconds)
        group.maximumCancellationDuration = .seconds(8)
        try await ServiceGroup(configuration: group).run()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending migrations and exit.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let logger = common.makeLogger(nodeId: "migrate")
        let migrator = common.makeMigrator(logger: logger)
        let applied = try await migrator.migrate(databaseURL: common.databaseURL)
        print(applied.isEmpty ? "Nothing to apply." : "Applied: \(applied.joined(separator: ", "))")
    }
}
