public import BreakoutStore
public import Hummingbird
public import NIOCore

/// The request context of every route: what the middleware established about the request before
/// its handler runs, passed explicitly rather than through task-locals.
public struct BreakoutRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The request's `Idempotency-Key`, claimed by the command's own transaction (set by
    /// `IdempotencyMiddleware`).
    public var idempotencyClaim: Idempotency.Claim?
    /// The meeting of the path and the caller's token (set by `AuthenticationMiddleware` on the
    /// routes under `/v1/meetings/{meetingId}`); the store checks the token in the command itself.
    public var caller: Caller?
    /// The person signed in (a session cookie or a personal API token), on the routes that read it
    /// (set by `PeopleMiddleware`).
    public var user: User?
    /// True when `user` came from a personal API token rather than the session cookie: such a
    /// request may act as the person, but not make more tokens.
    public var userByAPIToken = false
    /// The connection: a live stream, once caught up, is written on its event loop (`DirectStream`).
    public let channel: any Channel

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// The caller of a route under `/v1/meetings/{meetingId}`.
    func requireCaller() throws -> Caller {
        guard let caller else { throw Problem.missingToken }
        return caller
    }
}
