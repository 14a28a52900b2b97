/// Audio and video on Janus (`BREAKOUT_MEDIA=janus`). Default: off, and
/// `GET /v1/meetings/{id}/media` answers 404 `media_off`.
public struct MediaConfiguration: Sendable {
    /// Janus's HTTP API as the nodes reach it (`BREAKOUT_JANUS_URL`). Default
    /// `http://127.0.0.1:8088/janus`.
    public var janusURL: String
    /// The videoroom plugin's `admin_key` (`BREAKOUT_JANUS_ADMIN_KEY`, required): only a holder
    /// creates, changes and destroys rooms. Each room's `secret` and each participant's media token
    /// are derived from it. At least 16 characters.
    public var adminKey: String
    /// Janus's API as browsers reach it (`BREAKOUT_JANUS_PUBLIC_URL`). Default `/janus`: the same
    /// origin as the service, where the balancer proxies it (deploy/nginx-breakout.conf.template).
    public var publicURL: String
    /// The most a publisher may send, in bits per second (`BREAKOUT_MEDIA_BITRATE`). Default
    /// 256,000: a small video and voice, enough for tiles of a few people.
    public var bitrate: Int

    public init(janusURL: String = "http://127.0.0.1:8088/janus", adminKey: String, publicURL: String = "/janus", bitrate: Int = 256_000) {
        self.janusURL = janusURL
        self.adminKey = adminKey
        self.publicURL = publicURL
        self.bitrate = bitrate
    }
}
