import BreakoutDomain
import BreakoutTestSupport
import Foundation
import NIOHTTP1
import PostgresNIO
import Synchronization
import Testing

/// Media on Janus, end to end: real `breakoutd serve` processes with `BREAKOUT_MEDIA=janus` and a
/// real Janus (scripts/lib/janus.sh), looked at through Janus's own API. Who may be in which media
/// room follows the committed state: Janus's `allowed` lists hold exactly the tokens of each room's
/// occupants, a moved person is kicked from the old room, and neither a Janus restart nor a node
/// killed half-way leaves them wrong for long.
///
/// Each test has a database of its own: every media worker reconciles every live meeting of its
/// database, and the shared one holds the whole suite's.
@Suite("Media (Janus)", .serialized)
struct MediaTests {
    // MARK: Fixture

    /// A database, a Janus and the media nodes of one test.
    final class World: Sendable {
        let databaseURL: String
        let janus: JanusProcess
        private let started = Mutex<[NodeProcess]>([])
        var nodes: [NodeProcess] { started.withLock { $0 } }
        var api: JanusAPI { janus.api }

        init(databaseURL: String, janus: JanusProcess) {
            self.databaseURL = databaseURL
            self.janus = janus
        }

        /// Starts a media node on this world's database and Janus; stopped with the world.
        @discardableResult
        func startNode(_ name: String) async throws -> NodeProcess {
            let node = try await NodeProcess.start(name, databaseURL: databaseURL, environment: MediaTests.mediaEnvironment(janus))
            started.withLock { $0.append(node) }
            return node
        }

        func rows<each Column: PostgresDecodable & Sendable>(
            _ query: PostgresQuery, as columns: (repeat each Column).Type
        ) async throws -> [(repeat each Column)] {
            try await TestDatabase.withClient(url: databaseURL, migrate: false) { client in
                var rows: [(repeat each Column)] = []
                for try await row in try await client.query(query).decode(columns) { rows.append(row) }
                return rows
            }
        }
    }

    static func mediaEnvironment(_ janus: JanusProcess) -> [String: String] {
        ["BREAKOUT_MEDIA": "janus", "BREAKOUT_JANUS_URL": janus.url, "BREAKOUT_JANUS_WS_URL": janus.socketURL,
         "BREAKOUT_JANUS_ADMIN_KEY": janus.adminKey]
    }

