import AsyncHTTPClient
import BreakoutDomain
import BreakoutTestSupport
import Foundation
import NIOHTTP1
import PostgresNIO
import Testing

/// Faults in turn while three nodes behind nginx carry a steady load: people moving with
/// Idempotency-Keys, everyone watching the live stream. After each fault the database is checked
/// with SQL; at the end every stream must have missed nothing and every move be applied once.
@Suite("Fault suite under load", .serialized, .enabled(if: NginxProcess.shouldRun, "nginx is not installed (scripts/test installs it as root)"))
struct FaultSuiteTests {
    static let environment = ["BREAKOUT_SHUTDOWN_GRACE_SECONDS": "2"]
    /// How long the node registry counts a node alive after its last heartbeat (sql/004).
    static let heartbeatTimeout: Duration = .seconds(15)

    @Test("PostgreSQL restarted and stopped 10 s, nodes SIGKILLed during open-all and a burst, one SIGSTOPped past the heartbeat, listeners killed: nothing lost, nothing applied twice")
    func faultsUnderLoad() async throws {
        let cluster = try PrivateCluster()
        defer { cluster.remove() }
        try cluster.start()
        var nodes: [NodeProcess] = []
        var streams: [ResumingStream] = []
        var nginx: NginxProcess?
        defer {
            for stream in streams { stream.close() }
            for node in nodes { node.kill() }
            nginx?.stop()
        }
        for name in ["fault-a", "fault-b", "fault-c"] {
            nodes.append(try await NodeProcess.start(name, databaseURL: cluster.url, environment: Self.environment))
        }
        let balancer = try await NginxProcess.start(upstreamPorts: nodes.map(\.port))
        nginx = balancer
        let client = RetryingClient(endpoint: balancer, attempts: 120)
        let database = FaultDatabase(url: cluster.url)

        // The meeting under load: nine people choosing rooms, all through the balancer.
        let meeting = try await FaultMeeting.create(through: client, people: 9, title: "Under load")
        _ = try await client.send(.POST, "\(meeting.path)/breakout", token: meeting.hostToken, json: ["roomCount": 3, "mode": "self_select"])
        _ = try await client.send(.POST, "\(meeting.path)/breakout/open", token: meeting.hostToken)
        let rooms = try await client.send(.GET, meeting.path, token: meeting.hostToken).json.rooms.compactMap { $0["id"] }
        try #require(rooms.count == 3)
        streams.append(try await ResumingStream.start("host", through: balancer, meetingId: meeting.id, token: meeting.hostToken))
        for (i, person) in meeting.people.enumerated() {
            streams.append(try await ResumingStream.start("P\(i)", through: balancer, meetingId: meeting.id, token: person.token))
        }

        // Every accepted move changes its mover's location, so it is exactly one participant_moved event.
        let ledger = MoveLedger()
        let movers = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (i, person) in meeting.people.enumerated() {
                    group.addTask {
                        var k = 0
                        while !ledger.stopped {
                            let reply = try await client.send(.POST, "\(meeting.path)/moves", token: person.token, json: ["roomId": rooms[(i + k % 2) % rooms.count]])
                            #expect(reply.status == .ok, "\(reply.body)")
                            if reply.status == .ok { ledger.applied(by: person.id) }
                            k += 1
                            try await Task.sleep(for: .milliseconds(30))
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        /// A side meeting whose room timer falls due during the next fault; checked after it.
        func timerMeeting(_ label: String) async throws -> FaultMeeting {
            let side = try await FaultMeeting.create(through: client, people: 1, title: "Timer \(label)")
            _ = try await client.send(.POST, "\(side.path)/breakout", token: side.hostToken,
                                      json: ["roomCount": 1, "mode": "automatic",
                                             "options": ["timerSeconds": 2, "notifyHostWhenTimeUp": true, "closeCountdownSeconds": 0]])
            _ = try await client.send(.POST, "\(side.path)/breakout/open", token: side.hostToken)
            return side
        }
        func restart(_ index: Int) async throws {
            nodes[index] = try await NodeProcess.start(nodes[index].name, port: nodes[index].port, databaseURL: cluster.url, environment: Self.environment)
        }
        let suiteStarted = ContinuousClock.now
        func checkAfter(_ fault: String, timers: FaultMeeting) async throws {
            let started = ContinuousClock.now
            try await ledger.waitForMoves(15, "after \(fault)", timeout: .seconds(60))
            try await database.expectTimerFiredOnce(timers, fault)
            try await database.expectConsistent(fault)
            try await database.expectNodes(alive: Set(nodes.map(\.name)), fault)
            print("fault suite: \(fault) checked in \(ContinuousClock.now - started) (\(ContinuousClock.now - suiteStarted) in)")
        }
        try await ledger.waitForMoves(30, "before the first fault", timeout: .seconds(60))

        // 1. PostgreSQL restarted.
        var timers = try await timerMeeting("restart")
        try cluster.stop()
        try cluster.start()
        try await checkAfter("a PostgreSQL restart", timers: timers)

        // 2. PostgreSQL stopped for 10 s.
        timers = try await timerMeeting("outage")
        try cluster.stop()
        try await Task.sleep(for: .seconds(10))
        try cluster.start()
        try await checkAfter("PostgreSQL stopped for 10 s", timers: timers)

        // 3. A node SIGKILLed while "Open all rooms" is under way (every one assigned and moved in).
        timers = try await timerMeeting("open-all")
        let lecture = try await FaultMeeting.create(through: client, people: 20, title: "Open all")
        _ = try await client.send(.POST, "\(lecture.path)/breakout", token: lecture.hostToken, json: ["roomCount": 4, "mode": "automatic"])
        async let opened = client.send(.POST, "\(lecture.path)/breakout/open", token: lecture.hostToken)
        try await Task.sleep(for: .milliseconds(5))
        nodes[1].kill()
        let openReply = try await opened
        #expect(openReply.status == .ok || openReply.json["code"] == "breakout_open", "open all: \(openReply.body)")
        try await restart(1)
        try await database.expectAllInTheirRooms(lecture)
        try await checkAfter("a node killed during open-all", timers: timers)

        // 4. A node SIGKILLed in the middle of a burst of moves (the burst's own keys retried elsewhere).
        timers = try await timerMeeting("burst")
        let burst = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (i, person) in lecture.people.enumerated() {
                    group.addTask {
                        let reply = try await client.send(.POST, "\(lecture.path)/moves", token: person.token, json: ["roomId": .null])
                        #expect(reply.status == .ok || reply.json["code"] == "return_not_allowed", "burst move: \(reply.body)")
                        _ = i
                    }
                }
                try await group.waitForAll()
            }
        }
        try await Task.sleep(for: .milliseconds(10))
        nodes[2].kill()
        try await burst.value
        try await restart(2)
        try await checkAfter("a node killed during a burst of moves", timers: timers)

        // 5. A node stopped (SIGSTOP) past the registry's heartbeat time-out, then continued.
        timers = try await timerMeeting("sigstop")
        Foundation.kill(nodes[0].process.pid, SIGSTOP)
        try await Task.sleep(for: Self.heartbeatTimeout + .seconds(2))
        try await database.expectNodes(alive: [nodes[1].name, nodes[2].name], dead: [nodes[0].name], "while \(nodes[0].name) is stopped")
        Foundation.kill(nodes[0].process.pid, SIGCONT)
        try await checkAfter("a node stopped past its heartbeat", timers: timers)

        // 6. Every node's LISTEN connection killed.
        timers = try await timerMeeting("listeners")
        let killed = try await database.terminateListeners(of: nodes.map(\.name))
        #expect(killed == 3, "one listener per node (killed \(killed))")
        try await checkAfter("the listeners killed", timers: timers)

        // The end: the movers stop; every stream reaches the last event without a gap or a second snapshot.
        ledger.stop()
        try await movers.value
        let finalSeq = try await client.send(.GET, meeting.path, token: meeting.hostToken).json["seq"]?.intValue ?? 0
        for stream in streams {
            try await stream.waitForSeq(Int64(finalSeq), timeout: .seconds(20))
            let events = stream.events
            let first = events.first?.id ?? 0
            #expect(events.first?.type == "snapshot", "\(stream.label)")
            #expect(events.enumerated().allSatisfy { $0.element.id == first + Int64($0.offset) },
                    "\(stream.label): ids not gap-free: \(RollingRestartTests.gaps(events))")
            #expect(events.dropFirst().allSatisfy { $0.type != "snapshot" }, "\(stream.label) was sent a fresh snapshot")
        }
        let stored = try await database.movesPerParticipant(meeting)
        #expect(stored == Dictionary(uniqueKeysWithValues: ledger.perParticipant.map { ($0.key.lowercased(), $0.value) }),
                "the database holds one participant_moved per applied move")
        print("fault suite: \(ledger.total) moves, \(client.retries) retried attempts, \(streams.map(\.reconnects).reduce(0, +)) stream reconnects")
    }
}

