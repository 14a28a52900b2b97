import AsyncHTTPClient
import BreakoutDomain
import BreakoutTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import PostgresNIO
import Synchronization
import Testing

/// What operators do on every upgrade: restart the nodes one after another behind the balancer,
/// while people move between rooms and watch the live stream. Nothing may be lost or applied twice.
@Suite("Rolling restart behind nginx", .serialized, .enabled(if: NginxProcess.shouldRun, "nginx is not installed (scripts/test installs it as root)"))
struct RollingRestartTests {
    /// A node must be gone within this after SIGTERM (systemd's TimeoutStopSec is above it).
    static let shutdownBound: Duration = .seconds(15)

    @Test("three nodes restarted in turn with SIGTERM behind nginx: no request fails for good, one event per applied move, gap-free streams")
    func rollingRestart() async throws {
        _ = try NginxProcess.requireBinary()
        var nodes: [NodeProcess] = []
        var nginx: NginxProcess?
        var streams: [ResumingStream] = []
        do {
            for name in ["roll-a", "roll-b", "roll-c"] { nodes.append(try await NodeProcess.start(name)) }
            let balancer = try await NginxProcess.start(upstreamPorts: nodes.map(\.port))
            nginx = balancer
            let client = RetryingClient(endpoint: balancer)

            // A meeting whose participants choose their rooms, all through the balancer.
            let meeting = try await FaultMeeting.create(through: client, people: 6, title: "Rolling")
            let (meetingId, hostToken, path, people) = (meeting.id, meeting.hostToken, meeting.path, meeting.people)
            _ = try await client.send(.POST, "\(path)/breakout", token: hostToken, json: ["roomCount": 3, "mode": "self_select"])
            _ = try await client.send(.POST, "\(path)/breakout/open", token: hostToken)
            let rooms = try await client.send(.GET, path, token: hostToken).json.rooms.compactMap { $0["id"] }
            try #require(rooms.count == 3)

            // Live streams through the balancer, spread over the nodes, resuming with Last-Event-ID.
            streams.append(try await ResumingStream.start("host", through: balancer, meetingId: meetingId, token: hostToken))
            for (i, person) in people.enumerated() {
                streams.append(try await ResumingStream.start("P\(i)", through: balancer, meetingId: meetingId, token: person.token))
            }

            // Each participant keeps moving between two rooms: every accepted move changes its
            // location, so it is exactly one participant_moved event.
            let ledger = MoveLedger()
            let movers = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (i, person) in people.enumerated() {
                        group.addTask {
                            var k = 0
                            while !ledger.stopped {
                                let room = rooms[(i + k % 2) % rooms.count]
                                let reply = try await client.send(.POST, "\(path)/moves", token: person.token, json: ["roomId": room])
                                #expect(reply.status == .ok, "\(reply.body)")
                                ledger.applied(by: person.id)
                                k += 1
                                // Pacing, not synchronisation: a steady load that two cores can carry.
                                try await Task.sleep(for: .milliseconds(20))
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            func totalApplied() -> Int { ledger.total }

            try await ledger.waitForMoves(20, "before the first restart", timeout: .seconds(30))
            for index in nodes.indices {
                let node = nodes[index]
                let took = try await node.terminate(within: Self.shutdownBound)
                #expect(took != nil, "\(node.name) did not exit within \(Self.shutdownBound) of SIGTERM")
                #expect(node.exitStatus == 0, "\(node.name) exited with \(node.exitStatus ?? -1)")
                print("\(node.name) stopped in \(took.map { "\($0)" } ?? "—")")
                try await ledger.waitForMoves(10, "while \(node.name) is down", timeout: .seconds(30))
                let restarted = try await NodeProcess.start(node.name, port: node.port)
                nodes[index] = restarted
                // The balancer sends it traffic again (after fail_timeout) before the next restart.
                try await Self.waitUntilServesMoves(restarted)
            }
            ledger.stop()
            try await movers.value

            // Every stream reaches the end with ids that never skip or repeat.
            let finalSeq = Int64(try #require(try await client.send(.GET, path, token: hostToken).json["seq"]?.intValue))
            for stream in streams {
                try await stream.waitForSeq(finalSeq, timeout: .seconds(20))
                let events = stream.events
                #expect(events.first?.type == "snapshot", "\(stream.label)")
                let first = events.first?.id ?? 0
                #expect(events.enumerated().allSatisfy { $0.element.id == first + Int64($0.offset) },
                        "\(stream.label): ids not gap-free: \(Self.gaps(events))")
                #expect(events.dropFirst().allSatisfy { $0.type != "snapshot" }, "\(stream.label) was sent a fresh snapshot")
            }
            let reconnects = streams.map(\.reconnects).reduce(0, +)
            #expect(reconnects >= 3, "streams of stopped nodes reconnected (\(reconnects))")

            // The database holds exactly one event per applied move, and the host's stream saw each.
            let perParticipant = ledger.perParticipant
            let stored = try await TestDatabase.withClient { db in
                var counts: [String: Int] = [:]
                for try await (participant, count) in try await db.query(
                    """
                    SELECT payload->>'participantId', count(*)::int FROM events
                    WHERE meeting_id = \(UUID(uuidString: meetingId)!) AND type = 'participant_moved' GROUP BY 1
                    """).decode((String, Int).self) { counts[participant.lowercased()] = count }
                return counts
            }
            #expect(stored == Dictionary(uniqueKeysWithValues: perParticipant.map { ($0.key.lowercased(), $0.value) }))
            #expect(streams[0].events.filter { $0.type == "participant_moved" }.count == totalApplied())
            print("rolling restart: \(totalApplied()) moves, \(client.retries) retried attempts, \(reconnects) stream reconnects")

            for stream in streams { stream.close() }
            for node in nodes { node.stop() }
            balancer.stop()
        } catch {
            for stream in streams { stream.close() }
            for node in nodes { node.kill() }
            nginx?.stop()
            throw error
        }
    }

    /// Waits (bounded) until `node` answered at least one move, as its /metrics tell.
    static func waitUntilServesMoves(_ node: NodeProcess) async throws {
        try await eventually("\(node.name) to get moves from the balancer after its restart", timeout: .seconds(20), every: .milliseconds(100)) {
            let metrics = try await node.request(.GET, "/metrics").body
            return metrics.split(separator: "\n").contains { $0.hasPrefix("breakout_http_requests_total") && $0.contains("moves") }
        }
    }

    static func gaps(_ events: [ReceivedEvent]) -> [String] {
        zip(events, events.dropFirst()).filter { $1.id != $0.id + 1 }.map { "\($0.id)→\($1.id)" }
    }
}

/// The moves answered 200, per participant, and the flag that stops the movers.
final class MoveLedger: Sendable {
    private let counts = Mutex<[String: Int]>([:])
    private let done = Atomic<Bool>(false)

    func applied(by participant: String) { counts.withLock { $0[participant, default: 0] += 1 } }
    var perParticipant: [String: Int] { counts.withLock { $0 } }
    var total: Int { perParticipant.values.reduce(0, +) }
    var stopped: Bool { done.load(ordering: .relaxed) }
    func stop() { done.store(true, ordering: .relaxed) }

    /// Waits (bounded) until `count` more moves than now have been answered 200.
    func waitForMoves(
        _ count: Int, _ what: String, timeout: Duration, fileID: String = #fileID, line: Int = #line
    ) async throws {
        let target = total + count
        try await eventually("\(count) moves \(what)", timeout: timeout, detail: { "\(self.total) of \(target)" },
                             fileID: fileID, line: line) { self.total >= target }
    }
}

/// A client that sends every write with an Idempotency-Key and, when the attempt fails (no answer,
/// or the balancer's 502/503/504), sends it again with the same key: at most `attempts` times.
final class RetryingClient: Sendable {
    let endpoint: any HTTPEndpoint
    let attempts: Int
    private let retried = Atomic<Int>(0)
    var retries: Int { retried.load(ordering: .relaxed) }

    init(endpoint: any HTTPEndpoint, attempts: Int = 50) {
        self.endpoint = endpoint
        self.attempts = attempts
    }

    func send(_ method: HTTPMethod, _ path: String, token: String? = nil, json: JSONValue? = nil) async throws -> EndpointReply {
        let key = UUID().uuidString
        var last = "no attempt"
        for attempt in 1...attempts {
            do {
                let reply = try await endpoint.request(method, path, token: token, json: json, headers: [("Idempotency-Key", key)])
                if ![.badGateway, .serviceUnavailable, .gatewayTimeout].contains(reply.status) {
                    #expect(reply.status.code < 500, "\(method) \(path): \(reply.status) \(reply.body)")
                    return reply
                }
                last = "\(reply.status)"
            } catch {
                last = "\(error)"
            }
            retried.add(1, ordering: .relaxed)
            try await Task.sleep(for: .milliseconds(min(50 * attempt, 500)))
        }
        Issue.record("\(method) \(path) failed for good after \(attempts) attempts: \(last)")
        throw TestDatabase.Missing()
    }
}

/// A live-stream client that does what browsers' EventSource does: when the stream ends or cannot
/// connect, it reconnects (after the server's `retry:` hint, at most 1 s) with `Last-Event-ID`.
final class ResumingStream: ReceivingStream {
    let label: String
    private let received = Mutex<[ReceivedEvent]>([])
    private let reconnected = Atomic<Int>(0)
    private let task = Mutex<Task<Void, Never>?>(nil)

    var events: [ReceivedEvent] { received.withLock { $0 } }
    var reconnects: Int { reconnected.load(ordering: .relaxed) }

    init(label: String) { self.label = label }

    /// Streams hold their connection for good, so they get a client of their own: on the shared
    /// one (8 connections per host) a ninth stream, and every request behind it, would wait for ever.
    static let client = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: HTTPClient.Configuration(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)))

    static func start(_ label: String, through endpoint: some HTTPEndpoint, meetingId: String, token: String) async throws -> ResumingStream {
        let stream = ResumingStream(label: label)
        let url = "\(endpoint.base)/v1/meetings/\(meetingId)/events?access_token=\(token)"
        stream.task.withLock {
            $0 = Task {
                var delay: Duration = .milliseconds(100)
                var first = true
                while !Task.isCancelled {
                    if !first { stream.reconnected.add(1, ordering: .relaxed) }
                    first = false
                    var request = HTTPClientRequest(url: url)
                    if let last = stream.events.last?.id { request.headers.add(name: "Last-Event-ID", value: String(last)) }
                    do {
                        let response = try await Self.client.execute(request, timeout: .seconds(600))
                        if response.status == .ok {
                            var splitter = FrameSplitter()
                            for try await buffer in response.body {
                                for frame in splitter.frames(completedBy: buffer) {
                                    let (retry, event) = StreamClient.parseFrame(frame)
                                    if let retry { delay = .milliseconds(min(retry, 1000)) }
                                    if let event { stream.received.withLock { $0.append(event) } }
                                }
                            }
                        }
                    } catch {}
                    try? await Task.sleep(for: delay)
                }
            }
        }
        try await stream.waitUntil("snapshot", timeout: .seconds(20)) { $0.first?.type == "snapshot" }
        return stream
    }

    func close() { task.withLock { $0?.cancel() } }
}
