import BreakoutDomain

/// How a node serves HTTP. Every value has a documented default.
public struct ServerConfiguration: Sendable {
    /// Address to bind. Default "127.0.0.1" (set `0.0.0.0` behind a load balancer).
    public var host: String
    /// Port to bind. Default 8080.
    public var port: Int
    /// When set, creating a meeting needs `Authorization: Bearer <adminToken>`. Default nil (anyone may).
    public var adminToken: String?
    /// The most rooms a breakout may have. Default 100.
    public var maxRooms: Int
    /// The most people of one meeting besides its host (co-hosts count). Default 1000.
    public var maxParticipants = 1000
    /// This node's name in logs and in the node registry. Default: host name and pid.
    public var nodeId: String
    /// A comment line on idle live streams at least this often. Default 15 s.
    public var heartbeat: Duration
    /// Most pooled database connections. Default 20.
    public var maxConnections: Int
    /// A pooled connection that no request has used for this long is closed; the pool opens
    /// connections again as requests need them. Default 60 s. The pool keeps no minimum: see
    /// `buildApplication` for why.
    public var databaseIdleTimeout: Duration = .seconds(60)
    /// The longest a request waits for a database connection before it is answered 503
    /// `database_unavailable`, and the longest one attempt to open a connection (TCP, TLS, startup
    /// and authentication) may take, for the pool and the LISTEN connection alike. Default 2 s:
    /// during a failover every request is answered within it, and an attempt that HAProxy
    /// accepted with no primary behind it is given up and tried again instead of waiting.
    public var databaseConnectTimeout: Duration
    /// Folder of the web app's files. Default nil: the copy bundled with the server.
    public var webDirectory: String?
    /// The campus mail domain (`uio.no`) appended to Canvas logins without an `@` when a Canvas
    /// group-set export is uploaded. Default nil: such rows are refused, naming their lines.
    public var loginDomain: String?
    /// A connection that sends nothing for this long, not even a whole request head, is closed
    /// (slow or idle clients cannot hold connections for ever). Live streams being answered are
    /// exempt. Default 60 s, above nginx's keepalive_timeout to the nodes (30 s in deploy/).
    public var idleTimeout: Duration
    /// Campus sign-in (OpenID Connect). Default nil: open mode.
    public var signIn: SignInConfiguration?
    /// Audio and video on Janus. Default nil: off.
    public var media: MediaConfiguration?

    public init(
        host: String = "127.0.0.1", port: Int = 8080, adminToken: String? = nil, maxRooms: Int = 100, nodeId: String,
        heartbeat: Duration = .seconds(15), maxConnections: Int = 20, webDirectory: String? = nil,
        loginDomain: String? = nil, idleTimeout: Duration = .seconds(60), signIn: SignInConfiguration? = nil,
        databaseConnectTimeout: Duration = .seconds(2), media: MediaConfiguration? = nil
    ) {
        self.databaseConnectTimeout = databaseConnectTimeout
        self.media = media
        self.signIn = signIn
        self.idleTimeout = idleTimeout
        self.host = host
        self.port = port
        self.adminToken = adminToken
        self.maxRooms = maxRooms
        self.nodeId = nodeId
        self.heartbeat = heartbeat
        self.maxConnections = maxConnections
        self.webDirectory = webDirectory
        self.loginDomain = loginDomain
    }

    /// A campus mail domain as an operator writes it (`uio.no`, `@UiO.no`), lower-cased and
    /// without the `@`; nil when it cannot complete a login to an email address.
    public static func normalizedLoginDomain(_ domain: String) -> String? {
        CanvasGroupSet.normalizedDomain(domain)
    }
}
