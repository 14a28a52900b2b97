import AsyncHTTPClient
import BreakoutDomain
import Foundation
import NIOHTTP1
import Testing

/// The balancer configuration of deploy/ (nginx-breakout.conf.template), run by real nginx in front
/// of stand-in nodes: it never sends a write twice unless the write carries an Idempotency-Key, it
/// passes writes on when a node refuses the connection, and it tags requests with an id.
@Suite("Balancer rules (nginx)", .serialized, .enabled(if: NginxProcess.shouldRun, "nginx is not installed (scripts/test installs it as root)"))
struct BalancerTests {
    static let writes: [HTTPMethod] = [.POST, .PUT, .PATCH, .DELETE]

    /// Sends one request and returns its status and how many requests each upstream received for it.
    static func send(
        _ method: HTTPMethod, key: String?, through nginx: NginxProcess, upstreams: [FakeUpstream]
    ) async throws -> (status: HTTPResponseStatus, received: [Int], reply: EndpointReply) {
        let before = upstreams.map(\.received.count)
        var headers: [(String, String)] = []
        if let key { headers.append(("Idempotency-Key", key)) }
        let reply = try await nginx.request(method, "/v1/meetings/m/moves", json: method == .GET ? nil : ["roomId": nil], headers: headers)
        return (reply.status, zip(upstreams.map(\.received.count), before).map { $0 - $1 }, reply)
    }

    @Test("a write without an Idempotency-Key that reached a node is never sent to another; keyed writes and reads are")
    func sentWritesAreNotRepeated() async throws {
        let dropper = try FakeUpstream("dropper", .dropAfterReading)
        let answerer = try FakeUpstream("answerer", .answer)
        defer { dropper.close(); answerer.close() }
        // max_fails=0 keeps nginx alternating between the two, so half the requests meet the dropper first.
        let nginx = try await NginxProcess.start(upstreamPorts: [dropper.port, answerer.port], serverParameters: "max_fails=0")
        defer { nginx.stop() }
        for method in Self.writes {
            var failedAfterSending = 0
            for _ in 0..<4 {
                let (status, received, reply) = try await Self.send(method, key: nil, through: nginx, upstreams: [dropper, answerer])
                #expect(received.reduce(0, +) == 1, "\(method) without a key went to \(received) nodes")
                if received[0] == 1 {
                    #expect(status == .badGateway, "\(method): the dropper's failure is answered as it is")
                    // In the API's error format, like the nodes' own errors.
                    #expect(reply.headers.first(name: "Content-Type") == "application/problem+json")
                    #expect(reply.json["code"] == "node_unavailable")
                    #expect(reply.json["requestId"]?.stringValue == reply.headers.first(name: "X-Request-Id"))
                    failedAfterSending += 1
                } else {
                    #expect(status == .ok)
                }
            }
            #expect(failedAfterSending > 0, "\(method): no request met the dropper first")
            var retried = 0
            for attempt in 0..<4 {
                let (status, received, _) = try await Self.send(method, key: "key-\(method)-\(attempt)", through: nginx, upstreams: [dropper, answerer])
                #expect(status == .ok, "\(method) with a key is sent on to the next node")
                #expect(received[1] == 1)
                if received[0] == 1 { retried += 1 }
            }
            #expect(retried > 0, "\(method): no keyed request met the dropper first")
        }
        for _ in 0..<4 {
            let (status, received, _) = try await Self.send(.GET, key: nil, through: nginx, upstreams: [dropper, answerer])
            #expect(status == .ok)
            #expect(received[1] == 1)
        }
    }

    @Test("a write without a key goes to another node when the first refuses the connection (it was never sent)")
    func refusedWritesAreSentElsewhere() async throws {
        let answerer = try FakeUpstream("answerer", .answer)
        defer { answerer.close() }
        let closedPort = try NodeProcess.freePort()
        let nginx = try await NginxProcess.start(upstreamPorts: [closedPort, answerer.port], serverParameters: "max_fails=0")
        defer { nginx.stop() }
        for method in Self.writes {
            for _ in 0..<4 {
                let (status, received, _) = try await Self.send(method, key: nil, through: nginx, upstreams: [answerer])
                #expect(status == .ok, "\(method) refused by one node is answered by the other")
                #expect(received == [1])
            }
        }
        // The resend goes through a named location, so nginx separates the two tries with " : ".
        let log = try await nginx.accessLog { $0.contains("upstream_status=502 : 200") }
        #expect(log.contains("upstream_status=502 : 200"), "some requests met the closed port first")
    }

