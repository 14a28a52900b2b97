import Foundation
import PostgresNIO
import Synchronization

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

extension Database {
    /// Samples what PostgreSQL's active backends wait on (`pg_stat_activity`) every 50 ms while
    /// `body` runs, and returns the shares, most frequent first: "Lock:transactionid 61%, CPU 20%, …".
    /// A lock wait means commands queue behind the meeting's row lock; IO:WALSync means commits wait
    /// for the disk.
    func sampleWaits<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> (T, String) {
        let counts = Mutex<[String: Int]>([:])
        let client = self.client
        let sampler = Task {
            while !Task.isCancelled {
                do {
                    for try await (type, event) in try await client.query(
                        """
                        SELECT coalesce(wait_event_type, 'CPU'), coalesce(wait_event, '')
                        FROM pg_stat_activity
                        WHERE datname = current_database() AND state = 'active' AND backend_type = 'client backend'
                          AND pid <> pg_backend_pid()
                        """).decode((String, String).self) {
                        let key = event.isEmpty ? type : "\(type):\(event)"
                        counts.withLock { $0[key, default: 0] += 1 }
                    }
                } catch {}
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        defer { sampler.cancel() }
        let result = try await body()
        sampler.cancel()
        _ = await sampler.value
        let all = counts.withLock { $0 }
        let total = max(1, all.values.reduce(0, +))
        let text = all.sorted { $0.value > $1.value }.prefix(6)
            .map { "\($0.key) \(Int((Double($0.value) * 100 / Double(total)).rounded()))%" }.joined(separator: ", ")
        return (result, "PostgreSQL active backends waiting on (sampled every 50 ms): " + (text.isEmpty ? "nothing sampled" : text))
    }
}
