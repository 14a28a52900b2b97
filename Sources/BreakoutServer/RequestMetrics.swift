import Foundation
import Hummingbird
import Prometheus

/// Counts requests and their durations by route template, method and status into the node's
/// Prometheus registry, served at `/metrics`. (Hummingbird's own MetricsMiddleware reports to the
/// process-global MetricsSystem; this one writes to the registry it is given, so several
/// applications in one test process keep separate figures.)
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let registry: PrometheusCollectorRegistry
    static var buckets: [Duration] {
        [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
         .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5)]
    }

    static var requests: MetricNameDescriptor {
        .init(namespace: "breakout", metricName: "http_requests", unitName: "total", helpText: "HTTP requests answered.")
    }
    static var duration: MetricNameDescriptor {
        .init(namespace: "breakout", metricName: "http_request_duration", unitName: "seconds", helpText: "Time to answer.")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let route = context.endpointPath ?? "unmatched"
        let labels = [("route", route), ("method", request.method.rawValue), ("status", String(response.status.code))]
        registry.makeCounter(descriptor: Self.requests, labels: labels).increment()
        registry.makeDurationHistogram(
            descriptor: Self.duration, labels: [("route", route), ("method", request.method.rawValue)], buckets: Self.buckets
        ).record(ContinuousClock.now - start)
        return response
    }
}

extension BreakoutServer {
    /// `GET /metrics`: the registry in Prometheus' text format.
    static func metricsResponse(_ registry: PrometheusCollectorRegistry) -> Response {
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
