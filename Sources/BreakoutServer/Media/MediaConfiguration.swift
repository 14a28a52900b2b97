/// Audio and video on Janus (`BREAKOUT_MEDIA=janus`). Default: off, and
/// `GET /v1/meetings/{id}/media` answers 404 `media_off`.
///
/// Browsers never reach Janus: they signal through the nodes (`…/media/signal`), and Janus's API
/// listens on a private address for the nodes only, behind its `api_secret` (the admin key).
public struct MediaConfiguration: Sendable {
    /// Janus's HTTP API as the nodes reach it (`BREAKOUT_JANUS_URL`), for the media worker's room
    /// changes. Default `http://127.0.0.1:8088/janus`.
    public var janusURL: String
    /// Janus's WebSocket API as the nodes reach it (`BREAKOUT_JANUS_WS_URL`), for the
    /// participants' signalling: one connection per node. Default `ws://127.0.0.1:8188`.
    public var janusSocketURL: String
    /// The videoroom plugin's `admin_key` and Janus's `api_secret` (`BREAKOUT_JANUS_ADMIN_KEY`,
    /// required): only a holder talks to Janus at all, and only a holder creates, changes and
    /// destroys rooms. Each room's `secret` and each participant's media token are derived from
    /// it. At least 16 characters.
    public var adminKey: String
    /// The most a publisher may send, in bits per second (`BREAKOUT_MEDIA_BITRATE`). Default
    /// 256,000: a small video and voice, enough for tiles of a few people.
    public var bitrate: Int
    /// The TURN server's URLs that browsers are given (`BREAKOUT_TURN_URLS`, comma-separated):
    /// `turn:` over UDP and TCP, `turns:` over TLS, e.g.
    /// `turn:turn.example.org:3478?transport=udp,turn:turn.example.org:3478?transport=tcp,turns:turn.example.org:443?transport=tcp`.
    /// Default: none, and browsers connect to Janus directly or not at all (a network that blocks
    /// UDP or direct connections gets no audio and video). Set together with `turnSecret`.
    public var turnURLs: [String]
    /// The secret shared with the TURN server (`BREAKOUT_TURN_SECRET`; coturn's
    /// `static-auth-secret` with `use-auth-secret`): each participant gets credentials derived from
    /// it, valid for an hour (`TurnCredentials`). At least 16 characters; all nodes need the same.
    /// Default: none. Set together with `turnURLs`.
    public var turnSecret: String?

    public init(
        janusURL: String = "http://127.0.0.1:8088/janus", janusSocketURL: String = "ws://127.0.0.1:8188",
        adminKey: String, bitrate: Int = 256_000, turnURLs: [String] = [], turnSecret: String? = nil
    ) {
        self.janusURL = janusURL
        self.janusSocketURL = janusSocketURL
        self.adminKey = adminKey
        self.bitrate = bitrate
        self.turnURLs = turnURLs
        self.turnSecret = turnSecret
    }
}
