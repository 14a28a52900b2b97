import BreakoutDomain
import BreakoutTestSupport
import Foundation
import Hummingbird
import NIOHTTP1
import Testing

/// What a fuzzer does not send: broken bytes, bodies and headers far above the limits, JSON nested
/// thousands deep, numbers beyond 64 bits, tokens used where they do not belong, and connections
/// that never send a request. Each is answered 4xx or closed by the node, changes nothing, and the
/// node keeps serving others with bounded memory.
@Suite("Hostile input", .serialized)
struct HostileInputTests {
    /// A short idle time-out, so the slow-client test need not wait a minute.
    static let environment = ["BREAKOUT_IDLE_TIMEOUT_SECONDS": "2"]

    /// A meeting with a breakout of two rooms and one participant, made over HTTP on `node`.
    struct Scene {
        var meetingId: String
        var hostToken: String
        var hostId: String
        var participantId: String
        var participantToken: String
        var path: String { "/v1/meetings/\(meetingId)" }
    }

    static func scene(on node: NodeProcess) async throws -> Scene {
        let meeting = try await TestMeeting.create(on: node, title: "Hostile")
        let ada = try await meeting.join("Ada", on: node)
        #expect(try await node.post("\(meeting.path)/breakout", token: meeting.hostToken, ["roomCount": 2, "mode": "manual"]).status == .created)
        return Scene(
            meetingId: meeting.id, hostToken: meeting.hostToken, hostId: meeting.hostId, participantId: ada.id, participantToken: ada.token)
    }

