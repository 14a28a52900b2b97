import BreakoutServer
import BreakoutStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import Testing
import Yams

/// Hummingbird has a `Node` of its own.
typealias YAMLNode = Yams.Node

/// `openapi.yaml` is what the server serves, byte for byte; it is a well-formed OpenAPI 3.x
/// document (read with a YAML parser, not by lines); and its operations and the router's routes
/// are the same set.
@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    static let file = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/BreakoutServer/openapi.yaml")

    static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// The router of a node with campus sign-in (which adds `/auth/*`). It is built but no request
    /// touches the database or the provider, so neither is run.
    static func router() -> Router<BreakoutRequestContext> {
        let client = PostgresClient(
            configuration: .init(host: "127.0.0.1", username: "unused", password: nil, database: nil, tls: .disable),
            backgroundLogger: Logger(label: "unused"))
        let store = MeetingStore(client: client, logger: Logger(label: "test"))
        let signIn = SignInConfiguration(
            issuer: "https://idp.example", clientId: "breakout", clientSecret: nil, publicURL: "https://breakout.example",
            tokenSecret: String(repeating: "s", count: 32))
        return BreakoutServer.buildRouter(
            store: store, hub: EventHub(store: store), configuration: .init(nodeId: "openapi", signIn: signIn))
    }

    static func document() throws -> YAMLNode {
        let text = try String(contentsOf: file, encoding: .utf8)
        return try #require(try Yams.compose(yaml: text), "openapi.yaml is empty")
    }

    /// Every operation of the document: (method, path, operation).
    static func operations(_ document: YAMLNode) throws -> [(method: String, path: String, operation: YAMLNode)] {
        let paths = try #require(document["paths"]?.mapping, "no paths")
        return paths.flatMap { path, item in
            (item.mapping ?? [:]).compactMap { key, operation in
                guard let method = key.string, methods.contains(method), let path = path.string else { return nil }
                return (method, path, operation)
            }
        }
    }

    @Test("the server serves openapi.yaml byte for byte, as YAML")
    func servedIsTheFile() async throws {
        let file = try Data(contentsOf: Self.file)
        let app = Application(router: Self.router())
        let served = try await app.test(.router) { client in
            try await client.execute(uri: "/openapi.yaml", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/yaml")
                return Data(response.body.readableBytesView)
            }
        }
        #expect(!file.isEmpty)
        #expect(served == file, "rebuild: the executable carries another openapi.yaml than the source tree")
    }

    @Test("it parses as OpenAPI 3.x with no duplicate keys")
    func wellFormed() throws {
        let document = try Self.document()
        let version = try #require(document["openapi"]?.string)
        #expect(version.hasPrefix("3."), "openapi is \(version)")
        #expect(document["info"]?["title"]?.string?.isEmpty == false)
        #expect(document["info"]?["version"]?.string?.isEmpty == false)
        var duplicates: [String] = []
        Self.walk(document, at: "#") { node, pointer in
            guard let mapping = node.mapping else { return }
            var seen = Set<YAMLNode>()
            for key in mapping.keys where !seen.insert(key).inserted {
                duplicates.append("\(pointer)/\(key.string ?? "?")")
            }
        }
        #expect(duplicates.isEmpty, "keys given twice: \(duplicates)")
    }

    @Test("every $ref points at something in the document")
    func referencesResolve() throws {
        let document = try Self.document()
        var references: [(from: String, to: String)] = []
        Self.walk(document, at: "#") { node, pointer in
            if let reference = node.mapping?["$ref"]?.string { references.append((pointer, reference)) }
        }
        #expect(references.count > 50, "the document is expected to share its schemas")
        for reference in references {
            #expect(Self.resolve(reference.to, in: document) != nil, "\(reference.from): $ref \(reference.to) does not resolve")
        }
    }

    @Test("every tag an operation uses is declared, and every operationId is unique")
    func tagsAndOperationIds() throws {
        let document = try Self.document()
        let declared = (document["tags"]?.sequence ?? []).compactMap { $0["name"]?.string }
        #expect(Set(declared).count == declared.count, "a tag is declared twice: \(declared)")
        var ids: [String: [String]] = [:]
        for (method, path, operation) in try Self.operations(document) {
            let tags = (operation["tags"]?.sequence ?? []).compactMap(\.string)
            #expect(!tags.isEmpty, "\(method) \(path) has no tag")
            for tag in tags {
                #expect(declared.contains(tag), "\(method) \(path) uses the undeclared tag \(tag)")
            }
            let id = operation["operationId"]?.string
            #expect(id != nil, "\(method) \(path) has no operationId")
            if let id { ids[id, default: []].append("\(method) \(path)") }
        }
        #expect(ids.filter { $0.value.count > 1 }.isEmpty, "operationIds used twice: \(ids.filter { $0.value.count > 1 })")
    }

    @Test("every path parameter is declared, and every declared path parameter is in the path")
    func pathParameters() throws {
        let document = try Self.document()
        let paths = try #require(document["paths"]?.mapping)
        for (key, item) in paths {
            let path = try #require(key.string)
            let inPath = Set(path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) })
            func declared(_ node: YAMLNode?) -> Set<String> {
                Set((node?.sequence ?? []).compactMap { parameter -> String? in
                    let parameter = parameter["$ref"]?.string.flatMap { Self.resolve($0, in: document) } ?? parameter
                    return parameter["in"]?.string == "path" ? parameter["name"]?.string : nil
                })
            }
            let common = declared(item["parameters"])
            for method in Self.methods {
                guard let operation = item[method] else { continue }
                let all = common.union(declared(operation["parameters"]))
                #expect(all == inPath, "\(method) \(path) declares path parameters \(all.sorted()), the path has \(inPath.sorted())")
            }
        }
    }

    @Test("every route the router registers is described, and every described operation is registered")
    func routesMatchDocument() throws {
        let registered = Set(Self.router().routes.map { route in
            let path = route.path.description.split(separator: "/").map { segment in
                segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
            }.joined(separator: "/")
            return "\(route.method.rawValue.lowercased()) /\(path)"
        })
        let documented = Set(try Self.operations(try Self.document()).map { "\($0.method) \($0.path)" })
        #expect(registered.subtracting(documented).isEmpty, "registered but not described: \(registered.subtracting(documented).sorted())")
        #expect(documented.subtracting(registered).isEmpty, "described but not registered: \(documented.subtracting(registered).sorted())")
        #expect(registered.count >= 28)
    }

    // MARK: Walking the YAML tree

    /// Calls `visit` on every node under `node`, with its JSON pointer.
    static func walk(_ node: YAMLNode, at pointer: String, _ visit: (YAMLNode, String) -> Void) {
        visit(node, pointer)
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping { walk(value, at: "\(pointer)/\(escape(key.string ?? "?"))", visit) }
        case .sequence(let sequence):
            for (index, value) in sequence.enumerated() { walk(value, at: "\(pointer)/\(index)", visit) }
        case .scalar, .alias:
            break
        }
    }

    /// The node a local reference (`#/components/schemas/Meeting`) points at (RFC 6901), or nil.
    static func resolve(_ reference: String, in document: YAMLNode) -> YAMLNode? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: YAMLNode? = document
        for token in reference.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            switch node {
            case .mapping(let mapping)?: node = mapping[key]
            case .sequence(let sequence)?: node = Int(key).flatMap { sequence.indices.contains($0) ? sequence[$0] : nil }
            default: return nil
            }
        }
        return node
    }

    static func escape(_ key: String) -> String {
        key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}