    @Test("every request reaches the node with an X-Request-Id (the client's own is kept) and the client gets it back")
    func requestIds() async throws {
        let answerer = try FakeUpstream("answerer", .answer)
        defer { answerer.close() }
        let nginx = try await NginxProcess.start(upstreamPorts: [answerer.port])
        defer { nginx.stop() }
        let generated = try await nginx.request(.GET, "/healthz")
        let id = try #require(generated.headers.first(name: "X-Request-Id"))
        #expect(id.count == 32)
        #expect(answerer.received.last?.lowercased().contains("x-request-id: \(id)") == true)
        let own = try await nginx.request(.POST, "/v1/meetings", json: [:], headers: [("X-Request-Id", "client-chosen-1")])
        #expect(own.headers[canonicalForm: "X-Request-Id"] == ["client-chosen-1"])
        #expect(answerer.received.last?.contains("client-chosen-1") == true)
        #expect(try await nginx.accessLog { $0.contains("id=client-chosen-1") }.contains("id=client-chosen-1"))
    }

    @Test("the balancer serves no /metrics (operators scrape each node) and names no nginx version")
    func noMetricsNoVersion() async throws {
        let answerer = try FakeUpstream("answerer", .answer)
        defer { answerer.close() }
        let nginx = try await NginxProcess.start(upstreamPorts: [answerer.port])
        defer { nginx.stop() }
        let received = answerer.received.count
        let metrics = try await nginx.request(.GET, "/metrics")
        #expect(metrics.status == .notFound)
        #expect(metrics.json["code"] == "not_found")
        #expect(metrics.headers.first(name: "Content-Type") == "application/problem+json")
        #expect(answerer.received.count == received, "the request never reached a node")
        let server = metrics.headers.first(name: "Server") ?? ""
        #expect(!server.contains("/"), "Server: \(server)")
    }

    @Test("a flood of joins from one address is answered 429 rate_limited past its burst, and no other address is held back")
    func joinFlood() async throws {
        let answerer = try FakeUpstream("answerer", .answer)
        defer { answerer.close() }
        let nginx = try await NginxProcess.start(upstreamPorts: [answerer.port])
        defer { nginx.stop() }
        // 1008 joins from 127.0.0.2, 16 at a time: the template allows 300 at once and 20 a second.
        let port = nginx.port
        let heads = Shared<[String]>([])
        await onThreads(16) { sender in
            for index in 0..<63 {
                guard let connection = try? RawConnection(port: port, from: "127.0.0.2") else { continue }
                connection.send("POST /v1/meetings/join HTTP/1.1\r\nHost: breakout\r\nContent-Type: application/json\r\n"
                    + "Idempotency-Key: flood-\(sender)-\(index)\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
                let head = String(decoding: connection.receive(timeout: .seconds(10)).bytes, as: UTF8.self)
                heads.update { $0.append(head) }
            }
        }
        let answers = heads.value
        let refused = answers.filter { $0.hasPrefix("HTTP/1.1 429") }
        #expect(answers.count == 1008 && refused.count >= 1008 - 300 - 400, "\(refused.count) of \(answers.count) refused")
        #expect(refused.allSatisfy { $0.contains("\"code\":\"rate_limited\"") && $0.contains("Retry-After: 1") })
        #expect(answers.allSatisfy { $0.hasPrefix("HTTP/1.1 429") || $0.hasPrefix("HTTP/1.1 200") || $0.hasPrefix("HTTP/1.1 201") },
                "\(Set(answers.map { $0.prefix(12) }))")
        // Another address has a budget of its own.
        let other = try RawConnection(port: port, from: "127.0.0.3")
        other.send("POST /v1/meetings/join HTTP/1.1\r\nHost: breakout\r\nContent-Type: application/json\r\n"
            + "Idempotency-Key: other-address\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
        let head = String(decoding: other.receive(timeout: .seconds(10)).bytes, as: UTF8.self)
        #expect(head.hasPrefix("HTTP/1.1 200"), "\(head.prefix(80))")
    }

    @Test("the access log never holds a query string (live streams carry their token there)")
    func noTokensInTheLog() async throws {
        let answerer = try FakeUpstream("answerer", .answer)
        defer { answerer.close() }
        let nginx = try await NginxProcess.start(upstreamPorts: [answerer.port])
        defer { nginx.stop() }
        _ = try await nginx.request(.GET, "/v1/meetings/m/events?access_token=secret-token")
        let log = try await nginx.accessLog { $0.contains("/v1/meetings/m/events") }
        #expect(log.contains("/v1/meetings/m/events"))
        #expect(!log.contains("secret-token"))
    }
}
