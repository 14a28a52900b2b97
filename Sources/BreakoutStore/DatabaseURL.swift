public import PostgresNIO
import Foundation

/// Parses `postgres://user:password@host:port/database?sslmode=disable`.
/// `sslmode=disable` (or a loopback host without `sslmode`) turns TLS off; anything else prefers TLS.
public struct DatabaseURL: Sendable {
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tlsDisabled: Bool

    public init(_ url: String) throws {
        guard let components = URLComponents(string: url),
              let scheme = components.scheme, scheme == "postgres" || scheme == "postgresql",
              let host = components.host, !host.isEmpty
        else { throw Invalid(description: "DATABASE_URL must look like postgres://user:password@host:5432/database") }
        self.host = host
        self.port = components.port ?? 5432
        self.username = components.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        self.password = components.password.flatMap { $0.removingPercentEncoding }
        let database = String(components.path.drop(while: { $0 == "/" }))
        self.database = database.isEmpty ? username : database
        let sslmode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value
        self.tlsDisabled = sslmode == "disable" || (sslmode == nil && ["localhost", "127.0.0.1", "::1"].contains(host))
    }

    /// The pool's configuration.
    public static func configuration(_ url: String) throws -> PostgresClient.Configuration {
        let settings = try DatabaseURL(url)
        return PostgresClient.Configuration(
            host: settings.host, port: settings.port, username: settings.username, password: settings.password,
            database: settings.database, tls: settings.tlsDisabled ? .disable : .prefer(.makeClientConfiguration()))
    }

    /// A single connection outside the pool (the node's LISTEN connection).
    public static func connectionConfiguration(_ url: String) throws -> PostgresConnection.Configuration {
        let settings = try DatabaseURL(url)
        return PostgresConnection.Configuration(
            host: settings.host, port: settings.port, username: settings.username, password: settings.password,
            database: settings.database,
            tls: settings.tlsDisabled ? .disable : .prefer(try .init(configuration: .makeClientConfiguration())))
    }
}
