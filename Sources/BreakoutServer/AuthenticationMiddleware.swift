import BreakoutDomain
import BreakoutStore
import Foundation
import Hummingbird

/// Authentication for every route under `/v1/meetings/{meetingId}`, once per request: the meeting id
/// of the path and the bearer token become the context's `Caller`. The token itself is checked by
/// the store, inside the statement that locks the meeting (so a command needs no extra round trip).
/// A malformed meeting id is a 404, like an unknown one; a missing token is a 401. The live stream
/// also takes the token as `?access_token=`, since `EventSource` cannot set headers (never logged).
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = BreakoutRequestContext
    /// Whether the token may come as `?access_token=` (the live stream: `EventSource` cannot set headers).
    var acceptsQueryToken = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let meetingId = try Routes.id(context, "meetingId", .meetingNotFound)
        let queryToken = acceptsQueryToken ? request.uri.queryParameters.get("access_token") : nil
        guard let token = Routes.bearerToken(request) ?? queryToken, !token.isEmpty else { throw Problem.missingToken }
        var context = context
        context.caller = Caller(meetingId: meetingId, token: token, claim: context.idempotencyClaim)
        return try await next(request, context)
    }
}
