import Foundation
import PostgresNIO

/// The benchmark's own SQL: the server's settings (for the report) and timer lateness from the
/// `timers` table. One small pool, run in the background for the whole run.
final class Database: Sendable {
    let client: PostgresClient
    private let runner: Task<Void, Never>

    init(url: String) throws {
        guard let components = URLComponents(string: url), let host = components.host else {
            throw APIError(description: "--database-url must look like postgres://user@host:port/database")
        }
        let sslmode = components.queryItems?.first { $0.name == "sslmode" }?.value
        let loopback = ["127.0.0.1", "localhost", "::1"].contains(host)
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: components.user ?? "postgres", password: components.password,
            database: String(components.path.dropFirst()).isEmpty ? nil : String(components.path.dropFirst()),
            tls: sslmode == "disable" || (sslmode == nil && loopback) ? .disable : .prefer(.makeClientConfiguration()))
        configuration.options.maximumConnections = 2
        let client = PostgresClient(configuration: configuration)
        self.client = client
        runner = Task { await client.run() }
    }

    func shutdown() async {
        runner.cancel()
        _ = await runner.value
    }

    /// The settings that decide what a commit costs, and the server's version.
    func settings() async throws -> [String: String] {
        var result: [String: String] = [:]
        for try await (name, setting) in try await client.query(
            """
            SELECT name, setting FROM pg_settings
            WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers',
                           'max_connections', 'wal_level', 'max_wal_size', 'wal_buffers')
            """).decode((String, String).self) {
            result[name] = setting
        }
        return result
    }
}
