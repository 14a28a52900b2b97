public import BreakoutDomain
import Foundation

/// Campus sign-in with OpenID Connect, as configured by the operator (`BREAKOUT_OIDC_*`). With none,
/// the service runs in open mode: anyone with a code joins by name, and `/auth/*` does not exist.
public struct SignInConfiguration: Sendable {
    /// The provider's issuer URL; its discovery document is `<issuer>/.well-known/openid-configuration`.
    public var issuer: String
    public var clientId: String
    /// Sent to the token endpoint (HTTP Basic, or in the form when the provider only takes that).
    public var clientSecret: String?
    /// The balancer's address as browsers see it (`https://breakout.uni.example`): the redirect URI
    /// is `<publicURL>/auth/callback`, and cookie-authenticated writes must come from its origin.
    public var publicURL: String
    /// Default `openid email profile`.
    public var scopes: String
    /// Shared by the nodes: it seals the sign-in cookie and derives a signed-in person's
    /// participant tokens. At least 32 characters.
    public var tokenSecret: String
    /// Who may host. Default: anyone signed in.
    public var hostPolicy: HostPolicy
    /// How long a session lasts unused; each use moves its end (never past `sessionMaxLifetime`).
    /// Default 2 hours.
    public var sessionLifetime: Duration
    /// The longest a session lasts from sign-in, however busy (ASVS 3.3.2). Default 12 hours; the
    /// sliding `sessionLifetime` ends an unused one sooner.
    public var sessionMaxLifetime: Duration = .seconds(12 * 3600)
    /// The session cookie's name: with an https public URL `__Host-breakout_session`, which a
    /// browser keeps only when it is `Secure`, for `/` and this host alone, so no other host of
    /// the campus can set one for us; over plain http (development) `breakout_session`.
    public var sessionCookieName: String {
        publicURL.lowercased().hasPrefix("https://") ? "__Host-breakout_session" : "breakout_session"
    }
    /// Limits of personal API tokens. Default: at most 90 days each, 20 alive per person.
    public var apiTokens = APITokenLimits()

    /// How long a personal API token may live and how many one person may hold. A token nobody
    /// set an expiry for lives the longest; revoked and expired tokens do not count.
    public struct APITokenLimits: Sendable {
        /// The longest lifetime, in days, and the lifetime of a token made without one. Default 90.
        public var maxDays: Int
        /// Tokens that still work, per person. Default 20.
        public var perPerson: Int

        public init(maxDays: Int = 90, perPerson: Int = 20) {
            self.maxDays = maxDays
            self.perPerson = perPerson
        }
    }

    public init(
        issuer: String, clientId: String, clientSecret: String?, publicURL: String, scopes: String = "openid email profile",
        tokenSecret: String, hostPolicy: HostPolicy = .anyone, sessionLifetime: Duration = .seconds(2 * 3600)
    ) {
        self.issuer = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        self.scopes = scopes
        self.tokenSecret = tokenSecret
        self.hostPolicy = hostPolicy
        self.sessionLifetime = sessionLifetime
    }

    var redirectURI: String { publicURL + "/auth/callback" }
    /// Cookies are `Secure` when browsers reach the service over https.
    var secureCookies: Bool { publicURL.lowercased().hasPrefix("https://") }

    /// `scheme://host[:port]` of `publicURL`: what a same-origin request's `Origin` says.
    var origin: String {
        guard let url = URL(string: publicURL), let scheme = url.scheme, let host = url.host else { return publicURL }
        return url.port.map { "\(scheme)://\(host):\($0)" } ?? "\(scheme)://\(host)"
    }
}
