import BreakoutDomain
public import BreakoutStore
import Foundation
public import Hummingbird
public import Logging
import AsyncHTTPClient
import HummingbirdCore
import HummingbirdWebSocket
import PostgresNIO
public import Prometheus

extension BreakoutServer {
    /// The router with every route of the contract, health and the OpenAPI document.
    public static func buildRouter(
        store: MeetingStore, hub: EventHub, configuration: ServerConfiguration, metrics: PrometheusCollectorRegistry = .init()
    ) -> Router<BreakoutRequestContext> {
        buildRouter(store: store, hub: hub, configuration: configuration, metrics: metrics, media: nil)
    }

    static func buildRouter(
        store: MeetingStore, hub: EventHub, configuration: ServerConfiguration, metrics: PrometheusCollectorRegistry, media: MediaWorker?
    ) -> Router<BreakoutRequestContext> {
        let router = Router(context: BreakoutRequestContext.self)
        router.add(middleware: RequestLogMiddleware())
        router.add(middleware: RequestMetricsMiddleware(registry: metrics))
        router.add(middleware: SecurityHeadersMiddleware(
            strictTransport: configuration.signIn?.publicURL.lowercased().hasPrefix("https://") == true))
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: IdempotencyMiddleware(sessionCookie: configuration.signIn?.sessionCookieName))
        // Innermost: a GET that no route answers may be a file of the web app.
        if let web = WebApp.middleware(directory: configuration.webDirectory, logger: Logger(label: "breakout.web")) {
            router.add(middleware: web)
        }
        Routes(store: store, snapshots: hub.snapshots, configuration: configuration, media: media).register(on: router)
        MeRoutes(store: store, signIn: configuration.signIn).register(on: router)
        if let signIn = configuration.signIn {
            let logger = Logger(label: "breakout.sign-in")
            let provider = OpenIDProvider(configuration: signIn, http: .shared, logger: logger)
            SignInRoutes(store: store, provider: provider, configuration: signIn, logger: logger).register(on: router)
        } else {
            SignInRoutes.registerOpenMode(on: router)
        }
        LiveStream(store: store, hub: hub).register(on: router)
        Health(store: store, hub: hub).register(on: router)
        router.get("openapi.yaml") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/yaml"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: OpenAPIDocument.bytes))
        }
        let liveStreams = metrics.makeGauge(
            descriptor: .init(namespace: "breakout", metricName: "live_streams", unitName: "", helpText: "Open live streams on this node."))
        router.get("metrics") { _, _ in
            liveStreams.set(Double(hub.liveStreams))
            return metricsResponse(metrics)
        }
        // Last, after every route: it wraps only the answer to requests that no route matched.
        router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes))
        return router
    }

    /// One node: the HTTP server, its PostgreSQL pool, its LISTEN connection and event hub, and its
    /// timer scheduler, all run as services of the application.
    /// Apply migrations first (`Migrator.migrate(databaseURL:)`).
    public static func buildApplication(
        databaseURL: String, configuration: ServerConfiguration, logger: Logger, metrics: PrometheusCollectorRegistry = .init()
    ) throws -> some ApplicationProtocol {
        var poolConfiguration = try DatabaseURL.configuration(databaseURL)
        poolConfiguration.options.maximumConnections = configuration.maxConnections
        // No keep-alive queries: PostgresNIO's pool schedules a keep-alive timer (30 s) each time a
        // connection goes back to it, a task with a task group and a sleep that stays until its
        // deadline even when cancelled. A connection that PostgreSQL or HAProxy (`on-marked-down
        // shutdown-sessions`) closes is seen at once on its socket, and a bounded call notices one
        // that closed under its query (`BoundedClient`).
        poolConfiguration.options.keepAliveBehavior = nil
        // And no minimum: PostgresNIO 1.33.2's pool fails a `precondition` (the process dies) when a
        // lease finds no idle connection while the pool holds fewer than its minimum, which is how a
        // failover leaves it: the connection attempts that fail while the pool is already failing
        // are dropped without a replacement. With a minimum of 0 that precondition cannot fail. The
        // cost is the idle timer the pool sets for a connection above the minimum each time it goes
        // back (docs/decisions.md, "No minimum in the database pool", with the measurement and the
        // upstream report).
        poolConfiguration.options.minimumConnections = 0
        poolConfiguration.options.connectionIdleTimeout = configuration.databaseIdleTimeout
        // One attempt to open a connection (TCP, TLS, startup and authentication) gives up after
        // this bound: behind HAProxy with no primary the TCP connection is accepted and then nothing
        // answers, and an attempt left waiting would keep the pool from trying again when the new
        // primary is up.
        poolConfiguration.options.connectTimeout = configuration.databaseConnectTimeout
        let client = PostgresClient(configuration: poolConfiguration, backgroundLogger: logger)
        let store = MeetingStore(
            client: client, limits: Limits(maxRooms: configuration.maxRooms, maxParticipants: configuration.maxParticipants), logger: logger,
            connectTimeout: configuration.databaseConnectTimeout)
        let hub = EventHub(store: store, heartbeat: configuration.heartbeat)
        let media = configuration.media.map {
            MediaWorker(store: store, configuration: $0, logger: Logger(label: "breakout.media"), metrics: metrics)
        }
        // The media signalling: the node's WebSocket to Janus, and the browsers' connections.
        let signalling = configuration.media.map { mediaConfiguration in
            let mediaLogger = Logger(label: "breakout.media")
            return MediaSignalling(
                store: store,
                socket: JanusSocket(url: mediaConfiguration.janusSocketURL, apiSecret: mediaConfiguration.adminKey, logger: mediaLogger),
                hub: MediaSignalHub(store: store, logger: mediaLogger), configuration: mediaConfiguration, worker: media,
                logger: mediaLogger)
        }
        let listener = try NotificationListener(
            hub: hub, databaseURL: databaseURL, nodeId: configuration.nodeId,
            connectTimeout: configuration.databaseConnectTimeout, logger: logger,
            alsoNotify: media.map { worker -> @Sendable (UUID) -> Void in
                { meetingId in
                    worker.notify(meetingId)
                    signalling?.hub.notify(meetingId)
                }
            })
        let router = buildRouter(store: store, hub: hub, configuration: configuration, metrics: metrics, media: media)
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [LiveStreamChannelHandler()], idleTimeout: .init(configuration.idleTimeout))
        let server: HTTPServerBuilder
        if let signalling {
            // The media signalling's WebSocket is upgraded before routing; every other request is
            // served as without media. Pings every 20 s keep the balancer's 60 s read timeout away.
            server = .http1WebSocketUpgrade(
                configuration: .init(http1: http1, ws: .init(maxFrameSize: 1 << 17, autoPing: .enabled(timePeriod: .seconds(20)))),
                shouldUpgrade: { request, _, _ in signalling.shouldUpgrade(request) })
        } else {
            server = .http1(configuration: http1)
        }
        var app = Application(
            responder: ShortLivedTaskResponder(inner: router.buildResponder()),
            server: server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "breakout"),
            onServerRunning: { _ in hub.endStreamsWhenServerShutsDown() },
            logger: logger)
        let registry = NodeRegistry(
            store: store, hub: hub, nodeId: configuration.nodeId, address: "\(configuration.host):\(configuration.port)")
        app.addServices(client, hub, listener, TimerService(store: store, nodeId: configuration.nodeId, metrics: metrics), registry)
        if let media { app.addServices(media) }
        if let signalling { app.addServices(signalling.socket) }
        return app
    }
}

/// `/healthz` answers without the database (the process is alive); `/readyz` checks the database
/// and that the node's LISTEN connection is up (without it, its live streams would lag).
struct Health: Sendable {
    let store: MeetingStore
    let hub: EventHub

    func register(on router: Router<BreakoutRequestContext>) {
        router.get("healthz") { _, _ in Self.text("ok\n") }
        router.get("readyz") { _, _ in
            guard hub.isListening else {
                throw Problem(.notReady, "The node's LISTEN connection is down.")
            }
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await store.checkDatabase() }
                    group.addTask {
                        try await Task.sleep(for: .seconds(2))
                        throw CancellationError()
                    }
                    try await group.next()
                    group.cancelAll()
                }
                return Self.text("ready\n")
            } catch {
                throw Problem(.notReady, "The database is not reachable.")
            }
        }
    }

    static func text(_ body: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
