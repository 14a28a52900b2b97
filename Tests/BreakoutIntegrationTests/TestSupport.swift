import BreakoutDomain
import BreakoutServer
import BreakoutStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOHTTP1
import PostgresNIO
import Testing

/// Integration tests run against the PostgreSQL named by DATABASE_URL (scripts/test starts one).
enum TestDatabase {
    struct Missing: Error, CustomStringConvertible {
        var description: String { "DATABASE_URL is not set: run the suite with scripts/test, which starts a private PostgreSQL." }
    }

    static var url: String {
        get throws {
            guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else { throw Missing() }
            return url
        }
    }

    static let sqlDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("sql")

    /// How long a test's store may take to lease a database connection: 5 s, where a node has 2.
    /// Dozens of tests start their pools at once on two cores at the start of a whole run; a first
    /// connection took over 2 s there, and its request answered 503, in three runs of a day.
    static let leaseBound = Duration.seconds(5)

    static var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }

    static func makeClient(url: String? = nil, maxConnections: Int = 10) throws -> PostgresClient {
        var configuration = try DatabaseURL.configuration(try url ?? Self.url)
        configuration.options.maximumConnections = maxConnections
        return PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    /// Runs `body` with a running client on the test database (migrated first, unless `migrate` is false).
    @discardableResult
    static func withClient<T: Sendable>(
        url: String? = nil, migrate: Bool = true, _ body: (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = try makeClient(url: url)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            if migrate { try await Migrator(logger: logger).migrate(client) }
            return try await body(client)
        }
    }

    /// Every row `query` returns, decoded as `columns` (one type, or a tuple of them), on a client
    /// of its own.
    static func rows<each Column: PostgresDecodable & Sendable>(
        _ query: PostgresQuery, as columns: (repeat each Column).Type
    ) async throws -> [(repeat each Column)] {
        try await withClient { client in
            var rows: [(repeat each Column)] = []
            for try await row in try await client.query(query).decode(columns) { rows.append(row) }
            return rows
        }
    }
}

/// A running node (application with its own pool) seen through a JSON client.
struct Node: Sendable {
    let client: any TestClientProtocol

    struct Reply: Sendable {
        var status: HTTPResponse.Status
        var json: JSONValue
        var contentType: String?
        var body: String

        var code: String? { json["code"]?.stringValue }
    }

    func request(
        _ method: HTTPRequest.Method, _ path: String, token: String? = nil, json: JSONValue? = nil, raw: String? = nil,
        contentType: String = "application/json"
    ) async throws -> Reply {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        var body: ByteBuffer?
        if let json {
            body = ByteBuffer(bytes: try JSONEncoder().encode(json))
        } else if let raw {
            body = ByteBuffer(string: raw)
        }
        if body != nil { headers[.contentType] = contentType }
        return try await client.execute(uri: path, method: method, headers: headers, body: body) { response in
            let text = String(buffer: response.body)
            let value = (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .null
            return Reply(status: response.status, json: value, contentType: response.headers[.contentType], body: text)
        }
    }

    func get(_ path: String, token: String? = nil) async throws -> Reply { try await request(.get, path, token: token) }
    func post(_ path: String, token: String? = nil, _ json: JSONValue? = nil) async throws -> Reply {
        try await request(.post, path, token: token, json: json)
    }
    func put(_ path: String, token: String? = nil, _ json: JSONValue) async throws -> Reply {
        try await request(.put, path, token: token, json: json)
    }
    func patch(_ path: String, token: String? = nil, _ json: JSONValue) async throws -> Reply {
        try await request(.patch, path, token: token, json: json)
    }
    func delete(_ path: String, token: String? = nil) async throws -> Reply { try await request(.delete, path, token: token) }
}

extension ServerConfiguration {
    /// An in-process test node: as a real one, except for `TestDatabase.leaseBound`.
    static var testNode: ServerConfiguration { .init(nodeId: "test", databaseConnectTimeout: TestDatabase.leaseBound) }
}

/// Builds a node the way `breakoutd serve` does (own pool, migrations before start) and runs `body`.
func withNode<T: Sendable>(
    configuration: ServerConfiguration = .testNode, databaseURL: String? = nil, _ body: @Sendable (Node) async throws -> T
) async throws -> T {
    let databaseURL = try databaseURL ?? TestDatabase.url
    try await Migrator(logger: TestDatabase.logger).migrate(databaseURL: databaseURL)
    let app = try BreakoutServer.buildApplication(
        databaseURL: databaseURL, configuration: configuration, logger: TestDatabase.logger)
    return try await app.test(.router) { testClient in try await body(Node(client: testClient)) }
}

/// Two nodes on the same database, each with its own pool, as two processes behind a load balancer.
func withTwoNodes<T: Sendable>(_ body: @Sendable (Node, Node) async throws -> T) async throws -> T {
    try await withNode(configuration: .init(nodeId: "a", databaseConnectTimeout: TestDatabase.leaseBound)) { a in
        try await withNode(configuration: .init(nodeId: "b", databaseConnectTimeout: TestDatabase.leaseBound)) { b in try await body(a, b) }
    }
}

/// A meeting made through the API: its ids and the host's token.
struct TestMeeting: Sendable {
    var id: String
    var code: String
    var hostToken: String
    var hostId: String

