import BreakoutServer
import BreakoutStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import Testing

/// The served OpenAPI document and the router describe the same set of routes.
@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    @Test("every registered route is documented, and every documented route is registered")
    func routesMatchDocument() async throws {
        // The router is built but no request touches the database, so the client is never run.
        let client = PostgresClient(
            configuration: .init(host: "127.0.0.1", username: "unused", password: nil, database: nil, tls: .disable),
            backgroundLogger: Logger(label: "unused"))
        let store = MeetingStore(client: client, logger: Logger(label: "test"))
        let router = BreakoutServer.buildRouter(store: store, hub: EventHub(store: store), configuration: .init(nodeId: "openapi"))
        let registered = Set(router.routes.map { route in
            let path = route.path.description.split(separator: "/").map { segment in
                segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
            }.joined(separator: "/")
            return "\(route.method.rawValue.lowercased()) /\(path)"
        })

        let app = Application(router: router)
        let text = try await app.test(.router) { client in
            try await client.execute(uri: "/openapi.yaml", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/yaml")
                return String(buffer: response.body)
            }
        }
        #expect(text.hasPrefix("openapi: 3.1"))
        var documented = Set<String>()
        var currentPath: String?
        var inPaths = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            guard inPaths else { continue }
            if !line.isEmpty, !line.hasPrefix(" ") { break }
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                currentPath = String(line.dropFirst(2).dropLast())
            } else if let path = currentPath, line.hasPrefix("    "), !line.hasPrefix("     "),
                      let method = ["get", "put", "post", "patch", "delete"].first(where: { line == "    \($0):" }) {
                documented.insert("\(method) \(path)")
            }
        }
        #expect(registered.subtracting(documented).isEmpty, "registered but not documented: \(registered.subtracting(documented))")
        #expect(documented.subtracting(registered).isEmpty, "documented but not registered: \(documented.subtracting(registered))")
        #expect(registered.count >= 25)
    }
}