/// A meeting made through the balancer: its host and the people who joined.
struct FaultMeeting: Sendable {
    var id: String
    var hostToken: String
    var people: [(id: String, token: String)]
    var path: String { "/v1/meetings/\(id)" }

    static func create(through client: RetryingClient, people count: Int, title: String) async throws -> FaultMeeting {
        let created = try await client.send(.POST, "/v1/meetings", json: TestMeeting.createBody(title: title, settings: nil))
        let meeting = try TestMeeting(created: created.json)
        var people: [(id: String, token: String)] = []
        for i in 0..<count {
            let joined = try await client.send(.POST, "/v1/meetings/join", json: meeting.joinBody("\(title) \(i)", email: nil))
            people.append(try TestMeeting.participant(joined: joined.json))
        }
        return FaultMeeting(id: meeting.id, hostToken: meeting.hostToken, people: people)
    }
}

/// The SQL checks of the fault suite, on the suite's own cluster.
struct FaultDatabase: Sendable {
    let url: String

    func withClient<T: Sendable>(_ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        try await TestDatabase.withClient(url: url, migrate: false, body)
    }

    func count(_ query: PostgresQuery) async throws -> Int {
        try await withClient { client in
            var result = 0
            for try await value in try await client.query(query).decode(Int.self) { result = value }
            return result
        }
    }

