import HTTPTypes
import Hummingbird

/// Headers every answer carries so that browsers hold the web app to its own origin:
/// no inline script or plugin, no framing (the console cannot be put in another site's frame),
/// no type sniffing, and no full URL sent to other sites (a meeting's page is no one else's).
///
/// The API's answers (`/v1/…`, `/auth/…`) are never stored by a browser or a proxy
/// (`Cache-Control: no-store`, unless the route set its own): many carry a token (a new meeting's
/// host token, a join's participant token, an API token, the media token). With an https public
/// URL, every answer also tells browsers to use https only (HSTS, a year).
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Whether to send `Strict-Transport-Security`: only when the service's public URL is https,
    /// since a browser that got it over plain http could not reach the service at all.
    let strictTransport: Bool

    init(strictTransport: Bool = false) {
        self.strictTransport = strictTransport
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers.append(contentsOf: securityHeaders)
        if strictTransport { response.headers[.strictTransportSecurity] = "max-age=31536000" }
        if response.headers[.cacheControl] == nil, Self.isAPI(request.uri.path) {
            response.headers[.cacheControl] = "no-store"
        }
        return response
    }

    static func isAPI(_ path: String) -> Bool {
        path.hasPrefix("/v1/") || path.hasPrefix("/auth/")
    }
}

/// Built once per process, not per answer: every command's answer carries them.
private let securityHeaders: HTTPFields = [
    .contentSecurityPolicy:
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' blob:; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    .xContentTypeOptions: "nosniff",
    HTTPField.Name("Referrer-Policy")!: "same-origin",
]