    /// Runs `body` with a fresh database, a private Janus and `count` media nodes on them; kills
    /// the nodes, stops Janus and drops the database afterwards, whatever happened.
    static func withMedia<T>(nodes count: Int, _ body: (World) async throws -> T) async throws -> T {
        let name = "media_\(UUID().uuidString.prefix(8).lowercased())"
        guard var components = URLComponents(string: try TestDatabase.url) else { throw TestDatabase.Missing() }
        components.path = "/\(name)"
        let databaseURL = try #require(components.string)
        try await TestDatabase.withClient { admin in try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)")) }
        var world: World?
        let result: Result<T, any Error>
        do {
            let janus = try await JanusProcess.start()
            let started = World(databaseURL: databaseURL, janus: janus)
            world = started
            for index in 0..<count { try await started.startNode("media-\(["a", "b", "c"][index])") }
            result = .success(try await body(started))
        } catch {
            if let world {
                print("Janus's last lines:\n\(world.janus.logTail())")
                for node in world.nodes where !node.hasExited { print("\(node.name)'s last lines:\n\(node.logTail())") }
            }
            result = .failure(error)
        }
        for node in world?.nodes ?? [] { node.kill() }
        world?.janus.stop()
        try await TestDatabase.withClient { admin in try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE \(name) WITH (FORCE)")) }
        return try result.get()
    }

    /// A meeting whose breakout rooms are open, with everyone's media token.
    struct OpenMeeting {
        var meeting: TestMeeting
        var people: [(id: String, token: String)]
        /// Participant id (the host's too) → media token, from each one's own `GET /media`.
        var mediaTokens: [String: String]
        var roomIds: [String]

        var mainRoom: String { "main-" + meeting.id.lowercased() }
        static func mediaRoom(_ roomId: String) -> String { "room-" + roomId.lowercased() }
    }

    /// Host on the first node, `count` participants joined through the nodes in turn, `rooms`
    /// rooms made (automatic assignment) and opened: everyone but the host is moved into a room.
    /// Each one's media answer is checked before the rooms exist: the main session's room, the
    /// caller's own id as feed id, and a token of its own.
    static func openMeeting(on nodes: [NodeProcess], api: JanusAPI, people count: Int = 4, rooms: Int = 2) async throws -> OpenMeeting {
        let meeting = try await TestMeeting.create(on: nodes[0], title: "Media")
        var people: [(id: String, token: String)] = []
        for index in 0..<count { people.append(try await meeting.join("P\(index)", on: nodes[index % nodes.count])) }
        var tokens: [String: String] = [:]
        for (index, person) in ([(meeting.hostId, meeting.hostToken)] + people).enumerated() {
            let answer = try await media(meeting, token: person.1, on: nodes[index % nodes.count])
            #expect(answer["room"]?.stringValue == "main-" + meeting.id.lowercased())
            #expect(answer["feedId"]?.stringValue == person.0.lowercased())
            #expect(answer["signal"]?.stringValue == "\(meeting.path)/media/signal")
            #expect(answer["token"] == nil && answer["url"] == nil, "the answer carries no secret and no Janus address")
            tokens[person.0] = api.mediaToken(person.0)
        }
        #expect(Set(tokens.values).count == tokens.count, "every participant has a token of its own")
        let made = try await nodes[0].post("\(meeting.path)/breakout", token: meeting.hostToken, ["roomCount": .number(Double(rooms)), "mode": "automatic"])
        try #require(made.status == .created, "\(made.body)")
        let opened = try await nodes[0].post("\(meeting.path)/breakout/open", token: meeting.hostToken, [:])
        try #require(opened.status == .ok, "\(opened.body)")
        let snapshot = try await MultiNodeLiveTests.snapshot(meeting, on: nodes[0], token: meeting.hostToken)
        let roomIds = try snapshot.rooms.map { try #require($0["id"]?.stringValue) }
        return OpenMeeting(meeting: meeting, people: people, mediaTokens: tokens, roomIds: roomIds)
    }

    /// `GET /v1/meetings/{id}/media` as `token`; its answer (200 required).
    static func media(_ meeting: TestMeeting, token: String, on node: NodeProcess) async throws -> JSONValue {
        let reply = try await node.request(.GET, "\(meeting.path)/media", token: token)
        try #require(reply.status == .ok, "media: \(reply.status) \(reply.body)")
        return reply.json
    }

    /// Who the database puts in which media room: room name → participant ids (main session's and
    /// every breakout room's, empty ones included), read from a node's snapshot.
    static func occupancy(_ open: OpenMeeting, on node: NodeProcess) async throws -> [String: Set<String>] {
        let snapshot = try await MultiNodeLiveTests.snapshot(open.meeting, on: node, token: open.meeting.hostToken)
        var rooms: [String: Set<String>] = [open.mainRoom: []]
        for room in snapshot.rooms { rooms[OpenMeeting.mediaRoom(try #require(room["id"]?.stringValue))] = [] }
        for participant in snapshot["participants"]?.arrayValue ?? [] {
            let id = try #require(participant["id"]?.stringValue)
            let room = participant["location"]?.stringValue.map(OpenMeeting.mediaRoom) ?? open.mainRoom
            rooms[room, default: []].insert(id)
        }
        return rooms
    }

    /// Where Janus differs from `occupancy`: each room must exist and allow exactly its occupants'
    /// tokens and the nodes' observer. nil when it does not differ.
    static func difference(_ api: JanusAPI, _ open: OpenMeeting, _ occupancy: [String: Set<String>]) async -> String? {
        var differences: [String] = []
        for (room, members) in occupancy.sorted(by: { $0.key < $1.key }) {
            let wanted = Set(members.compactMap { open.mediaTokens[$0] }).union([api.observerToken])
            do {
                guard let allowed = try await api.allowed(room) else {
                    differences.append("\(room) does not exist")
                    continue
                }
                if allowed != wanted {
                    let name = { (token: String) in
                        token == api.observerToken ? "observer" : open.mediaTokens.first { $0.value == token }.map { "participant \($0.key)" } ?? "unknown \(token)"
                    }
                    differences.append("\(room) allows \(allowed.subtracting(wanted).map(name)) too much and lacks \(wanted.subtracting(allowed).map(name))")
                }
            } catch {
                differences.append("\(room): \(error)")
            }
        }
        return differences.isEmpty ? nil : differences.joined(separator: "; ")
    }

    /// Waits (`within`, counted from `since`) until Janus matches what `node` says the database
    /// holds.
    static func janusFollows(
        _ world: World, _ open: OpenMeeting, asking node: NodeProcess, within bound: Duration, since start: ContinuousClock.Instant,
        fileID: String = #fileID, line: Int = #line
    ) async throws {
        var last = "not looked yet"
        let remaining = max(bound - (ContinuousClock.now - start), .zero)
        try await eventually("Janus's rooms and allowed lists to follow the database within \(bound)", timeout: remaining,
                             detail: { last }, fileID: fileID, line: line) {
            let rooms = try await occupancy(open, on: node)
            if let difference = await difference(world.api, open, rooms) {
                last = difference
                return false
            }
            return true
        }
    }

    /// The room a participant is in, by the database (nil: the main session).
    static func location(of participantId: String, _ open: OpenMeeting, on node: NodeProcess) async throws -> String? {
        let snapshot = try await MultiNodeLiveTests.snapshot(open.meeting, on: node, token: open.meeting.hostToken)
        return try #require(snapshot.participant(participantId))["location"]?.stringValue
    }

    /// The host reassigns `participantId` to `roomId`; with the rooms open it is moved there.
    static func reassign(_ participantId: String, to roomId: String, _ open: OpenMeeting, on node: NodeProcess) async throws -> EndpointReply {
        try await node.request(.PUT, "\(open.meeting.path)/breakout/assignments/\(participantId)", token: open.meeting.hostToken,
                               json: ["roomId": .string(roomId)])
    }

    // MARK: Tests

    @Test("media off: a member's GET /media answers 404 media_off; a bad or missing token 401")
    func mediaOff() async throws {
        let node = try await NodeProcess.start("media-off", environment: ["BREAKOUT_MEDIA": "off"])
        defer { node.kill() }
        let meeting = try await TestMeeting.create(on: node, title: "No media")
        let person = try await meeting.join("P", on: node)
        for token in [meeting.hostToken, person.token] {
            let reply = try await node.request(.GET, "\(meeting.path)/media", token: token)
            #expect(reply.status == .notFound)
            #expect(reply.headers.first(name: "content-type")?.hasPrefix("application/problem+json") == true)
            #expect(reply.json["code"]?.stringValue == "media_off")
        }
        #expect(try await node.request(.GET, "\(meeting.path)/media", token: "not-a-token").status == .unauthorized)
        #expect(try await node.request(.GET, "\(meeting.path)/media").status == .unauthorized)
    }

    @Test("two nodes, one Janus: each one's media names its room, and within 1 s of opening Janus allows exactly each room's occupants",
          .enabled(if: JanusProcess.shouldRun, "janus is not installed (scripts/test installs it as root)"), .timeLimit(.minutes(2)))
    func roomsFollowOpening() async throws {
        try await Self.withMedia(nodes: 2) { world in
            let (a, b) = (world.nodes[0], world.nodes[1])
            let open = try await Self.openMeeting(on: world.nodes, api: world.api)
            let opened = ContinuousClock.now
            try await Self.janusFollows(world, open, asking: b, within: .seconds(1), since: opened)

            // Every room holds someone (automatic assignment spreads four over two), and the host stays in main.
            let rooms = try await Self.occupancy(open, on: a)
            #expect(rooms[open.mainRoom] == [open.meeting.hostId])
            #expect(open.roomIds.allSatisfy { rooms[OpenMeeting.mediaRoom($0)]?.isEmpty == false })
            // Each one's media answer, asked on either node, names its room now, with the same token.
            for (index, person) in open.people.enumerated() {
                let room = try #require(try await Self.location(of: person.id, open, on: a)).lowercased()
                for node in [world.nodes[index % 2], world.nodes[(index + 1) % 2]] {
                    let answer = try await Self.media(open.meeting, token: person.token, on: node)
                    #expect(answer["room"]?.stringValue == OpenMeeting.mediaRoom(room), "\(person.id) on \(node.name)")
                    #expect(answer["feedId"]?.stringValue == person.id.lowercased())
                }
            }
            #expect(try await Self.media(open.meeting, token: open.meeting.hostToken, on: b)["room"]?.stringValue == open.mainRoom)
            #expect(try await b.request(.GET, "\(open.meeting.path)/media", token: "not-a-token").status == .unauthorized)

            // The operators' view agrees: everyone's media is allowed where the database puts them.
            var last = ""
            try await eventually("breakout_media to show allowed_room = wanted_room for all five", timeout: .seconds(5), detail: { last }) {
                let rows = try await world.rows(
                    "SELECT participant_id, wanted_room, allowed_room FROM breakout_media WHERE meeting_id = \(UUID(uuidString: open.meeting.id)!)",
                    as: (UUID, String, String?).self)
                last = "\(rows)"
                return rows.count == 5 && rows.allSatisfy { $0.1 == $0.2 }
            }
        }
    }

    @Test("Janus refuses a participant's token in another room's media (433) and in main's, and admits it in its own",
          .enabled(if: JanusProcess.shouldRun, "janus is not installed (scripts/test installs it as root)"), .timeLimit(.minutes(2)))
    func tokenOnlyInOwnRoom() async throws {
        try await Self.withMedia(nodes: 1) { world in
            let node = world.nodes[0]
            let open = try await Self.openMeeting(on: world.nodes, api: world.api)
            try await Self.janusFollows(world, open, asking: node, within: .seconds(5), since: .now)
            let person = open.people[0]
            let own = try #require(try await Self.location(of: person.id, open, on: node))
            let other = try #require(open.roomIds.first { $0.lowercased() != own.lowercased() })
            let answer = try await Self.media(open.meeting, token: person.token, on: node)
            let token = world.api.mediaToken(person.id)
            let feedId = try #require(answer["feedId"]?.stringValue)

            let page = try await world.api.attach()
            for room in [OpenMeeting.mediaRoom(other), open.mainRoom] {
                let refused = await #expect(throws: JanusAPI.Failure.self, "joining \(room)") {
                    try await page.join(room, id: feedId, token: token)
                }
                #expect(refused?.code == 433, "\(refused.map(String.init(describing:)) ?? "")")
            }
            // The refused joins left nobody behind.
            #expect(try await world.api.participants(in: OpenMeeting.mediaRoom(other)).isEmpty)

            let joined = try await page.join(try #require(answer["room"]?.stringValue), id: feedId, token: token)
            #expect(joined["id"]?.stringValue == feedId)
            #expect(try await world.api.participants(in: OpenMeeting.mediaRoom(own)) == [feedId])
            await page.destroy()
        }
    }

    @Test("a participant moved by the host is kicked from the old room's media and allowed in the new one's within 1 s",
          .enabled(if: JanusProcess.shouldRun, "janus is not installed (scripts/test installs it as root)"), .timeLimit(.minutes(2)))
    func moveKicks() async throws {
        try await Self.withMedia(nodes: 1) { world in
            let node = world.nodes[0]
            let open = try await Self.openMeeting(on: world.nodes, api: world.api)
            try await Self.janusFollows(world, open, asking: node, within: .seconds(5), since: .now)
            let person = open.people[1]
            let feedId = person.id.lowercased()
            let token = try #require(open.mediaTokens[person.id])
            let from = OpenMeeting.mediaRoom(try #require(try await Self.location(of: person.id, open, on: node)))
            let target = try #require(open.roomIds.first { OpenMeeting.mediaRoom($0) != from })
            let to = OpenMeeting.mediaRoom(target)

            // In its room's media, as a publisher sending nothing.
            let page = try await world.api.attach()
            try await page.join(from, id: feedId, token: token)
            #expect(try await world.api.participants(in: from).contains(feedId))

            let moved = try await Self.reassign(person.id, to: target, open, on: node)
            try #require(moved.status == .ok, "\(moved.body)")
            let movedAt = ContinuousClock.now
            var last = ""
            try await eventually("the moved participant out of \(from)'s media and allowed in \(to)'s within 1 s",
                                 timeout: .seconds(1), detail: { last }) {
                let present = try await world.api.participants(in: from)
                let allowedFrom = try await world.api.allowed(from) ?? []
                let allowedTo = try await world.api.allowed(to) ?? []
                last = "in \(from): \(present); allowed there: \(allowedFrom.contains(token)); allowed in \(to): \(allowedTo.contains(token))"
                return !present.contains(feedId) && !allowedFrom.contains(token) && allowedTo.contains(token)
            }
            print("kicked and allowed in the new room \(ContinuousClock.now - movedAt) after the move's answer")
            // Janus told the participant's page why it left.
            let reason = try await page.nextEvent { data in data["leaving"] != nil ? data["reason"]?.stringValue ?? "" : nil }
            #expect(reason == "kicked")
            try await Self.janusFollows(world, open, asking: node, within: .seconds(1), since: movedAt)

            await page.destroy()

            // Its media answer names the new room, where Janus admits it; the old room refuses it
            // (a page joins again on a new handle: Janus does not reuse a kicked one).
            let answer = try await Self.media(open.meeting, token: person.token, on: node)
            #expect(answer["room"]?.stringValue == to)
            let again = try await world.api.attach()
            let refused = await #expect(throws: JanusAPI.Failure.self) { try await again.join(from, id: feedId, token: token) }
            #expect(refused?.code == 433)
            try await again.join(to, id: feedId, token: token)
            #expect(try await world.api.participants(in: to).contains(feedId))
            await again.destroy()
        }
    }

    @Test("Janus killed: moves still answer at once; Janus restarted on its port has every room back, with the right lists, within 5 s",
          .enabled(if: JanusProcess.shouldRun, "janus is not installed (scripts/test installs it as root)"), .timeLimit(.minutes(2)))
    func janusRestart() async throws {
        try await Self.withMedia(nodes: 2) { world in
            let (a, b) = (world.nodes[0], world.nodes[1])
            let open = try await Self.openMeeting(on: world.nodes, api: world.api)
            try await Self.janusFollows(world, open, asking: a, within: .seconds(5), since: .now)

            try await world.janus.kill()
            // Everyone to the other room, half through each node: no command waits for media.
            for (index, person) in open.people.enumerated() {
                let node = world.nodes[index % 2]
                let here = try #require(try await Self.location(of: person.id, open, on: node))
                let there = try #require(open.roomIds.first { $0.lowercased() != here.lowercased() })
                let start = ContinuousClock.now
                let reply = try await Self.reassign(person.id, to: there, open, on: node)
                let took = ContinuousClock.now - start
                #expect(reply.status == .ok, "\(reply.body)")
                #expect(took < .seconds(1), "a move took \(took) with Janus down")
                // Its media answer follows the database, Janus or not.
                let answer = try await Self.media(open.meeting, token: person.token, on: world.nodes[(index + 1) % 2])
                #expect(answer["room"]?.stringValue == OpenMeeting.mediaRoom(there))
            }

            try await world.janus.restart()
            let restarted = ContinuousClock.now
            try await Self.janusFollows(world, open, asking: b, within: .seconds(5), since: restarted)
            print("Janus rebuilt \(ContinuousClock.now - restarted) after it answered again")
        }
    }

    @Test("a node SIGKILLed in the middle of moves, its worker between its Janus calls and its commit: the other node alone brings Janus to the committed state within seconds",
          .enabled(if: JanusProcess.shouldRun, "janus is not installed (scripts/test installs it as root)"), .timeLimit(.minutes(2)))
    func nodeKilledDuringMoves() async throws {
        try await Self.withMedia(nodes: 1) { world in
            let a = world.nodes[0]
            let open = try await Self.openMeeting(on: [a], api: world.api, people: 6, rooms: 3)
            try await Self.janusFollows(world, open, asking: a, within: .seconds(5), since: .now)
            // Each participant to the next room, once: whatever the kill leaves undone or half
            // done, the committed state is a set of these moves.
            var next: [String: String] = [:]
            for person in open.people {
                let here = try #require(try await Self.location(of: person.id, open, on: a)).lowercased()
                let index = try #require(open.roomIds.firstIndex { $0.lowercased() == here })
                next[person.id] = open.roomIds[(index + 1) % open.roomIds.count]
            }
            let targets = next
            let first = open.people[0]
            let firstToken = try #require(open.mediaTokens[first.id])

            var b: NodeProcess?
            var killedAt = ContinuousClock.now
            try await Self.holdingMediaRecords(world, open) { blocker in
                // The first move: node A's worker (the only one yet) sends Janus its calls, then waits.
                #expect(try await Self.reassign(first.id, to: targets[first.id]!, open, on: a).status == .ok)
                try await Self.waitForWorkerBlocked(blocker)
                try await eventually("node A's worker to apply the first move to Janus") {
                    try await world.api.allowed(OpenMeeting.mediaRoom(targets[first.id]!))?.contains(firstToken) == true
                }
                // Two more, committed behind it; then node B starts, and finds the meeting claimed.
                for person in open.people[1...2] {
                    #expect(try await Self.reassign(person.id, to: targets[person.id]!, open, on: a).status == .ok)
                }
                b = try await world.startNode("media-b")
                // The last three at once, and node A killed as soon as one is answered.
                let answered = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for person in open.people[3...] {
                        group.addTask {
                            // A move cut by the kill fails (connection reset); whether it committed, the database says.
                            (try? await Self.reassign(person.id, to: targets[person.id]!, open, on: a))?.status == .ok
                        }
                    }
                    var answered = 0
                    for try await ok in group {
                        if ok { answered += 1 }
                        if !a.hasExited { a.kill() }
                    }
                    return answered
                }
                killedAt = .now
                #expect(a.hasExited)
                print("\(answered) of the last 3 moves answered before node A was killed")
                // Janus has only what A's worker sent before it died: the second and third moves are not there.
                let lag = await Self.difference(world.api, open, try await Self.occupancy(open, on: b!))
                #expect(lag != nil, "Janus should lag the database here")
            }
            // A's transaction is gone with it (once the lock it waited for is free). B alone is left.
            let node = try #require(b)
            try await Self.janusFollows(world, open, asking: node, within: .seconds(5), since: killedAt)
            print("Janus followed the database \(ContinuousClock.now - killedAt) after the kill")
            // The moves answered are all in the database.
            let rooms = try await Self.occupancy(open, on: node)
            for person in open.people[0...2] {
                #expect(rooms[OpenMeeting.mediaRoom(targets[person.id]!)]?.contains(person.id) == true)
            }
        }
    }

    /// Runs `body` while a transaction on a connection of its own holds media_allowed in SHARE
    /// mode: reads go on, writes wait. A worker that reconciles meanwhile sends Janus its calls,
    /// then waits to record them. The lock goes when `body` ends.
    ///
    /// Waits until every event of the meeting is reconciled and recorded, so that no worker is
    /// busy with it when `body` starts: the next one to reconcile it will do so for what `body` does.
    static func holdingMediaRecords<T: Sendable>(
        _ world: World, _ open: OpenMeeting, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await waitUntilRecorded(world, open)
        return try await TestDatabase.withClient(url: world.databaseURL, migrate: false) { client in
            try await client.withConnection { blocker in
                try await blocker.query("BEGIN", logger: TestDatabase.logger)
                try await blocker.query("LOCK TABLE media_allowed IN SHARE MODE", logger: TestDatabase.logger)
                do {
                    let result = try await body(blocker)
                    try await blocker.query("ROLLBACK", logger: TestDatabase.logger)
                    return result
                } catch {
                    _ = try? await blocker.query("ROLLBACK", logger: TestDatabase.logger)
                    throw error
                }
            }
        }
    }

    /// Waits until the media of every event of the meeting is recorded as applied.
    static func waitUntilRecorded(_ world: World, _ open: OpenMeeting, fileID: String = #fileID, line: Int = #line) async throws {
        let meetingId = try #require(UUID(uuidString: open.meeting.id))
        try await eventually("the media of every event recorded", timeout: .seconds(5), fileID: fileID, line: line) {
            try await world.rows(
                """
                SELECT 1 FROM meetings m JOIN media_meetings mm ON mm.meeting_id = m.id
                WHERE m.id = \(meetingId) AND mm.applied_seq = m.last_seq
                """, as: Int.self
            ).count == 1
        }
    }

    /// The record of what Janus allows, each row with the transaction that last wrote it.
    static func recordedRows(_ world: World, _ open: OpenMeeting) async throws -> [String] {
        let meetingId = try #require(UUID(uuidString: open.meeting.id))
        return try await world.rows(
            "SELECT janus_room || ' ' || participant_id || ' ' || muted || ' ' || xmin FROM media_allowed WHERE meeting_id = \(meetingId) ORDER BY 1",
            as: String.self)
    }

    /// The database sessions waiting to write media_allowed (a worker that sent Janus its calls).
    static func blockedWorkers(_ connection: PostgresConnection) async throws -> [Int32] {
        var pids: [Int32] = []
        for try await pid in try await connection.query(
            "SELECT pid FROM pg_locks WHERE relation = 'media_allowed'::regclass AND NOT granted", logger: TestDatabase.logger
        ).decode(Int32.self) { pids.append(pid) }
        return pids
    }

    static func waitForWorkerBlocked(_ connection: PostgresConnection, fileID: String = #fileID, line: Int = #line) async throws {
        try await eventually("a media worker waiting to record what it sent Janus", timeout: .seconds(5), fileID: fileID, line: line) {
            try await !blockedWorkers(connection).isEmpty
        }
    }

    @Test("broadcasts and help requests are recorded as applied without rewriting the record; a move waiting among them still reaches Janus",
          .enabled(if: JanusProcess.shouldRun, "janus is not installed (scripts/test installs it as root)"), .timeLimit(.minutes(2)))
    func eventsThatLeaveMediaAsItIs() async throws {
        try await Self.withMedia(nodes: 2) { world in
            let node = world.nodes[0]
            let open = try await Self.openMeeting(on: world.nodes, api: world.api, people: 4, rooms: 2)
            try await Self.janusFollows(world, open, asking: node, within: .seconds(5), since: .now)
            try await Self.waitUntilRecorded(world, open)
            let before = try await Self.recordedRows(world, open)
            #expect(before.count == 5, "the host and four participants: \(before)")

            for index in 0..<3 {
                let sent = try await node.post("\(open.meeting.path)/broadcasts", token: open.meeting.hostToken, ["message": .string("Note \(index)")])
                try #require(sent.status == .created, "\(sent.body)")
            }
            let asked = try await world.nodes[1].post("\(open.meeting.path)/help-requests", token: open.people[0].token, [:])
            try #require(asked.status == .created, "\(asked.body)")
            try await Self.waitUntilRecorded(world, open)
            #expect(try await Self.recordedRows(world, open) == before, "no row of the record written again")

            // A broadcast and a move that wait together: the workers meet both events at once.
            let meetingId = try #require(UUID(uuidString: open.meeting.id))
            let person = open.people[1]
            let home = try #require(try await Self.location(of: person.id, open, on: node))
            let away = try #require(open.roomIds.first { $0.lowercased() != home.lowercased() })
            try await TestDatabase.withClient(url: world.databaseURL, migrate: false) { client in
                try await client.withConnection { blocker in
                    try await blocker.query("BEGIN", logger: TestDatabase.logger)
                    try await blocker.query("SELECT 1 FROM media_meetings WHERE meeting_id = \(meetingId) FOR UPDATE", logger: TestDatabase.logger)
                    let sent = try await node.post("\(open.meeting.path)/broadcasts", token: open.meeting.hostToken, ["message": .string("Moving on")])
                    #expect(sent.status == .created)
                    #expect(try await Self.reassign(person.id, to: away, open, on: world.nodes[1]).status == .ok)
                    try await blocker.query("ROLLBACK", logger: TestDatabase.logger)
                }
            }
            try await Self.janusFollows(world, open, asking: node, within: .seconds(5), since: .now)
            try await Self.waitUntilRecorded(world, open)
            let token = try #require(open.mediaTokens[person.id])
            #expect(try await world.api.allowed(OpenMeeting.mediaRoom(away))?.contains(token) == true)
            #expect(try await world.api.allowed(OpenMeeting.mediaRoom(home))?.contains(token) == false)
        }
    }

    @Test("a worker that dies after changing Janus and before recording it, while its participant moves back: Janus still follows",
          .enabled(if: JanusProcess.shouldRun, "janus is not installed (scripts/test installs it as root)"), .timeLimit(.minutes(2)))
    func workerDiesAfterApplying() async throws {
        try await Self.withMedia(nodes: 1) { world in
            let node = world.nodes[0]
            let open = try await Self.openMeeting(on: world.nodes, api: world.api, people: 2, rooms: 2)
            try await Self.janusFollows(world, open, asking: node, within: .seconds(5), since: .now)
            let person = open.people[0]
            let token = try #require(open.mediaTokens[person.id])
            let home = try #require(try await Self.location(of: person.id, open, on: node))
            let away = try #require(open.roomIds.first { $0.lowercased() != home.lowercased() })
            let (homeRoom, awayRoom) = (OpenMeeting.mediaRoom(home), OpenMeeting.mediaRoom(away))

            try await Self.holdingMediaRecords(world, open) { blocker in
                #expect(try await Self.reassign(person.id, to: away, open, on: node).status == .ok)
                try await Self.waitForWorkerBlocked(blocker)
                var last = ""
                try await eventually("the worker to apply the move to Janus", timeout: .seconds(5), detail: { last }) {
                    let atHome = try await world.api.allowed(homeRoom)?.contains(token)
                    let away = try await world.api.allowed(awayRoom)?.contains(token)
                    last = "allowed at home: \(String(describing: atHome)), away: \(String(describing: away))"
                    return atHome == false && away == true
                }
                // Moved back while that worker waits; then the worker's transaction dies, as when
                // its node is killed: what it sent Janus stays, what it would have recorded is lost.
                #expect(try await Self.reassign(person.id, to: home, open, on: node).status == .ok)
                for pid in try await Self.blockedWorkers(blocker) {
                    try await blocker.query("SELECT pg_terminate_backend(\(pid))", logger: TestDatabase.logger)
                }
            }

            // The database has the participant at home again; Janus must let it in there, and not away.
            #expect(try await Self.location(of: person.id, open, on: node)?.lowercased() == home.lowercased())
            // The next reconcile finds the dead attempt (media_attempts) and reads Janus's real
            // allowed lists instead of the record, which says "at home" as wanted.
            try await Self.janusFollows(world, open, asking: node, within: .seconds(5), since: .now)
        }
    }
}
