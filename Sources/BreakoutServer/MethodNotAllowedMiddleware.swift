import Hummingbird

/// Answers 405 with `Allow` (RFC 9110) where Hummingbird's router answers 404: the path is one of
/// the router's routes, only not with this method. Added to the router after every route, so it
/// wraps only the router's not-found responder; it owns no route and touches no state.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = BreakoutRequestContext
    /// The router's routes: each path and the methods it answers.
    let routes: [(path: RouterPath, methods: [HTTPRequest.Method])]

    init(routes: [Router<BreakoutRequestContext>.RouteDescription]) {
        var byPath: [String: (path: RouterPath, methods: [HTTPRequest.Method])] = [:]
        for route in routes {
            byPath[route.path.description, default: (route.path, [])].methods.append(route.method)
        }
        self.routes = byPath.values.sorted { $0.path.description < $1.path.description }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            guard let allowed = allowedMethods(path: request.uri.path), !allowed.contains(request.method) else { throw error }
            var response = try Problem(
                .methodNotAllowed, "\(request.method) is not allowed on \(request.uri.path); allowed: \(allowed.map(\.rawValue).joined(separator: ", ")).")
                .response(from: request, context: context)
            response.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
            return response
        }
    }

    /// The methods of the route the router would pick for `path` (a constant segment before a
    /// parameter, as its trie does), or nil when no route has this path.
    func allowedMethods(path: String) -> [HTTPRequest.Method]? {
        let segments = path.split(separator: "/")
        let matching = routes.filter { route in
            route.path.components.count == segments.count && zip(route.path.components, segments).allSatisfy { $0 ~= $1 }
        }
        let best = matching.max { a, b in
            // More specific: the first segment where they differ is a constant in `b`.
            for (x, y) in zip(a.path.components, b.path.components) where x != y {
                return Self.isConstant(y) && !Self.isConstant(x)
            }
            return false
        }
        return best.map { $0.methods.sorted { $0.rawValue < $1.rawValue } }
    }

    static func isConstant(_ element: RouterPath.Element) -> Bool { element == element.description }
}
