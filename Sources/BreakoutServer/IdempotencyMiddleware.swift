import BreakoutDomain
import BreakoutStore
import Foundation
import HTTPTypes
import Hummingbird

/// Honours `Idempotency-Key` on POST, PUT, PATCH and DELETE: the request's context carries an
/// `Idempotency.Claim`, and the store claims the key in the command's own transaction (see
/// `Idempotency`). A retry with the same key — on any node — answers what the first attempt
/// answered and applies nothing twice; the same key with another body is 422.
struct IdempotencyMiddleware: RouterMiddleware {
    typealias Context = BreakoutRequestContext
    static var header: HTTPField.Name { HTTPField.Name("Idempotency-Key")! }
    static var unsafeMethods: Set<HTTPRequest.Method> { [.post, .put, .patch, .delete] }
    /// The session cookie's name with campus sign-in (nil in open mode).
    let sessionCookie: String?

    init(sessionCookie: String? = nil) {
        self.sessionCookie = sessionCookie
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Self.unsafeMethods.contains(request.method), let key = request.headers[Self.header] else {
            return try await next(request, context)
        }
        // Printable ASCII only (a UUID is the usual key): anything else, broken UTF-8 included, is
        // refused rather than stored in a form the client could not send again.
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw Problem.invalid("Idempotency-Key", "must be 1–255 printable ASCII characters, such as a UUID")
        }
        // The body is part of the request's identity; read it once and hand it on.
        var request = request
        let body = try await request.collectBody(upTo: Routes.maxUploadBytes)
        // The caller's credential scopes the key: its token, or the session cookie of a person
        // signed in, so that two people's keys never meet.
        let credential = Routes.bearerToken(request) ?? sessionCookie.flatMap { request.cookies[$0]?.value }
        let claim = Idempotency.Claim(
            token: credential, key: key, method: request.method.rawValue, path: request.uri.path,
            body: Self.canonical(Array(body.readableBytesView)))
        var context = context
        context.idempotencyClaim = claim
        return try await next(request, context)
    }

    /// JSON bodies are compared by content, not by key order or spacing; anything else byte for byte.
    static func canonical(_ bytes: [UInt8]) -> [UInt8] {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)),
              let encoded = try? JSONEncoder.sortedKeys.encode(value)
        else { return bytes }
        return Array(encoded)
    }
}
