import BreakoutDomain
import BreakoutTestSupport
import Foundation
import HummingbirdWSClient
import Logging
import NIOWebSocket
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// The one door to the media, tried as an outsider would: real `breakoutd serve` processes with a
/// real Janus, a client of the node's signalling WebSocket written here, and Janus's own API looked
/// at with the operator's secret. Janus answers nobody else; the node joins only the caller's
/// current room, under the caller's own id, and refuses every request that is not in the protocol;
/// a move, a removal or a newer join takes the feed out of its room within a second.
///
/// Nested in `MediaTests`, whose `.serialized` covers these too: each test starts a Janus and
/// nodes of its own, and two media suites running side by side at the start of a whole run, beside
/// every other suite, were more than two cores could carry in time.
extension MediaTests {
    @Suite("Media signalling")
    struct Signalling {
        @Test("Janus answers no request without the nodes' secret, and the balancer has no way to it",
              .enabled(if: JanusProcess.shouldRun && NginxProcess.shouldRun, "janus or nginx not installed"))
        func janusIsClosed() async throws {
            try await MediaTests.withMedia(nodes: 1) { world in
                do {
                    _ = try await world.janus.outsider.send("", ["janus": "create"])
                    Issue.record("Janus made a session for a request without the secret")
                } catch let failure as JanusAPI.Failure {
                    #expect(failure.code == 403, "\(failure)")
                }
                let nginx = try await NginxProcess.start(upstreamPorts: world.nodes.map(\.port))
                defer { nginx.stop() }
                for path in ["/janus", "/janus/info", "/janus/12345"] {
                    let reply = try await nginx.request(.GET, path)
                    #expect(reply.status == .notFound, "\(path) through the balancer: \(reply.status) \(reply.body.prefix(200))")
                }
                let created = try await nginx.request(.POST, "/janus", json: ["janus": "create", "transaction": "x"])
                #expect(created.status == .notFound || created.status == .methodNotAllowed, "POST /janus: \(created.status)")
                // The signalling's way through the balancer, after requests that filled its keep-alive
                // pool (a node takes an upgrade only as a connection's first request).
                let meeting = try await TestMeeting.create(on: nginx, title: "Through the balancer")
                let person = try await meeting.join("Ada", on: nginx)
                for _ in 0..<3 { _ = try await nginx.request(.GET, "\(meeting.path)/media", token: person.token) }
                let signal = try await SignalClient.connect(port: nginx.port, meeting, token: person.token)
                defer { signal.close() }
                let joined = try await signal.join()
                #expect(joined["room"]?.stringValue == "main-" + meeting.id.lowercased(), "\(joined)")
            }
        }

        @Test("join: the node joins the caller's own room under the caller's id; whatever else a client asks is refused",
              .enabled(if: JanusProcess.shouldRun, "janus not installed"))
        func joinAndRefusals() async throws {
            try await MediaTests.withMedia(nodes: 1) { world in
                let node = world.nodes[0]
                let open = try await MediaTests.openMeeting(on: world.nodes, api: world.api)
                let person = open.people[0]
                let room = try #require(try await MediaTests.location(of: person.id, open, on: node)).lowercased()
                let signal = try await SignalClient.connect(node, open.meeting, token: person.token)
                defer { signal.close() }
                let joined = try await signal.join()
                #expect(joined["type"]?.stringValue == "joined", "\(joined)")
                #expect(joined["room"]?.stringValue == MediaTests.OpenMeeting.mediaRoom(room))
                #expect(joined["feedId"]?.stringValue == person.id.lowercased())
                #expect(try await world.api.participants(in: MediaTests.OpenMeeting.mediaRoom(room)).contains(person.id.lowercased()))

                let other = try #require(open.roomIds.first { $0.lowercased() != room })
                let refused: [(String, JSONValue, String)] = [
                    ("record", ["type": "record", "filename": "/tmp/x"], "signal_refused"),
                    ("rtp_forward", ["type": "rtp_forward", "host": "127.0.0.1", "port": 5000], "signal_refused"),
                    ("listparticipants", ["type": "listparticipants"], "signal_refused"),
                    ("a Janus request", ["janus": "message", "body": ["request": "record"]], "malformed_signal"),
                    ("another plugin", ["type": "attach", "plugin": "janus.plugin.streaming"], "signal_refused"),
                    ("another room", ["type": "join", "room": .string(MediaTests.OpenMeeting.mediaRoom(other))], "malformed_signal"),
                    ("another id", ["type": "join", "feedId": .string(UUID().uuidString)], "malformed_signal"),
                    ("a feed nobody publishes", ["type": "subscribe", "feed": .string(UUID().uuidString)], "no_such_feed"),
                    ("a roommate who publishes nothing", ["type": "subscribe", "feed": .string(open.people[1].id)], "no_such_feed"),
                    ("an answer for no subscription", ["type": "answer", "feed": .string(UUID().uuidString), "sdp": "v=0"], "not_subscribed"),
                    ("not JSON", .string("record please"), "malformed_signal"),
                ]
                for (name, request, code) in refused {
                    let answer = try await signal.call(request)
                    #expect(answer["type"]?.stringValue == "error" && answer["code"]?.stringValue == code, "\(name): \(answer)")
                }
                // Nothing of that reached Janus: the feed is still the caller's own, alone under its id.
                let participants = try await world.api.participants(in: MediaTests.OpenMeeting.mediaRoom(room))
                #expect(participants.contains(person.id.lowercased()))
                #expect(try await world.api.participants(in: MediaTests.OpenMeeting.mediaRoom(other)).isEmpty)
            }
        }

