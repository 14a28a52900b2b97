import BreakoutDomain
import BreakoutStore
import Foundation
import PostgresNIO
import Testing

/// The files of deploy/ and docker-compose.yml are what operators run: they must stay valid and
/// agree with each other, and the executable must run from anywhere.
@Suite("Deployment")
struct DeploymentTests {
    static var root: URL { NginxProcess.repositoryRoot }

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// The Compose schema: COMPOSE_SCHEMA, else shared/schemas/compose-spec.json beside the clone.
    static var composeSchema: URL? {
        if let path = ProcessInfo.processInfo.environment["COMPOSE_SCHEMA"], !path.isEmpty { return URL(fileURLWithPath: path) }
        let beside = root.deletingLastPathComponent().appendingPathComponent("shared/schemas/compose-spec.json")
        return FileManager.default.fileExists(atPath: beside.path) ? beside : nil
    }

    @Test("the balancer template, rendered as scripts/run renders it, passes nginx -t",
          .enabled(if: NginxProcess.shouldRun, "nginx is not installed (scripts/test installs it as root)"))
    func nginxConfigurationIsValid() throws {
        let directory = try NginxProcess.render(listen: "127.0.0.1:\(try NodeProcess.freePort())", upstreamPorts: [18081, 18082, 18083])
        defer { try? FileManager.default.removeItem(at: directory) }
        let rendered = try String(contentsOf: directory.appendingPathComponent("breakout.conf"), encoding: .utf8)
        #expect(!rendered.contains("${"), "every placeholder filled in")
        #expect(rendered.contains("server 127.0.0.1:18083 max_fails=1 fail_timeout=2s;"))
        let check = try NginxProcess.check(directory)
        #expect(check.status == 0, "nginx -t: \(check.output)")
    }

    @Test("the template's placeholders are exactly those docker-compose.yml sets, and compose mounts the template")
    func composeFillsTheTemplate() throws {
        let template = try Self.text("deploy/nginx-breakout.conf.template")
        let placeholders = Set(template.matches(of: /\$\{([A-Z_]+)\}/).map { String($0.output.1) })
        #expect(placeholders == [
            "BREAKOUT_LISTEN", "BREAKOUT_UPSTREAM_SERVERS", "BREAKOUT_ACCESS_LOG",
            "BREAKOUT_JOINS_PER_SECOND", "BREAKOUT_JOIN_BURST", "BREAKOUT_SIGNINS_PER_SECOND", "BREAKOUT_SIGNIN_BURST",
            "BREAKOUT_STREAMS_PER_ADDRESS",
        ])
        let compose = try Self.text("docker-compose.yml")
        for name in placeholders { #expect(compose.contains("\(name):"), "docker-compose.yml sets \(name)") }
        #expect(compose.contains("./deploy/nginx-breakout.conf.template:/etc/nginx/templates/"))
        #expect(compose.contains(#"NGINX_ENVSUBST_FILTER: "^BREAKOUT_""#), "envsubst must leave nginx's own $variables alone")
    }

    @Test("docker-compose.yml is valid against the Compose specification's schema",
          .enabled(if: DeploymentTests.composeSchema != nil || NginxProcess.isCI, "no Compose schema at ../shared/schemas or COMPOSE_SCHEMA"))
    func composeMatchesSchema() throws {
        let schema = try #require(Self.composeSchema, "Compose schema not found: CI puts shared/ beside the clone (or set COMPOSE_SCHEMA)")
        let check = try NginxProcess.run("/usr/bin/env", [
            "python3", Self.root.appendingPathComponent("scripts/lib/check-compose.py").path,
            Self.root.appendingPathComponent("docker-compose.yml").path, schema.path,
        ])
        #expect(check.status == 0, "\(check.output) (scripts/test installs PyYAML and jsonschema)")
    }

    @Test("the systemd unit restarts on failure, waits longer than a graceful shutdown, runs as its own user with many files")
    func systemdUnit() throws {
        let unit = try Self.text("deploy/breakoutd.service")
        func value(_ key: String) -> String? {
            unit.split(separator: "\n").first { $0.hasPrefix("\(key)=") }.map { String($0.dropFirst(key.count + 1)) }
        }
        #expect(value("Restart") == "on-failure")
        #expect(value("EnvironmentFile") != nil)
        #expect(value("User") == "breakout")
        #expect(value("ExecStart")?.hasSuffix("breakoutd serve") == true)
        let stop = try #require(value("TimeoutStopSec").flatMap { Int($0.replacingOccurrences(of: "s", with: "")) })
        #expect(stop > Int(RollingRestartTests.shutdownBound.components.seconds), "TimeoutStopSec above the shutdown bound")
        #expect((value("LimitNOFILE").flatMap(Int.init) ?? 0) >= 65536)
    }

    @Test("the Dockerfile builds release and runs as a user that is not root")
    func dockerfile() throws {
        let dockerfile = try Self.text("deploy/Dockerfile")
        #expect(dockerfile.contains("swift build -c release"))
        let user = try #require(dockerfile.split(separator: "\n").last { $0.hasPrefix("USER ") })
        #expect(!["USER root", "USER 0"].contains(String(user)))
        #expect(!dockerfile.contains("BREAKOUT_SQL_DIR"), "the migrations are built in")
    }

    @Test("breakoutd copied alone to another folder and started there (no sql/, no BREAKOUT_SQL_DIR) migrates a fresh database and becomes ready")
    func serveAnywhere() async throws {
        let name = "anywhere_\(UUID().uuidString.prefix(8).lowercased())"
        guard var components = URLComponents(string: try TestDatabase.url) else { throw TestDatabase.Missing() }
        components.path = "/\(name)"
        let freshURL = try #require(components.string)
        try await TestDatabase.withClient { admin in try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)")) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("breakout-anywhere-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let binary = folder.appendingPathComponent("breakoutd")
        // Copied by cp, not by this process: a write descriptor opened here could be inherited by a
        // process another test spawns meanwhile, and exec would then fail with "Text file busy".
        try #require(try PrivateCluster.bash("cp \"$1\" \"$2\"", NodeProcess.binary.path, binary.path) == 0)

        let node = try await NodeProcess.start("anywhere", databaseURL: freshURL, workingDirectory: folder, executable: binary)
        node.stop()
        #expect(node.exitStatus == 0)
        let expected = try Migrator(logger: TestDatabase.logger).migrations().map(\.name)
        let applied = try await TestDatabase.withClient(url: freshURL, migrate: false) { client in
            var names: [String] = []
            for try await name in try await client.query("SELECT name FROM schema_migrations ORDER BY name").decode(String.self) {
                names.append(name)
            }
            return names
        }
        #expect(applied == expected)
        try await TestDatabase.withClient { admin in try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE \(name) WITH (FORCE)")) }
    }
}
