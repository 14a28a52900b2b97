import BreakoutDomain
import BreakoutServer
import BreakoutStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// The node logs each request with the X-Request-Id the balancer gave it, and answers it back.
@Suite("Request log")
struct RequestLogTests {
    /// Keeps what was logged, for the test to read.
    final class Records: Sendable {
        struct Record: Sendable {
            var level: Logger.Level
            var message: String
            var metadata: [String: String]
        }
        private let lines = Mutex<[Record]>([])
        var all: [Record] { lines.withLock { $0 } }
        func append(_ record: Record) { lines.withLock { $0.append(record) } }
    }

    struct CapturingHandler: LogHandler {
        let records: Records
        var logLevel: Logger.Level = .info
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            records.append(.init(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
        }
    }

    @Test("a request's X-Request-Id is in its log line and in the answer; without one the node uses its own; never the query")
    func requestIdLogged() async throws {
        try await Migrator(logger: TestDatabase.logger).migrate(databaseURL: try TestDatabase.url)
        let records = Records()
        let logger = Logger(label: "request-log-test") { _ in CapturingHandler(records: records) }
        let app = try BreakoutServer.buildApplication(
            databaseURL: try TestDatabase.url, configuration: .init(nodeId: "log-test", databaseConnectTimeout: TestDatabase.leaseBound), logger: logger)
        try await app.test(.router) { client in
            var headers = HTTPFields()
            headers[HTTPField.Name("X-Request-Id")!] = "balancer-id-42"
            let answered = try await client.execute(uri: "/healthz", method: .get, headers: headers) { $0.headers[HTTPField.Name("X-Request-Id")!] }
            #expect(answered == "balancer-id-42")
            let line = try #require(records.all.last { $0.message == "request" })
            #expect(line.metadata["request_id"] == "balancer-id-42")
            #expect(line.metadata["path"] == "/healthz")
            #expect(line.metadata["status"] == "200")

            let own = try await client.execute(uri: "/v1/meetings/00000000-0000-0000-0000-000000000000/events?access_token=secret", method: .get) {
                $0.headers[HTTPField.Name("X-Request-Id")!]
            }
            let ownId = try #require(own)
            #expect(!ownId.isEmpty)
            let second = try #require(records.all.last { $0.message == "request" })
            #expect(second.metadata["request_id"] == ownId)
            #expect(!records.all.contains { $0.metadata.values.contains { $0.contains("secret") } }, "the token never reaches the log")

            var odd = HTTPFields()
            odd[HTTPField.Name("X-Request-Id")!] = String(repeating: "x", count: 500)
            let replaced = try await client.execute(uri: "/healthz", method: .get, headers: odd) { $0.headers[HTTPField.Name("X-Request-Id")!] }
            #expect(replaced?.count ?? 0 < 500, "an overlong id is replaced")
        }
    }
}
