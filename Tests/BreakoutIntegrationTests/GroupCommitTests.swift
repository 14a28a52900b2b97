import BreakoutDomain
@testable import BreakoutStore
import BreakoutTestSupport
import Foundation
import PostgresNIO
import Testing

/// Group commit at the node: commands for one meeting that wait on a node are applied in one
/// transaction, each decided in arrival order and answered on its own.
@Suite("Group commit")
struct GroupCommitTests {
    @Test("a batch with a refused command in the middle applies the others, once each, with gap-free seqs")
    func refusedCommandRefusesOnlyItself() async throws {
        try await TestDatabase.withClient { client in
            let store = MeetingStore(client: client, logger: TestDatabase.logger, connectTimeout: TestDatabase.leaseBound)
            let created = try await store.createMeeting(title: "Lecture", hostName: "Host", settings: .init(breakoutRoomsEnabled: true))
            let meetingId = created.meeting.id
            let code = created.meeting.code
            let host = Caller(meetingId: meetingId, token: created.hostToken)
            var joined: [Caller] = []
            for name in ["Ada", "Ben", "Cy"] {
                let answer = try await store.join(code: code, displayName: name, email: nil)
                joined.append(Caller(meetingId: meetingId, token: answer.token))
            }
            let people = joined
            let breakout = try await store.createBreakout(host, roomCount: 2, mode: .selfSelect, options: .init())
            let rooms = breakout.rooms.map(\.id)
            _ = try await store.openBreakout(host)

            // Hold the meeting's row from outside, so the first command waits in its transaction
            // and the next three queue behind it on this node, in this order.
            try await client.withConnection { blocker in
                try await blocker.query("BEGIN", logger: TestDatabase.logger)
                try await blocker.query("SELECT 1 FROM meetings WHERE id = \(meetingId) FOR UPDATE", logger: TestDatabase.logger)
                let key = Idempotency.Claim(token: people[2].token, key: "k-1", method: "POST", path: "/moves", body: [1])
                var keyed = people[2]
                keyed.claim = key
                async let first = store.move(host, to: rooms[0])
                try await eventually("the first move in its transaction") { store.batcher.waitingCount(meetingId) == 0 && store.batcher.isBusy(meetingId) }
                async let ada = store.move(people[0], to: rooms[0])
                try await eventually("Ada's move queued") { store.batcher.waitingCount(meetingId) == 1 }
                async let ben = store.move(people[1], to: UUID())  // no such room: refused
                try await eventually("Ben's move queued") { store.batcher.waitingCount(meetingId) == 2 }
                async let cy = store.move(keyed, to: rooms[1])
                try await eventually("Cy's move queued") { store.batcher.waitingCount(meetingId) == 3 }
                try await blocker.query("COMMIT", logger: TestDatabase.logger)

                _ = try await first
                let adaMoved = try await ada
                #expect(adaMoved.to == rooms[0])
                do {
                    _ = try await ben
                    Issue.record("a move to a room that does not exist must be refused")
                } catch let error as DomainError {
                    #expect(error == .roomNotFound)
                }
                let cyMoved = try await cy
                #expect(cyMoved.to == rooms[1])
                // The same key again applies nothing and answers the same.
                let again = try await store.move(keyed, to: rooms[1])
                #expect(again.from == nil && again.to == rooms[1], "a replay answers what the first attempt answered")
            }

            let rows = try await client.query(
                """
                SELECT count(*)::int AS events, max(seq) AS newest, (SELECT last_seq FROM meetings WHERE id = \(meetingId)) AS last_seq,
                       count(*) FILTER (WHERE type = 'participant_moved')::int AS moves,
                       count(DISTINCT created_at) FILTER (WHERE type = 'participant_moved' AND seq > 5)::int AS transactions
                FROM events WHERE meeting_id = \(meetingId)
                """, logger: TestDatabase.logger)
            for try await (events, newest, lastSeq, moves, transactions) in rows.decode((Int, Int64, Int64, Int, Int).self) {
                #expect(Int64(events) == newest && newest == lastSeq, "seq must stay gap-free")
                #expect(moves == 3, "host, Ada and Cy moved once each; Ben's refusal wrote nothing")
                #expect(transactions == 2, "the host's move alone, then Ada's and Cy's in one transaction")
            }
            var locations: [UUID: UUID?] = [:]
            for try await (id, location) in try await client.query(
                "SELECT id, location_room_id FROM participants WHERE meeting_id = \(meetingId)", logger: TestDatabase.logger
            ).decode((UUID, UUID?).self) { locations[id] = location }
            #expect(locations.values.filter { $0 == rooms[0] }.count == 2)
            #expect(locations.values.filter { $0 == rooms[1] }.count == 1)
        }
    }

