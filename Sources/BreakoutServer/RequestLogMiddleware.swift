import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// One log line per request, tagged with its request id, so a request can be followed from the
/// balancer's access log to the node that answered it.
///
/// The id is the `X-Request-Id` header the balancer sets (deploy/nginx-breakout.conf.template keeps
/// a client's own id, else uses nginx's `$request_id`); without one, Hummingbird's own id. It goes
/// into `context.logger`'s metadata for everything logged while the request runs, and back to
/// the client in the response's `X-Request-Id`. Only the path is logged, never the query, which
/// may hold a live stream's `access_token`. Lines are at `info` (`LOG_LEVEL=notice` silences them),
/// except answers of 500 and above, at `error`.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    static var header: HTTPField.Name { HTTPField.Name("X-Request-Id")! }
    /// Longer or odd ids are replaced, so a client cannot fill the logs with anything it likes.
    static var maxLength: Int { 128 }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var context = context
        let id = Self.acceptable(request.headers[Self.header]) ?? context.id
        context.logger[metadataKey: "request_id"] = "\(id)"
        var metadata: Logger.Metadata = ["method": "\(request.method.rawValue)", "path": "\(request.uri.path)"]
        // At debug level a request that never ends still shows where it began.
        context.logger.debug("request started", metadata: metadata)
        do {
            var response = try await next(request, context)
            response.headers[Self.header] = id
            let level: Logger.Level = response.status.code >= 500 ? .error : .info
            // The line's fields are formatted only when it is written (`LOG_LEVEL=notice` and
            // above skip it, and its formatting was a percent of a command's CPU).
            if context.logger.logLevel <= level {
                metadata["status"] = "\(response.status.code)"
                metadata["duration_ms"] = "\(Self.milliseconds(since: start))"
                context.logger.log(level: level, "request", metadata: metadata)
            }
            return response
        } catch {
            // Errors that reach here are answered by Hummingbird itself (ProblemMiddleware maps ours).
            metadata["error"] = "\(String(reflecting: error))"
            metadata["duration_ms"] = "\(Self.milliseconds(since: start))"
            context.logger.error("request failed", metadata: metadata)
            throw error
        }
    }

    /// The client's or balancer's id when it is 1–128 visible ASCII characters.
    static func acceptable(_ value: String?) -> String? {
        guard let value, (1...maxLength).contains(value.utf8.count),
              value.utf8.allSatisfy({ (0x21...0x7E).contains($0) })
        else { return nil }
        return value
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> String {
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return String(format: "%.1f", ms)
    }
}