    var path: String { "/v1/meetings/\(id)" }

    static func create(on node: Node, title: String = "Seminar", settings: JSONValue? = nil) async throws -> TestMeeting {
        let reply = try await node.post("/v1/meetings", Self.createBody(title: title, settings: settings))
        try #require(reply.status == .created, "create meeting: \(reply.body)")
        return try TestMeeting(created: reply.json)
    }

    /// The same on a `breakoutd` process, or through nginx.
    static func create(on endpoint: some HTTPEndpoint, title: String = "Seminar") async throws -> TestMeeting {
        let reply = try await endpoint.post("/v1/meetings", Self.createBody(title: title, settings: nil))
        try #require(reply.status == .created, "create meeting: \(reply.body)")
        return try TestMeeting(created: reply.json)
    }

    /// Joins `name` and returns (participantId, token).
    func join(_ name: String, email: String? = nil, on node: Node) async throws -> (id: String, token: String) {
        let reply = try await node.post("/v1/meetings/join", joinBody(name, email: email))
        try #require(reply.status == .created, "join: \(reply.body)")
        return try Self.participant(joined: reply.json)
    }

    /// The same on a `breakoutd` process, or through nginx.
    func join(_ name: String, email: String? = nil, on endpoint: some HTTPEndpoint) async throws -> (id: String, token: String) {
        let reply = try await endpoint.post("/v1/meetings/join", joinBody(name, email: email))
        try #require(reply.status == .created, "join: \(reply.body)")
        return try Self.participant(joined: reply.json)
    }

    static func createBody(title: String, settings: JSONValue?) -> JSONValue {
        var body: [String: JSONValue] = ["title": .string(title)]
        if let settings { body["settings"] = settings }
        return .object(body)
    }

    func joinBody(_ name: String, email: String?) -> JSONValue {
        var body: [String: JSONValue] = ["code": .string(code), "displayName": .string(name)]
        if let email { body["email"] = .string(email) }
        return .object(body)
    }

    /// The meeting an answer to `POST /v1/meetings` describes.
    init(created json: JSONValue) throws {
        id = try #require(json["meeting"]?["id"]?.stringValue)
        code = try #require(json["meeting"]?["code"]?.stringValue)
        hostToken = try #require(json["hostToken"]?.stringValue)
        hostId = try #require(json["participantId"]?.stringValue)
    }

    /// The participant an answer to `POST /v1/meetings/join` describes: (participantId, token).
    static func participant(joined json: JSONValue) throws -> (id: String, token: String) {
        (try #require(json["participantId"]?.stringValue), try #require(json["token"]?.stringValue))
    }

    func snapshot(on node: Node, token: String? = nil) async throws -> JSONValue {
        let reply = try await node.get(path, token: token ?? hostToken)
        try #require(reply.status == .ok, "snapshot: \(reply.body)")
        return reply.json
    }
}

extension JSONValue {
    /// The participant with `id` in a snapshot.
    func participant(_ id: String) -> JSONValue? {
        self["participants"]?.arrayValue?.first { $0["id"]?.stringValue == id }
    }

    var rooms: [JSONValue] { self["breakout"]?["rooms"]?.arrayValue ?? [] }
}
