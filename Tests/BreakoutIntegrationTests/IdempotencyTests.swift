import BreakoutDomain
import BreakoutServer
import HTTPTypes
import BreakoutTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

/// `Idempotency-Key`: a retry — on another node, or at the same moment — answers what the first
/// attempt answered and applies nothing twice.
@Suite("Safe retries")
struct IdempotencyTests {
    func send(_ node: Node, _ method: HTTPRequest.Method, _ path: String, token: String?, key: String, json: JSONValue?) async throws -> Node.Reply {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        headers[HTTPField.Name("Idempotency-Key")!] = key
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(bytes: try JSONEncoder().encode(json))
        }
        return try await node.client.execute(uri: path, method: method, headers: headers, body: body) { response in
            let text = String(buffer: response.body)
            let value = (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .null
            return Node.Reply(status: response.status, json: value, contentType: response.headers[.contentType], body: text)
        }
    }

    @Test("a retry on another node returns the first answer and applies once; another body with the key is 422")
    func retryOnAnotherNode() async throws {
        try await withTwoNodes { a, b in
            let meeting = try await TestMeeting.create(on: a)
            _ = try await a.post("\(meeting.path)/breakout", token: meeting.hostToken, ["roomCount": 1, "mode": "manual"])
            let before = try await meeting.snapshot(on: a)
            let key = UUID().uuidString
            let first = try await send(a, .post, "\(meeting.path)/breakout/rooms", token: meeting.hostToken, key: key, json: ["name": "Lab"])
            let retry = try await send(b, .post, "\(meeting.path)/breakout/rooms", token: meeting.hostToken, key: key, json: ["name": "Lab"])
            #expect(first.status == .created)
            #expect(retry.status == .created)
            #expect(retry.json == first.json, "the retry answers exactly what the first attempt answered")
            let after = try await meeting.snapshot(on: b)
            #expect(after.rooms.count == before.rooms.count + 1)
            #expect(after["seq"]!.intValue! == before["seq"]!.intValue! + 1)

            let other = try await send(b, .post, "\(meeting.path)/breakout/rooms", token: meeting.hostToken, key: key, json: ["name": "Other"])
            #expect(other.status == .unprocessableContent)
            #expect(other.code == "idempotency_key_reused")
            #expect(try await meeting.snapshot(on: a) == after)
        }
    }

    @Test("the same key sent to two nodes at the same moment applies once")
    func concurrentDuplicates() async throws {
        try await withTwoNodes { a, b in
            let meeting = try await TestMeeting.create(on: a)
            let before = try await meeting.snapshot(on: a)
            for round in 0..<10 {
                let key = "join-\(round)-\(UUID().uuidString)"
                let body: JSONValue = ["code": .string(meeting.code), "displayName": .string("P\(round)")]
                async let viaA = send(a, .post, "/v1/meetings/join", token: nil, key: key, json: body)
                async let viaB = send(b, .post, "/v1/meetings/join", token: nil, key: key, json: body)
                let (ra, rb) = try await (viaA, viaB)
                #expect(ra.status == .created)
                #expect(rb.status == .created)
                #expect(ra.json == rb.json, "both answers carry the same participant and token")
            }
            let after = try await meeting.snapshot(on: b)
            #expect(after["participants"]!.arrayValue!.count == before["participants"]!.arrayValue!.count + 10)
        }
    }

    @Test("one key on two different requests at the same moment (joins to two meetings): one applies, the other is 422, never 409 or 5xx")
    func sameKeyOnDifferentRequestsAtOnce() async throws {
        try await withTwoNodes { a, b in
            let first = try await TestMeeting.create(on: a, title: "First")
            let second = try await TestMeeting.create(on: b, title: "Second")
            for round in 0..<10 {
                // Joins are anonymous, so both share one scope; no meeting lock orders them.
                let key = "shared-\(round)-\(UUID().uuidString)"
                async let intoFirst = send(a, .post, "/v1/meetings/join", token: nil, key: key,
                                           json: ["code": .string(first.code), "displayName": "Ada"])
                async let intoSecond = send(b, .post, "/v1/meetings/join", token: nil, key: key,
                                            json: ["code": .string(second.code), "displayName": "Ada"])
                let statuses = try await [intoFirst, intoSecond].map(\.status)
                #expect(statuses.filter { $0 == .created }.count == 1, "round \(round): \(statuses)")
                #expect(statuses.filter { $0 == .unprocessableContent }.count == 1, "round \(round): \(statuses)")
            }
        }
    }

    @Test("a refused request stores nothing: its retry is judged again")
    func refusalsAreNotStored() async throws {
        try await withNode { node in
            let meeting = try await TestMeeting.create(on: node)
            let key = UUID().uuidString
            let refused = try await send(node, .post, "\(meeting.path)/breakout/open", token: meeting.hostToken, key: key, json: nil)
            #expect(refused.code == "no_breakout")
            _ = try await node.post("\(meeting.path)/breakout", token: meeting.hostToken, ["roomCount": 1, "mode": "manual"])
            let retried = try await send(node, .post, "\(meeting.path)/breakout/open", token: meeting.hostToken, key: key, json: nil)
            #expect(retried.status == .ok, "\(retried.body)")
        }
    }
}

@Suite("Node registry")
struct NodeRegistryTests {
    static func row(_ nodeId: String) async throws -> (address: String, liveStreams: Int)? {
        try await TestDatabase.withClient { client in
            var found: (String, Int)?
            for try await row in try await client.query(
                "SELECT address, live_streams FROM breakout_nodes WHERE node_id = \(nodeId) AND alive"
            ).decode((String, Int).self) { found = row }
            return found
        }
    }

    @Test("a node records itself with a heartbeat and removes itself on graceful shutdown")
    func registersAndUnregisters() async throws {
        let nodeId = "registry-\(UUID().uuidString.prefix(8))"
        try await withNode(configuration: .init(port: 9999, nodeId: nodeId)) { _ in
            let row = try await poll("the node's row in the registry", every: .milliseconds(50)) { try await Self.row(nodeId) }
            #expect(row.address == "127.0.0.1:9999")
        }
        #expect(try await Self.row(nodeId) == nil)
    }
}
