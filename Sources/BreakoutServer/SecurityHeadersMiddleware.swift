import HTTPTypes
import Hummingbird

/// Headers every answer carries so that browsers hold the web app to its own origin:
/// no inline script or plugin, no framing (the console cannot be put in another site's frame),
/// no type sniffing, and no full URL sent to other sites (a meeting's page is no one else's).
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers.append(contentsOf: securityHeaders)
        return response
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