        @Test("a client that floods the signalling is closed (1008); the node goes on serving the others",
              .enabled(if: JanusProcess.shouldRun, "janus not installed"))
        func floodIsClosed() async throws {
            try await MediaTests.withMedia(nodes: 1) { world in
                let open = try await MediaTests.openMeeting(on: world.nodes, api: world.api)
                let flooder = try await SignalClient.connect(world.nodes[0], open.meeting, token: open.people[0].token)
                defer { flooder.close() }
                for _ in 0..<2000 { try? await flooder.send(["type": "join"]) }
                #expect(try await flooder.closed() == 1008)
                let other = try await SignalClient.connect(world.nodes[0], open.meeting, token: open.people[1].token)
                defer { other.close() }
                #expect(try await other.join()["type"]?.stringValue == "joined")
            }
        }

        @Test("a second connection of the same person replaces the first: one feed under that id, the first told and closed",
              .enabled(if: JanusProcess.shouldRun, "janus not installed"))
        func secondJoinReplaces() async throws {
            try await MediaTests.withMedia(nodes: 2) { world in
                let open = try await MediaTests.openMeeting(on: world.nodes, api: world.api)
                let person = open.people[0]
                let room = MediaTests.OpenMeeting.mediaRoom(try #require(try await MediaTests.location(of: person.id, open, on: world.nodes[0])))
                // Two tabs on two nodes, then two on the same node.
                let first = try await SignalClient.connect(world.nodes[0], open.meeting, token: person.token)
                defer { first.close() }
                #expect(try await first.join()["type"]?.stringValue == "joined")
                let second = try await SignalClient.connect(world.nodes[1], open.meeting, token: person.token)
                defer { second.close() }
                #expect(try await second.join()["type"]?.stringValue == "joined")
                let left = try await first.next { $0["type"]?.stringValue == "left" }
                #expect(left["reason"]?.stringValue == "replaced")
                #expect(try await first.closed() == 4409)
                #expect(try await world.api.participants(in: room.lowercased()).filter { $0 == person.id.lowercased() }.count == 1)
                let third = try await SignalClient.connect(world.nodes[1], open.meeting, token: person.token)
                defer { third.close() }
                _ = try await second.next { $0["type"]?.stringValue == "left" && $0["reason"]?.stringValue == "replaced" }
                #expect(try await third.join()["type"]?.stringValue == "joined")
            }
        }

        @Test("moved, removed, or the meeting ended: the feed leaves its room within 1 s, and the page is told (and let go)",
              .enabled(if: JanusProcess.shouldRun, "janus not installed"))
        func databaseChangesReachJanus() async throws {
            try await MediaTests.withMedia(nodes: 2) { world in
                let open = try await MediaTests.openMeeting(on: world.nodes, api: world.api)
                let (moved, removed) = (open.people[0], open.people[1])
                var clients: [String: SignalClient] = [:]
                for (index, person) in [moved, removed].enumerated() {
                    let client = try await SignalClient.connect(world.nodes[index], open.meeting, token: person.token)
                    #expect(try await client.join()["type"]?.stringValue == "joined")
                    clients[person.id] = client
                }
                defer { for client in clients.values { client.close() } }
                // The host, on the other node, moves one to another room.
                let from = try #require(try await MediaTests.location(of: moved.id, open, on: world.nodes[0])).lowercased()
                let to = try #require(open.roomIds.first { $0.lowercased() != from })
                let started = ContinuousClock.now
                let reply = try await world.nodes[1].request(.PUT, "\(open.meeting.path)/breakout/assignments/\(moved.id)",
                                                             token: open.meeting.hostToken, json: ["roomId": .string(to)])
                try #require(reply.status == .ok, "\(reply.body)")
                let left = try await clients[moved.id]!.next { $0["type"]?.stringValue == "left" }
                #expect(left["reason"]?.stringValue == "moved")
                try await eventually("the moved feed out of its old room", timeout: .seconds(3)) {
                    try await !world.api.participants(in: MediaTests.OpenMeeting.mediaRoom(from)).contains(moved.id.lowercased())
                }
                let took = ContinuousClock.now - started
                print("a moved feed left its old room \(took) after the move was sent")
                #expect(took < .seconds(1), "the old room's media stopped after \(took)")
                let rejoined = try await clients[moved.id]!.join()
                #expect(rejoined["room"]?.stringValue == MediaTests.OpenMeeting.mediaRoom(to.lowercased()), "\(rejoined)")

                // The host removes the other.
                let removedRoom = MediaTests.OpenMeeting.mediaRoom(try #require(try await MediaTests.location(of: removed.id, open, on: world.nodes[0])))
                let removing = ContinuousClock.now
                let gone = try await world.nodes[0].request(.DELETE, "\(open.meeting.path)/participants/\(removed.id)", token: open.meeting.hostToken)
                try #require(gone.status == .noContent || gone.status == .ok, "\(gone.status) \(gone.body)")
                let told = try await clients[removed.id]!.next { $0["type"]?.stringValue == "left" }
                #expect(told["reason"]?.stringValue == "removed")
                #expect(try await clients[removed.id]!.closed() == 4410)
                try await eventually("the removed feed out of its room", timeout: .seconds(3)) {
                    try await !world.api.participants(in: removedRoom.lowercased()).contains(removed.id.lowercased())
                }
                #expect(ContinuousClock.now - removing < .seconds(1), "the removed feed stayed \(ContinuousClock.now - removing)")

                // The host ends the meeting: the moved one, now in its new room, is let go too.
                let ended = try await world.nodes[0].post("\(open.meeting.path)/end", token: open.meeting.hostToken)
                try #require(ended.status == .ok || ended.status == .noContent, "\(ended.status) \(ended.body)")
                let over = try await clients[moved.id]!.next { $0["type"]?.stringValue == "left" }
                #expect(over["reason"]?.stringValue == "removed")
                #expect(try await clients[moved.id]!.closed() == 4410)
                try await eventually("the feed out of its room after the end (or the room gone)", timeout: .seconds(3)) {
                    await (try? world.api.participants(in: MediaTests.OpenMeeting.mediaRoom(to.lowercased())))?.contains(moved.id.lowercased()) != true
                }
            }
        }

        @Test("the audit kicks, within 2 s, a feed planted on Janus directly under a plausible id, and counts it",
              .enabled(if: JanusProcess.shouldRun, "janus not installed"))
        func auditKicksPlantedFeeds() async throws {
            try await MediaTests.withMedia(nodes: 2) { world in
                let open = try await MediaTests.openMeeting(on: world.nodes, api: world.api)
                // Someone with Janus's secret (not a node) joins a room with an occupant's token, under
                // the id of a participant who is in another room: the forged-feed-id attack.
                let occupant = open.people[0]
                let roomId = try #require(try await MediaTests.location(of: occupant.id, open, on: world.nodes[0]))
                let room = MediaTests.OpenMeeting.mediaRoom(roomId).lowercased()
                var elsewhere: String?
                for person in open.people where try await MediaTests.location(of: person.id, open, on: world.nodes[0])?.lowercased() != roomId.lowercased() {
                    elsewhere = person.id
                }
                let forged = try #require(elsewhere).lowercased()
                let planted = try await world.api.attach()
                defer { Task { await planted.destroy() } }
                let started = ContinuousClock.now
                try await planted.join(room, id: forged, token: world.api.mediaToken(occupant.id))
                try await eventually("the planted feed kicked", timeout: .seconds(5)) {
                    try await !world.api.participants(in: room).contains(forged)
                }
                let took = ContinuousClock.now - started
                print("the audit kicked a planted feed \(took) after it joined")
                #expect(took < .seconds(2), "the planted feed stayed \(took)")
                var kicks = 0.0
                for node in world.nodes {
                    let metrics = try await node.request(.GET, "/metrics").body
                    for line in metrics.split(separator: "\n") where line.hasPrefix("breakout_media_audit_kicks_total ") {
                        kicks += Double(line.split(separator: " ").last ?? "0") ?? 0
                    }
                }
                #expect(kicks >= 1, "the kick is counted in breakout_media_audit_kicks_total")
            }
        }

        @Test("a node killed with SIGKILL: Janus drops the feeds it held at once; another node takes the page",
              .enabled(if: JanusProcess.shouldRun, "janus not installed"))
        func nodeKilled() async throws {
            try await MediaTests.withMedia(nodes: 2) { world in
                let open = try await MediaTests.openMeeting(on: world.nodes, api: world.api)
                let person = open.people[0]
                let room = MediaTests.OpenMeeting.mediaRoom(try #require(try await MediaTests.location(of: person.id, open, on: world.nodes[1]))).lowercased()
                let client = try await SignalClient.connect(world.nodes[0], open.meeting, token: person.token)
                defer { client.close() }
                #expect(try await client.join()["type"]?.stringValue == "joined")
                world.nodes[0].kill()
                try await eventually("the dead node's feed out of Janus", timeout: .seconds(3)) {
                    try await !world.api.participants(in: room).contains(person.id.lowercased())
                }
                let again = try await SignalClient.connect(world.nodes[1], open.meeting, token: person.token)
                defer { again.close() }
                #expect(try await again.join()["room"]?.stringValue == room)
            }
        }
    }
}

/// A client of a node's media signalling WebSocket: texts out, JSON in. What arrives is kept in
/// order, and each wait takes the first message that matches (within 5 s).
final class SignalClient: Sendable {
    private let state = Mutex<(writer: WebSocketOutboundWriter?, received: [JSONValue], closeCode: Int?, ended: Bool)>((nil, [], nil, false))
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let counter = Atomic<Int>(0)

    static func connect(_ node: NodeProcess, _ meeting: TestMeeting, token: String) async throws -> SignalClient {
        try await connect(port: node.port, meeting, token: token)
    }

    static func connect(port: Int, _ meeting: TestMeeting, token: String) async throws -> SignalClient {
        let url = "ws://127.0.0.1:\(port)\(meeting.path)/media/signal?access_token=\(token)"
        let client = SignalClient()
        let task = Task {
            do {
                let close = try await WebSocketClient.connect(url: url, logger: Logger(label: "signal-test")) { inbound, outbound, _ in
                    client.state.withLock { $0.writer = outbound }
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        if case .text(let text) = message {
                            let value = (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .string(text)
                            client.state.withLock { $0.received.append(value) }
                        }
                    }
                }
                client.state.withLock { $0.closeCode = close.map { Self.number($0.closeCode) } }
            } catch {}
            client.state.withLock { $0.ended = true }
        }
        client.task.withLock { $0 = task }
        try await eventually("the signalling WebSocket to open at \(url)", timeout: .seconds(5)) {
            client.state.withLock { $0.writer != nil || $0.ended }
        }
        try #require(client.state.withLock { $0.writer != nil }, "the signalling WebSocket did not open at \(url)")
        return client
    }

    /// Sends `request` as it is, waiting for no answer.
    func send(_ request: JSONValue) async throws {
        let writer = try #require(state.withLock { $0.writer })
        try await writer.write(.text(String(decoding: try JSONEncoder().encode(request), as: UTF8.self)))
    }

    /// Sends `request` (with an id) and returns the answer carrying that id as `re`.
    func call(_ request: JSONValue) async throws -> JSONValue {
        let id = "r\(counter.add(1, ordering: .relaxed).newValue)"
        var text: String
        if case .object(var fields) = request {
            fields["id"] = .string(id)
            text = String(decoding: try JSONEncoder().encode(JSONValue.object(fields)), as: UTF8.self)
        } else {
            text = request.stringValue ?? ""
        }
        let writer = try #require(state.withLock { $0.writer })
        try await writer.write(.text(text))
        // A text that is not an object cannot carry an id: its error comes without one.
        let isObject = if case .object = request { true } else { false }
        return try await next { answer in answer["re"]?.stringValue == id || (!isObject && answer["type"]?.stringValue == "error") }
    }

    /// Joins the caller's room's media, as a page does: again while the room is being prepared
    /// (`media_not_ready`, right after a move, until the media worker has caught up).
    func join() async throws -> JSONValue {
        try await poll("a join answered", timeout: .seconds(5), every: .milliseconds(100)) { () async throws -> JSONValue? in
            let answer = try await call(["type": "join"])
            return answer["code"]?.stringValue == "media_not_ready" ? .none : answer
        }
    }

    /// The first message received that matches, taken out (waits up to 5 s for it).
    func next(_ matches: @escaping @Sendable (JSONValue) -> Bool) async throws -> JSONValue {
        try await poll("a matching signal", timeout: .seconds(5), detail: { "received: \(self.state.withLock { $0.received })" }) {
            state.withLock { state -> JSONValue? in
                guard let index = state.received.firstIndex(where: matches) else { return nil }
                return state.received.remove(at: index)
            }
        }
    }

    /// The close code the node sent, once the connection ended (within 5 s).
    func closed() async throws -> Int? {
        try await eventually("the signalling connection to close", timeout: .seconds(5)) { self.state.withLock { $0.ended } }
        return state.withLock { $0.closeCode }
    }

    func close() { task.withLock { $0 }?.cancel() }

    private static func number(_ code: WebSocketErrorCode) -> Int {
        switch code {
        case .unknown(let number): Int(number)
        case .normalClosure: 1000
        case .goingAway: 1001
        case .policyViolation: 1008
        default: -1
        }
    }
}
