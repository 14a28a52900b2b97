import BreakoutDomain
public import BreakoutStore
import Foundation
public import Hummingbird
public import Logging
public import PostgresNIO
public import Prometheus

extension BreakoutServer {
    /// The router with every route of the contract, health and the OpenAPI document.
    public static func buildRouter(
        store: MeetingStore, configuration: ServerConfiguration, metrics: PrometheusCollectorRegistry = .init()
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: RequestMetricsMiddleware(registry: metrics))
        router.add(middleware: ProblemMiddleware())
        Routes(store: store, configuration: configuration).register(on: router)
        Health(client: store.client).register(on: router)
        router.get("openapi.yaml") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/yaml"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.text)))
        }
        router.get("metrics") { _, _ in metricsResponse(metrics) }
        return router
    }

    /// One node: the HTTP server and the PostgreSQL pool it runs on (the pool is one of its services).
    /// With a `migrator`, pending migrations are applied before the server accepts requests.
    public static func buildApplication(
        client: PostgresClient, configuration: ServerConfiguration, logger: Logger, migrator: Migrator? = nil,
        metrics: PrometheusCollectorRegistry = .init()
    ) -> some ApplicationProtocol {
        let store = MeetingStore(client: client, limits: Limits(maxRooms: configuration.maxRooms), logger: logger)
        let router = buildRouter(store: store, configuration: configuration, metrics: metrics)
        var app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "breakout"),
            logger: logger)
        app.addServices(client, TimerService(store: store, nodeId: configuration.nodeId, metrics: metrics))
        if let migrator {
            // Applied before the port opens; the advisory lock makes concurrent starts safe.
            app.beforeServerStarts { try await migrator.migrate(client) }
        }
        return app
    }
}

/// `/healthz` answers without the database (the process is alive); `/readyz` checks it.
struct Health: Sendable {
    let client: PostgresClient

    func register(on router: Router<BasicRequestContext>) {
        router.get("healthz") { _, _ in Self.text("ok\n") }
        router.get("readyz") { _, _ in
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await client.query("SELECT 1") }
                    group.addTask {
                        try await Task.sleep(for: .seconds(2))
                        throw CancellationError()
                    }
                    try await group.next()
                    group.cancelAll()
                }
                return Self.text("ready\n")
            } catch {
                throw Problem(status: .serviceUnavailable, code: "not_ready", detail: "The database is not reachable.")
            }
        }
    }

    static func text(_ body: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
