public import Logging
public import PostgresNIO
import Foundation

/// Applies the migrations that are not applied yet, all in one transaction guarded by
/// `pg_advisory_xact_lock`, so several nodes starting at once apply each one once. By default
/// those compiled into the executable from `sql/`; a folder given with `--sql-dir` or
/// `BREAKOUT_SQL_DIR` replaces them (for trying out a migration without rebuilding).
public struct Migrator: Sendable {
    /// Any fixed number shared by all nodes; it names the migration lock.
    static let lockKey: Int64 = 0x6272_6B6F_7574 // "brkout"

    /// Where the migrations come from.
    public enum Source: Sendable {
        /// Compiled into this build from `sql/`.
        case builtIn
        /// The `.sql` files of a folder, read when migrating.
        case directory(URL)
    }

    public let source: Source
    public let logger: Logger

    /// The built-in migrations.
    public init(logger: Logger) {
        self.source = .builtIn
        self.logger = logger
    }

    /// The migrations of `directory` instead of the built-in ones.
    public init(directory: URL, logger: Logger) {
        self.source = .directory(directory)
        self.logger = logger
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The migrations, in the order they apply.
    public func migrations() throws -> [Migration] {
        switch source {
        case .builtIn: Migration.builtIn
        case .directory(let directory): try Migration.load(from: directory)
        }
    }

    /// Returns the names of the files applied by this call.
    @discardableResult
    public func migrate(_ client: PostgresClient) async throws -> [String] {
        let migrations = try migrations()
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
                for migration in migrations where !applied.contains(migration.name) {
                    for statement in SQLScript.statements(migration.sql) {
                        do {
                            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                        } catch let error as PSQLError {
                            // PSQLError hides the server's message from its description; a failed
                            // migration must say what went wrong.
                            throw Failure(description: "\(migration.name): \(error.serverInfo?[.message] ?? "\(String(reflecting: error))")")
                        }
                    }
                    let name = migration.name
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
