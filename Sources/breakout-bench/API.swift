import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One node of the service under test.
struct Node: Sendable {
    var index: Int
    var host: String
    var port: Int
    /// The node's process id, for memory and CPU figures (optional).
    var pid: Int32?
    var base: String { "http://\(host):\(port)" }
}

/// An answer that was not what the benchmark expected.
struct APIError: Error, CustomStringConvertible {
    var description: String
}

/// The benchmark's view of the public HTTP API: only what the scenarios need, decoded loosely so
/// that payload details the server may change do not matter.
struct API: Sendable {
    let http: HTTPClient
    let nodes: [Node]

    func node(_ index: Int) -> Node { nodes[index % nodes.count] }

    struct Reply: Sendable {
        var status: UInt
        var body: ByteBuffer
        var ok: Bool { (200..<300).contains(status) }
        var text: String { String(buffer: body) }
    }

    /// Sends one request and reads the whole answer.
    func send(
        _ method: HTTPMethod, _ path: String, on node: Node, token: String? = nil, json: Data? = nil,
        timeout: TimeAmount = .seconds(30)
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: node.base + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: json))
        }
        let response = try await http.execute(request, timeout: timeout)
        let body = try await response.body.collect(upTo: 32 << 20)
        return Reply(status: response.status.code, body: body)
    }

    func sendJSON(
        _ method: HTTPMethod, _ path: String, on node: Node, token: String? = nil, _ object: [String: any Sendable]? = nil
    ) async throws -> Reply {
        let data = try object.map { try JSONSerialization.data(withJSONObject: $0) }
        return try await send(method, path, on: node, token: token, json: data)
    }

    /// Decodes an expected success or throws with the server's problem text.
    func expect<T: Decodable>(_ type: T.Type, _ reply: Reply, _ what: String) throws -> T {
        guard reply.ok else { throw APIError(description: "\(what): HTTP \(reply.status) \(reply.text.prefix(300))") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(reply.body.readableBytesView))
        } catch {
            throw APIError(description: "\(what): cannot read the answer (\(error)): \(reply.text.prefix(300))")
        }
    }

    // MARK: The calls the scenarios make

    struct Meeting: Sendable {
        var id: String
        var code: String
        var hostToken: String
        var path: String { "/v1/meetings/\(id)" }
    }

    struct Participant: Sendable {
        var id: String
        var token: String
        /// The node this participant's client talks to.
        var node: Int
    }

    private struct CreatedMeeting: Decodable {
        struct Inner: Decodable { var id: String; var code: String }
        var meeting: Inner
        var hostToken: String
    }

    private struct Joined: Decodable {
        var participantId: String
        var token: String
    }

    private struct BreakoutRooms: Decodable {
        struct Room: Decodable { var id: String }
        var rooms: [Room]
    }

    func createMeeting(title: String, on node: Node) async throws -> Meeting {
        let reply = try await sendJSON(.POST, "/v1/meetings", on: node, ["title": title])
        let created = try expect(CreatedMeeting.self, reply, "create meeting")
        return Meeting(id: created.meeting.id, code: created.meeting.code, hostToken: created.hostToken)
    }

    func join(_ meeting: Meeting, name: String, node: Int) async throws -> Participant {
        let reply = try await sendJSON(.POST, "/v1/meetings/join", on: self.node(node), ["code": meeting.code, "displayName": name])
        let joined = try expect(Joined.self, reply, "join")
        return Participant(id: joined.participantId, token: joined.token, node: node % nodes.count)
    }

    /// Creates the rooms; returns their ids in position order.
    func createBreakout(
        _ meeting: Meeting, roomCount: Int, mode: String, options: [String: any Sendable] = [:], on node: Node
    ) async throws -> [String] {
        var body: [String: any Sendable] = ["roomCount": roomCount, "mode": mode]
        if !options.isEmpty { body["options"] = options }
        let reply = try await sendJSON(.POST, "\(meeting.path)/breakout", on: node, token: meeting.hostToken, body)
        return try expect(BreakoutRooms.self, reply, "create rooms").rooms.map(\.id)
    }

    func open(_ meeting: Meeting, on node: Node) async throws -> Reply {
        try await send(.POST, "\(meeting.path)/breakout/open", on: node, token: meeting.hostToken)
    }

    func close(_ meeting: Meeting, on node: Node) async throws -> Reply {
        try await send(.POST, "\(meeting.path)/breakout/close", on: node, token: meeting.hostToken)
    }

    func move(_ meeting: Meeting, _ participant: Participant, to room: String?) async throws -> Reply {
        let body = room.map { "{\"roomId\":\"\($0)\"}" } ?? "{\"roomId\":null}"
        return try await send(.POST, "\(meeting.path)/moves", on: node(participant.node), token: participant.token, json: Data(body.utf8))
    }

    func broadcast(_ meeting: Meeting, message: String, on node: Node) async throws -> Reply {
        try await sendJSON(.POST, "\(meeting.path)/broadcasts", on: node, token: meeting.hostToken, ["message": message])
    }

    /// A meeting with `count` joined participants, spread round-robin over the nodes; joins run
    /// concurrently (setup, not timed).
    func meetingWithParticipants(_ count: Int, title: String, concurrency: Int = 48) async throws -> (Meeting, [Participant]) {
        let meeting = try await createMeeting(title: title, on: node(0))
        let participants = try await concurrentMap(Array(0..<count), concurrency: concurrency) { index in
            try await self.join(meeting, name: "P\(index)", node: index)
        }
        return (meeting, participants)
    }

    /// Waits until every node answers /readyz.
    func waitReady(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        for node in nodes {
            while true {
                if let reply = try? await send(.GET, "/readyz", on: node, timeout: .seconds(2)), reply.ok { break }
                guard ContinuousClock.now < deadline else { throw APIError(description: "node \(node.base) is not ready") }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }
}

/// Maps `items` with at most `concurrency` transforms in flight; keeps the order.
func concurrentMap<T: Sendable, R: Sendable>(
    _ items: [T], concurrency: Int, _ transform: @escaping @Sendable (T) async throws -> R
) async throws -> [R] {
    try await withThrowingTaskGroup(of: (Int, R).self) { group in
        var results = [R?](repeating: nil, count: items.count)
        var next = 0
        func addNext() {
            guard next < items.count else { return }
            let index = next, item = items[index]
            next += 1
            group.addTask { (index, try await transform(item)) }
        }
        for _ in 0..<min(concurrency, items.count) { addNext() }
        while let (index, result) = try await group.next() {
            results[index] = result
            addNext()
        }
        return results.map { $0! }
    }
}
