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
    /// This node's name in logs and in the node registry. Default: host name and pid.
    public var nodeId: String
    /// A comment line on idle live streams at least this often. Default 15 s.
    public var heartbeat: Duration
    /// Most pooled database connections. Default 20.
    public var maxConnections: Int
    /// Folder of the web app's files. Default nil: the copy bundled with the server.
    public var webDirectory: String?

    public init(
        host: String = "127.0.0.1", port: Int = 8080, adminToken: String? = nil, maxRooms: Int = 100, nodeId: String,
        heartbeat: Duration = .seconds(15), maxConnections: Int = 20, webDirectory: String? = nil
    ) {
        self.host = host
        self.port = port
        self.adminToken = adminToken
        self.maxRooms = maxRooms
        self.nodeId = nodeId
        self.heartbeat = heartbeat
        self.maxConnections = maxConnections
        self.webDirectory = webDirectory
    }
}
