import BreakoutServer
import Hummingbird
import HummingbirdTesting
import Testing

/// A path the router knows, asked with a method it does not answer, is 405 with `Allow`; an
/// unknown path stays 404. Router only: no request reaches the database.
@Suite("Method not allowed")
struct MethodNotAllowedTests {
    @Test("405 with Allow and a problem, for constant and parameter paths; 404 for unknown paths", arguments: [
        ("TRACE", "/healthz", "GET"),
        ("POST", "/openapi.yaml", "GET"),
        ("DELETE", "/v1/meetings/join", "POST"),
        ("GET", "/v1/meetings", "POST"),
        ("PATCH", "/v1/meetings/4f0c2a51-7d43-4a8e-9a35-2b7f6f7e1c11", "GET"),
        ("GET", "/v1/meetings/4f0c2a51-7d43-4a8e-9a35-2b7f6f7e1c11/breakout", "DELETE, POST"),
        ("POST", "/v1/meetings/4f0c2a51-7d43-4a8e-9a35-2b7f6f7e1c11/preassignments", "GET, PUT"),
        ("POST", "/nowhere", nil),
        ("DELETE", "/v1/meetings/4f0c2a51-7d43-4a8e-9a35-2b7f6f7e1c11/nowhere", nil),
    ] as [(String, String, String?)])
    func methodNotAllowed(method: String, path: String, allow: String?) async throws {
        let app = Application(router: OpenAPIDocumentTests.router())
        try await app.test(.router) { client in
            try await client.execute(uri: path, method: try #require(HTTPRequest.Method(method))) { response in
                let body = String(buffer: response.body)
                #expect(response.headers[.contentType] == "application/problem+json")
                if let allow {
                    #expect(response.status == .methodNotAllowed, "\(method) \(path): \(body)")
                    #expect(response.headers[.allow] == allow)
                    #expect(body.contains("\"code\":\"method_not_allowed\""))
                } else {
                    #expect(response.status == .notFound, "\(method) \(path): \(body)")
                    #expect(response.headers[.allow] == nil)
                }
            }
        }
    }
}