    static func head(
        _ method: String, _ path: String, token: String? = nil, _ headers: [String] = [], length: Int? = nil,
        contentType: String = "application/json"
    ) -> String {
        var lines = ["\(method) \(path) HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
        if let token { lines.append("Authorization: Bearer \(token)") }
        if let length { lines += ["Content-Type: \(contentType)", "Content-Length: \(length)"] }
        lines += headers
        return lines.joined(separator: "\r\n") + "\r\n\r\n"
    }

    @Test("broken UTF-8, a 10 MB body, JSON nested 10,000 deep, numbers beyond 2^63 and a 1 MB Last-Event-ID: 4xx or closed, nothing changed, memory bounded")
    func hostileBytes() async throws {
        // The default idle time-out: a short one would close the client's kept-alive connection
        // to the node while the large bodies go up, and the next check would race it.
        let node = try await NodeProcess.start("hostile-bytes")
        defer { node.stop() }
        let scene = try await Self.scene(on: node)
        let before = try await node.request(.GET, scene.path, token: scene.hostToken).json
        let residentBefore = try #require(ProcessFigures.residentKilobytes(of: node.process.pid))

        let broken: [UInt8] = [0xFF, 0xFE, 0xC3, 0x28]
        func jsonBody(_ prefix: String, _ middle: [UInt8], _ suffix: String) -> [UInt8] { Array(prefix.utf8) + middle + Array(suffix.utf8) }
        let tenMegabytes = [UInt8](repeating: UInt8(ascii: "a"), count: 10 << 20)
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)

        struct Case {
            var name: String
            var head: String
            var body: [UInt8] = []
            /// nil: the node may also just close the connection.
            var expected: ClosedRange<Int>? = 400...499
        }
        let h = scene.hostToken
        let bodies: [(String, String, String, [UInt8])] = [
            ("broken UTF-8 in a title", "POST", "/v1/meetings", jsonBody("{\"title\": \"", broken, "\"}")),
            ("broken UTF-8 in a broadcast", "POST", "\(scene.path)/broadcasts", jsonBody("{\"message\": \"", broken, "\"}")),
            ("broken UTF-8 in a room name", "POST", "\(scene.path)/breakout/rooms", jsonBody("{\"name\": \"", broken, "\"}")),
            ("broken UTF-8 in a CSV", "PUT", "\(scene.path)/preassignments", jsonBody("Pre-assign Room Name,Email Address\r\nRoom ", broken, ",a@x.edu\r\n")),
            ("JSON nested 10,000 deep", "PATCH", "\(scene.path)/breakout/options", Array("{\"timerSeconds\": \(deep)}".utf8)),
            ("an integer beyond 2^63", "PATCH", "\(scene.path)/breakout/options", Array("{\"timerSeconds\": 9223372036854775808}".utf8)),
            ("an integer below -2^63", "PATCH", "\(scene.path)/breakout/options", Array("{\"timerSeconds\": -9223372036854775809}".utf8)),
            ("a number beyond a double", "PATCH", "\(scene.path)/breakout/options", Array("{\"closeCountdownSeconds\": 1e400}".utf8)),
            ("a room count of 2^64", "POST", "\(scene.path)/breakout/rooms", Array("{\"name\": 18446744073709551616}".utf8)),
        ]
        var cases = bodies.map { name, method, path, body in
            Case(name: name, head: Self.head(method, path, token: h, length: body.count,
                                              contentType: name.contains("CSV") ? "text/csv" : "application/json"),
                 body: body)
        }
        cases += [
            Case(name: "broken UTF-8 bytes in a token", head: "", body: Array("GET \(scene.path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ".utf8) + broken + Array("\r\n\r\n".utf8)),
            Case(name: "broken UTF-8 in an Idempotency-Key", head: "",
                 body: Array("POST \(scene.path)/broadcasts HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer \(h)\r\nContent-Type: application/json\r\nContent-Length: 17\r\nIdempotency-Key: ".utf8)
                    + broken + Array("\r\n\r\n{\"message\": \"hi\"}".utf8)),
            Case(name: "broken UTF-8 in the path", head: "", body: Array("GET /v1/meetings/".utf8) + broken + Array(" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)),
            Case(name: "a 10 MB body", head: Self.head("POST", "\(scene.path)/broadcasts", token: h, length: tenMegabytes.count), body: tenMegabytes, expected: nil),
            Case(name: "a 10 MB chunked body", head: Self.head("PUT", "\(scene.path)/preassignments", token: h, ["Content-Type: text/csv", "Transfer-Encoding: chunked"]),
                 body: Array("A00000\r\n".utf8) + tenMegabytes + Array("\r\n0\r\n\r\n".utf8), expected: nil),
            Case(name: "a 1 MB Last-Event-ID", head: Self.head("GET", "\(scene.path)/events", token: h, ["Last-Event-ID: " + String(repeating: "9", count: 1 << 20)]), expected: nil),
            Case(name: "a Last-Event-ID that is no id", head: Self.head("GET", "\(scene.path)/events", token: h, ["Last-Event-ID: 12abc"])),
            Case(name: "a Last-Event-ID beyond 2^63", head: Self.head("GET", "\(scene.path)/events", token: h, ["Last-Event-ID: 99999999999999999999"])),
        ]
        for c in cases {
            let status = try RawConnection.exchange(port: node.port, head: c.head, body: c.body)
            print("hostile input: \(c.name) → \(status.map(String.init) ?? "closed without an answer")")
            if let expected = c.expected {
                #expect(status.map(expected.contains) == true, "\(c.name): answered \(status.map(String.init) ?? "nothing")")
            } else {
                #expect(status.map { (400...499).contains($0) } ?? true, "\(c.name): answered \(status.map(String.init) ?? "nothing")")
            }
            #expect(try await node.request(.GET, "/readyz").status == .ok, "the node stopped serving after \(c.name)")
        }

        let after = try await node.request(.GET, scene.path, token: scene.hostToken).json
        #expect(after == before, "hostile requests changed the meeting")
        let residentAfter = try #require(ProcessFigures.residentKilobytes(of: node.process.pid))
        #expect(residentAfter - residentBefore < 64 * 1024, "resident memory grew from \(residentBefore) kB to \(residentAfter) kB")
    }

    @Test("2,000 connections that never finish a request head: the node keeps serving others, closes them after its idle time-out, memory bounded")
    func slowClients() async throws {
        let limit = ProcessFigures.raiseOpenFileLimit()
        let count = min(2_000, limit - 500)
        try #require(count >= 500, "the open-file limit (\(limit)) is too low for this test")
        let node = try await NodeProcess.start("hostile-slow", environment: Self.environment)
        defer { node.stop() }
        let pid = node.process.pid
        let residentBefore = try #require(ProcessFigures.residentKilobytes(of: pid))
        let descriptorsBefore = try #require(ProcessFigures.openDescriptors(of: pid))

        var idle: [RawConnection] = []
        for index in 0..<count {
            let connection = try RawConnection(port: node.port)
            // Half send nothing at all, half the start of a request head that never ends.
            if index.isMultiple(of: 2) { connection.send("GET /v1/meetings HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ") }
            idle.append(connection)
        }
        // Others are served meanwhile, and quickly. On a connection of its own: a pooled keep-alive
        // connection opened before would have passed the node's idle time-out (2 s) by now, and
        // reusing it races with the node closing it.
        let started = ContinuousClock.now
        let body = Array(#"{"title":"Served meanwhile"}"#.utf8)
        let created = try RawConnection.exchange(port: node.port, head: Self.head("POST", "/v1/meetings", length: body.count), body: body)
        #expect(created == 201, "answered \(created.map(String.init) ?? "nothing")")
        #expect(ContinuousClock.now - started < .seconds(2), "a request took \(ContinuousClock.now - started) beside \(count) idle connections")
        let residentLoaded = try #require(ProcessFigures.residentKilobytes(of: pid))
        #expect(residentLoaded - residentBefore < 100 * 1024, "\(count) idle connections took \(residentLoaded - residentBefore) kB")

        // Every one of them is closed by the node after its idle time-out (2 s here).
        var closedByNode = 0
        for connection in idle where connection.receive(timeout: .seconds(10)).closed { closedByNode += 1 }
        #expect(closedByNode == count, "the node closed \(closedByNode) of \(count) idle connections")
        idle.removeAll()
        var descriptors = Int.max
        try await eventually("the node to release the idle connections' descriptors", every: .milliseconds(200),
                             detail: { "it holds \(descriptors), \(descriptorsBefore) before" }) {
            descriptors = ProcessFigures.openDescriptors(of: pid) ?? .max
            return descriptors <= descriptorsBefore + 20
        }
        #expect(try await node.request(.GET, "/readyz").status == .ok)
    }

    @Test("a token of another meeting on every endpoint is 404, a participant on every manager endpoint 403, and nothing changes")
    func tokensOutOfPlace() async throws {
        let node = try await NodeProcess.start("hostile-tokens")
        defer { node.stop() }
        let scene = try await Self.scene(on: node)
        let other = try await Self.scene(on: node)
        let snapshot = try await node.request(.GET, scene.path, token: scene.hostToken).json
        let otherBefore = try await node.request(.GET, other.path, token: other.hostToken).json
        let roomId = try #require(snapshot["breakout"]?["rooms"]?.arrayValue?.first?["id"]?.stringValue)
        let requestId = UUID().uuidString
        let p = scene.participantId

        // Every endpoint under a meeting, with a body that would be accepted from the right caller.
        struct Endpoint {
            var method: HTTPMethod
            var path: String
            var body: JSONValue? = nil
            /// Whether a participant is refused (managers' and the host's endpoints).
            var managersOnly = true
        }
        let endpoints: [Endpoint] = [
            Endpoint(method: .GET, path: "", managersOnly: false),
            Endpoint(method: .GET, path: "/events", managersOnly: false),
            Endpoint(method: .DELETE, path: "/participants/\(scene.hostId)"),
            Endpoint(method: .PUT, path: "/participants/\(p)/role", body: ["role": "cohost"]),
            Endpoint(method: .PUT, path: "/participants/\(p)/mute", body: ["muted": true]),
            Endpoint(method: .POST, path: "/end"),
            Endpoint(method: .POST, path: "/breakout", body: ["roomCount": 2, "mode": "manual"]),
            Endpoint(method: .DELETE, path: "/breakout"),
            Endpoint(method: .PATCH, path: "/breakout/options", body: ["timerSeconds": 60]),
            Endpoint(method: .POST, path: "/breakout/rooms", body: ["name": "Extra"]),
            Endpoint(method: .PATCH, path: "/breakout/rooms/\(roomId)", body: ["name": "Renamed"]),
            Endpoint(method: .DELETE, path: "/breakout/rooms/\(roomId)"),
            Endpoint(method: .PUT, path: "/breakout/assignments/\(p)", body: ["roomId": .string(roomId)]),
            Endpoint(method: .POST, path: "/breakout/open"),
            Endpoint(method: .POST, path: "/breakout/close"),
            Endpoint(method: .POST, path: "/moves", body: ["roomId": .null], managersOnly: false),
            Endpoint(method: .POST, path: "/broadcasts", body: ["message": "hello"]),
            Endpoint(method: .POST, path: "/help-requests", managersOnly: false),
            Endpoint(method: .POST, path: "/help-requests/\(requestId)/take"),
            Endpoint(method: .POST, path: "/help-requests/\(requestId)/resolve"),
            Endpoint(method: .POST, path: "/unmute-all"),
            Endpoint(method: .PUT, path: "/preassignments", body: [["room": "A", "email": "a@x.edu"]]),
            Endpoint(method: .GET, path: "/preassignments"),
        ]
        for endpoint in endpoints {
            let path = scene.path + endpoint.path
            for foreign in [other.hostToken, other.participantToken] {
                let reply = try await node.request(endpoint.method, path, token: foreign, json: endpoint.body)
                #expect(reply.status == .notFound, "\(endpoint.method) \(endpoint.path) with another meeting's token: \(reply.status) \(reply.body)")
                #expect(reply.json["code"] == "meeting_not_found", "\(endpoint.method) \(endpoint.path): \(reply.body)")
            }
            if endpoint.managersOnly {
                let reply = try await node.request(endpoint.method, path, token: scene.participantToken, json: endpoint.body)
                #expect(reply.status == .forbidden, "\(endpoint.method) \(endpoint.path) by a participant: \(reply.status) \(reply.body)")
                #expect(["not_a_manager", "not_the_host"].contains(reply.json["code"]?.stringValue ?? ""), "\(endpoint.method) \(endpoint.path): \(reply.body)")
            }
        }
        let after = try await node.request(.GET, scene.path, token: scene.hostToken).json
        #expect(after == snapshot, "refused requests changed the meeting")
        #expect(try await node.request(.GET, other.path, token: other.hostToken).json == otherBefore, "the other meeting changed")
    }
}
