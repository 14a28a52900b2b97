public import PostgresNIO
import Foundation

/// Parses `postgres://user:password@host:port/database?sslmode=disable` into a client configuration.
/// `sslmode=disable` (or a loopback host without `sslmode`) turns TLS off; anything else prefers TLS.
public enum DatabaseURL {
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    public static func configuration(_ url: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url),
              let scheme = components.scheme, scheme == "postgres" || scheme == "postgresql",
              let host = components.host, !host.isEmpty
        else { throw Invalid(description: "DATABASE_URL must look like postgres://user:password@host:5432/database") }
        let user = components.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        let password = components.password.flatMap { $0.removingPercentEncoding }
        let database = String(components.path.drop(while: { $0 == "/" }))
        let sslmode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value
        let loopback = ["localhost", "127.0.0.1", "::1"].contains(host)
        let tls: PostgresClient.Configuration.TLS =
            sslmode == "disable" || (sslmode == nil && loopback) ? .disable : .prefer(.makeClientConfiguration())
        return PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: password,
            database: database.isEmpty ? user : database, tls: tls)
    }
}
