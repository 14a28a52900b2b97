import BreakoutStore
import Foundation
import PostgresNIO
import Testing

/// Three nodes starting at once on an empty database apply each migration exactly once, and the
/// migrations compiled into the executable are exactly those of `sql/`.
@Suite("Migrations")
struct MigrationTests {
    @Test("the built-in migrations are the files of sql/, in order, byte for byte")
    func builtInMatchSQLFolder() throws {
        let builtIn = try Migrator(logger: TestDatabase.logger).migrations()
        let folder = try Migrator(directory: TestDatabase.sqlDirectory, logger: TestDatabase.logger).migrations()
        #expect(!builtIn.isEmpty)
        #expect(builtIn.map(\.name) == folder.map(\.name))
        #expect(builtIn == folder, "rebuild: the executable carries other migrations than sql/")
    }

    @Test("a missing --sql-dir folder is a clear error naming the folder")
    func missingFolder() throws {
        let error = #expect(throws: Migrator.Failure.self) {
            try Migrator(directory: URL(fileURLWithPath: "/nonexistent/sql"), logger: TestDatabase.logger).migrations()
        }
        #expect(error?.description.contains("/nonexistent/sql") == true)
    }

    @Test("three concurrent migrators on a fresh database")
    func concurrentMigrators() async throws {
        let name = "migrate_\(UUID().uuidString.prefix(8).lowercased())"
        let base = try TestDatabase.url
        guard var components = URLComponents(string: base) else { throw TestDatabase.Missing() }
        components.path = "/\(name)"
        let freshURL = components.string!
        try await TestDatabase.withClient { admin in
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        }
        let names = try Migrator(logger: TestDatabase.logger).migrations().map(\.name)
        let applied = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<3 {
                group.addTask {
                    let client = try TestDatabase.makeClient(url: freshURL, maxConnections: 2)
                    return try await withThrowingTaskGroup(of: [String].self) { inner in
                        inner.addTask { await client.run(); return [] }
                        let names = try await Migrator(logger: TestDatabase.logger).migrate(client)
                        inner.cancelAll()
                        return names
                    }
                }
            }
            var all: [String] = []
            for try await names in group { all += names }
            return all
        }
        // Each file applied by exactly one of the three.
        #expect(applied.sorted() == names.sorted())
        try await TestDatabase.withClient(url: freshURL) { client in
            var count = 0
            for try await n in try await client.query("SELECT count(*)::int FROM schema_migrations").decode(Int.self) { count = n }
            #expect(count == names.count)
        }
        try await TestDatabase.withClient { admin in
            try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE \(name) WITH (FORCE)"))
        }
    }
}