    /// Every location is a room of the participant's own meeting; events are gap-free per meeting
    /// and end at the meeting's last_seq; no timer is left due and unfired.
    func expectConsistent(_ after: String) async throws {
        #expect(try await count("""
            SELECT count(*)::int FROM participants p LEFT JOIN rooms r ON r.id = p.location_room_id
            WHERE p.location_room_id IS NOT NULL AND (r.id IS NULL OR r.meeting_id <> p.meeting_id)
            """) == 0, "after \(after): a location outside the participant's meeting")
        #expect(try await count("""
            SELECT count(*)::int FROM (
                SELECT e.meeting_id FROM events e JOIN meetings m ON m.id = e.meeting_id
                GROUP BY e.meeting_id, m.last_seq HAVING count(*) <> max(e.seq) OR min(e.seq) <> 1 OR max(e.seq) <> m.last_seq
            ) gaps
            """) == 0, "after \(after): events with a gap, or not ending at last_seq")
        // Due timers are claimed within a second or two; give the claimers that long.
        var overdue = 0
        try await eventually("after \(after): no timer overdue and unfired", every: .milliseconds(200), detail: { "\(overdue) are" }) {
            overdue = try await count("SELECT count(*)::int FROM timers WHERE fired_at IS NULL AND due_at < now() - interval '3 seconds'")
            return overdue == 0
        }
    }

    /// The side meeting's room timer fired once: one time_up event, its timer row fired once.
    func expectTimerFiredOnce(_ meeting: FaultMeeting, _ after: String) async throws {
        guard let id = UUID(uuidString: meeting.id) else { return }
        let fired = try await poll("after \(after): the room timer's time_up", timeout: .seconds(20), every: .milliseconds(100)) {
            let sent = try await count("SELECT count(*)::int FROM events WHERE meeting_id = \(id) AND type = 'time_up'")
            return sent > 0 ? sent : nil
        }
        #expect(fired == 1, "after \(after): the room timer's time_up was sent \(fired) times")
        #expect(try await count("SELECT count(*)::int FROM timers WHERE meeting_id = \(id) AND kind = 'room_timer' AND outcome = 'fired'") == 1,
                "after \(after): the room timer did not fire exactly once")
    }

    /// Every participant of an opened automatic breakout is in the room assigned to it.
    func expectAllInTheirRooms(_ meeting: FaultMeeting) async throws {
        guard let id = UUID(uuidString: meeting.id) else { return }
        let misplaced = try await count("""
            SELECT count(*)::int FROM participants
            WHERE meeting_id = \(id) AND role = 'participant' AND location_room_id IS DISTINCT FROM assigned_room_id
            """)
        #expect(misplaced == 0, "after open-all with a node killed: \(misplaced) participants not in their rooms")
    }

    /// The registry shows these nodes alive (waiting for a heartbeat when needed) and those not.
    func expectNodes(alive: Set<String>, dead: Set<String> = [], _ when: String) async throws {
        var seen: [String: Bool] = [:]
        try await eventually("\(when): breakout_nodes to show alive \(alive.sorted()) and not \(dead.sorted())",
                             timeout: .seconds(20), every: .milliseconds(250), detail: { "it shows \(seen)" }) {
            seen = try await withClient { client in
                var rows: [String: Bool] = [:]
                for try await (node, isAlive) in try await client.query("SELECT node_id, alive FROM breakout_nodes").decode((String, Bool).self) {
                    rows[node] = isAlive
                }
                return rows
            }
            return alive.allSatisfy({ seen[$0] == true }) && dead.allSatisfy({ seen[$0] != true })
        }
    }

    func terminateListeners(of nodes: [String]) async throws -> Int {
        let names = nodes.map { "breakout-listener \($0)" }
        return try await count("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int FROM pg_stat_activity WHERE application_name = ANY(\(names))")
    }

    func movesPerParticipant(_ meeting: FaultMeeting) async throws -> [String: Int] {
        guard let id = UUID(uuidString: meeting.id) else { return [:] }
        return try await withClient { client in
            var counts: [String: Int] = [:]
            for try await (participant, count) in try await client.query(
                "SELECT payload->>'participantId', count(*)::int FROM events WHERE meeting_id = \(id) AND type = 'participant_moved' GROUP BY 1"
            ).decode((String, Int).self) { counts[participant.lowercased()] = count }
            return counts
        }
    }
}
