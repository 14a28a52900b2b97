import BreakoutDomain
import BreakoutStore
import Foundation
import Hummingbird

/// Who is signed in, on the routes that care (`/v1/me…`, creating and joining meetings, sign-out):
/// the session cookie, or a personal API token (`Authorization: Bearer bk_…`) for scripts.
///
/// A write authenticated by the cookie must come from the service's own pages: its `Origin` (or,
/// without one, its `Referer`) must be the public URL's origin, else 403 `cross_site_request`.
/// (SameSite=Lax already keeps the cookie off most cross-site writes; this closes the rest.)
struct PeopleMiddleware: RouterMiddleware {
    typealias Context = BreakoutRequestContext
    let store: MeetingStore
    /// nil in open mode: nobody is ever signed in.
    let signIn: SignInConfiguration?

    /// Personal API tokens start with this, so they are told from participant and admin tokens.
    static let apiTokenPrefix = "bk_"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let signIn else { return try await next(request, context) }
        var context = context
        if let bearer = Routes.bearerToken(request), bearer.hasPrefix(Self.apiTokenPrefix) {
            guard let user = try await store.apiTokenUser(token: bearer) else { throw DomainError.invalidToken }
            context.user = user
            context.userByAPIToken = true
        } else if let session = request.cookies[signIn.sessionCookieName]?.value, !session.isEmpty {
            if request.method != .get && request.method != .head { try Self.requireSameOrigin(request, origin: signIn.origin) }
            context.user = try await store.sessionUser(
                token: session, lifetime: signIn.sessionLifetime, maxLifetime: signIn.sessionMaxLifetime)
        }
        return try await next(request, context)
    }

    static func requireSameOrigin(_ request: Request, origin: String) throws {
        if let sent = request.headers[.origin] {
            guard sent == origin else { throw crossSite }
            return
        }
        guard let referer = request.headers[.referer], referer == origin || referer.hasPrefix(origin + "/") else { throw crossSite }
    }

    static let crossSite = Problem(
        .crossSiteRequest, "This request comes from another site's page; sign-in cookies work only on this service's own pages.")
}