    @Test("batches of several meetings waiting on one node commit in one transaction; a statement failing for one meeting refuses only its commands")
    func meetingsShareATransaction() async throws {
        try await TestDatabase.withClient { client in
            // One transaction in flight on this "node", so the next batches must wait and go together.
            let store = MeetingStore(client: client, logger: TestDatabase.logger, maxGroupTransactions: 1, connectTimeout: TestDatabase.leaseBound)
            var meetings: [(host: Caller, person: Caller, room: UUID)] = []
            for title in ["Blocked", "B", "C", "D"] {
                let created = try await store.createMeeting(title: title, hostName: "Host", settings: .init(breakoutRoomsEnabled: true))
                let meetingId = created.meeting.id
                let code = created.meeting.code
                let host = Caller(meetingId: meetingId, token: created.hostToken)
                let person = Caller(meetingId: meetingId, token: try await store.join(code: code, displayName: "Ada", email: nil).token)
                let breakout = try await store.createBreakout(host, roomCount: 2, mode: .selfSelect, options: .init())
                let room = try #require(breakout.rooms.first?.id)
                _ = try await store.openBreakout(host)
                meetings.append((host, person, room))
            }
            let blocked = meetings[0], others = Array(meetings[1...])
            let ids = others.map(\.host.meetingId)

            /// Moves everyone of `others` while the blocked meeting's move holds the only transaction.
            func moveTogether() async throws -> [Result<ParticipantMoved, any Error>] {
                try await client.withConnection { blocker in
                    try await blocker.query("BEGIN", logger: TestDatabase.logger)
                    try await blocker.query("SELECT 1 FROM meetings WHERE id = \(blocked.host.meetingId) FOR UPDATE", logger: TestDatabase.logger)
                    async let first = store.move(blocked.person, to: blocked.room)
                    try await eventually("the blocked move in its transaction") { store.batcher.isBusy(blocked.host.meetingId) && store.commitGroup.waitingCount == 0 }
                    let moves = others.map { meeting in Task { try await store.move(meeting.person, to: meeting.room) } }
                    try await eventually("the other moves waiting") { store.commitGroup.waitingCount == others.count }
                    try await blocker.query("COMMIT", logger: TestDatabase.logger)
                    _ = try await first
                    var results: [Result<ParticipantMoved, any Error>] = []
                    for move in moves { results.append(await move.result) }
                    return results
                }
            }
            /// How many transactions wrote the latest participant_moved of each of `others`.
            func transactionsOfLastMoves() async throws -> Int {
                var count = 0
                for try await n in try await client.query(
                    """
                    SELECT count(DISTINCT created_at)::int FROM events e
                    WHERE e.meeting_id = ANY(\(ids)) AND e.type = 'participant_moved'
                      AND e.seq = (SELECT max(seq) FROM events l WHERE l.meeting_id = e.meeting_id AND l.type = 'participant_moved')
                    """, logger: TestDatabase.logger
                ).decode(Int.self) { count = n }
                return count
            }

            let together = try await moveTogether()
            #expect(together.allSatisfy { (try? $0.get()) != nil }, "every move applied")
            #expect(try await transactionsOfLastMoves() == 1, "the three meetings' moves shared one transaction")

            // Back to main, then the same again with the last meeting's event refused by PostgreSQL.
            for meeting in meetings { _ = try await store.move(meeting.person, to: nil) }
            let last = others[others.count - 1].host.meetingId
            let trigger = "test_refuse_events_\(last.uuidString.prefix(8).lowercased())"
            try await client.query(
                "CREATE FUNCTION \(unescaped: trigger)() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$",
                logger: TestDatabase.logger)
            try await client.query(
                """
                CREATE TRIGGER \(unescaped: trigger) BEFORE INSERT ON events FOR EACH ROW
                WHEN (NEW.meeting_id = '\(unescaped: last.uuidString)') EXECUTE FUNCTION \(unescaped: trigger)()
                """, logger: TestDatabase.logger)
            let refusedOnce: Result<[Result<ParticipantMoved, any Error>], any Error>
            do { refusedOnce = .success(try await moveTogether()) } catch { refusedOnce = .failure(error) }
            try await client.query("DROP TRIGGER \(unescaped: trigger) ON events", logger: TestDatabase.logger)
            try await client.query("DROP FUNCTION \(unescaped: trigger)()", logger: TestDatabase.logger)
            let results = try refusedOnce.get()
            #expect(results.prefix(2).allSatisfy { (try? $0.get()) != nil }, "the other meetings' moves applied")
            #expect((try? results[2].get()) == nil, "the refused meeting's move failed")
            for (index, meeting) in others.enumerated() {
                let personId = try await store.identify(token: meeting.person.token, meetingId: meeting.host.meetingId).participantId
                var location: UUID?
                var lastSeq: Int64 = -1, events = -2
                for try await row in try await client.query(
                    """
                    SELECT (SELECT location_room_id FROM participants WHERE id = \(personId)),
                           (SELECT last_seq FROM meetings WHERE id = \(meeting.host.meetingId)),
                           (SELECT count(*)::int FROM events WHERE meeting_id = \(meeting.host.meetingId))
                    """, logger: TestDatabase.logger
                ).decode((UUID?, Int64, Int).self) { (location, lastSeq, events) = row }
                #expect(location == (index < 2 ? meeting.room : nil))
                #expect(Int64(events) == lastSeq, "seq stays gap-free")
            }
        }
    }
}
