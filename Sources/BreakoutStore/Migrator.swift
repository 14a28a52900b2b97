public import Logging
public import PostgresNIO
import Foundation

/// Applies the ordered `sql/NNN_name.sql` files that are not applied yet, all in one transaction
/// guarded by `pg_advisory_xact_lock`, so several nodes starting at once apply each file once.
public struct Migrator: Sendable {
    /// Any fixed number shared by all nodes; it names the migration lock.
    static let lockKey: Int64 = 0x6272_6B6F_7574 // "brkout"

    public let directory: URL
    public let logger: Logger

    public init(directory: URL, logger: Logger) {
        self.directory = directory
        self.logger = logger
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The migration files, sorted by name.
    public func files() throws -> [URL] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw Failure(description: "cannot read migrations in \(directory.path): set --sql-dir or BREAKOUT_SQL_DIR")
        }
        return names.filter { $0.hasSuffix(".sql") }.sorted().map { directory.appendingPathComponent($0) }
    }

    /// Returns the names of the files applied by this call.
    @discardableResult
    public func migrate(_ client: PostgresClient) async throws -> [String] {
        let files = try files()
        return try await client.withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
                try await connection.query(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                    logger: logger)
                var applied = Set<String>()
                for try await name in try await connection.query("SELECT name FROM schema_migrations", logger: logger).decode(String.self) {
                    applied.insert(name)
                }
                var newlyApplied: [String] = []
                for file in files where !applied.contains(file.lastPathComponent) {
                    let script = try String(contentsOf: file, encoding: .utf8)
                    for statement in SQLScript.statements(script) {
                        do {
                            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                        } catch let error as PSQLError {
                            // PSQLError hides the server's message from its description; a failed
                            // migration must say what went wrong.
                            throw Failure(description: "\(file.lastPathComponent): \(error.serverInfo?[.message] ?? "\(String(reflecting: error))")")
                        }
                    }
                    let name = file.lastPathComponent
                    try await connection.query("INSERT INTO schema_migrations (name) VALUES (\(name))", logger: logger)
                    newlyApplied.append(name)
                    logger.info("applied migration", metadata: ["file": "\(name)"])
                }
                try await connection.query("COMMIT", logger: logger)
                return newlyApplied
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// Applies pending migrations with a short-lived client of its own, before a node starts its
    /// services (so no service ever sees an old schema).
    @discardableResult
    public func migrate(databaseURL: String) async throws -> [String] {
        let client = PostgresClient(configuration: try DatabaseURL.configuration(databaseURL), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: [String].self) { group in
            group.addTask {
                await client.run()
                return []
            }
            defer { group.cancelAll() }
            return try await migrate(client)
        }
    }
}
