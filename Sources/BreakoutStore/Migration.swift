import Foundation

/// One migration: a file name from `sql/` (which orders it and records it in `schema_migrations`)
/// and its SQL.
public struct Migration: Sendable, Equatable {
    public var name: String
    public var sql: String

    public init(name: String, sql: String) {
        self.name = name
        self.sql = sql
    }

    /// For the generated `Migration.embedded` (see Plugins/EmbedMigrations).
    init(name: String, base64: String) {
        self.name = name
        self.sql = Data(base64Encoded: base64).flatMap { String(data: $0, encoding: .utf8) } ?? ""
    }

    /// The migrations compiled into this build from `sql/`, in order.
    public static var builtIn: [Migration] { embedded }

    /// The `.sql` files of `directory`, sorted by name (the `BREAKOUT_SQL_DIR` override).
    public static func load(from directory: URL) throws -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw Migrator.Failure(description: "cannot read migrations in \(directory.path) (from --sql-dir or BREAKOUT_SQL_DIR)")
        }
        return try names.filter { $0.hasSuffix(".sql") }.sorted().map { name in
            Migration(name: name, sql: try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8))
        }
    }
}
