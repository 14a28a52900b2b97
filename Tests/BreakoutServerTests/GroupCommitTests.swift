import BreakoutDomain
@testable import BreakoutStore
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
            let store = MeetingStore(client: client, logger: TestDatabase.logger)
            let created = try await store.createMeeting(title: "Lecture", hostName: "Host", breakoutRoomsEnabled: true)
            let meetingId = try #require(created.meeting["id"]?.stringValue.flatMap(UUID.init(uuidString:)))
            let code = try #require(created.meeting["code"]?.stringValue)
            let host = Caller(meetingId: meetingId, token: created.hostToken)
            var joined: [Caller] = []
            for name in ["Ada", "Ben", "Cy"] {
                let answer = try await store.join(code: code, displayName: name, email: nil)
                joined.append(Caller(meetingId: meetingId, token: answer.token))
            }
            let people = joined
            let breakout = try await store.createBreakout(host, roomCount: 2, mode: .selfSelect, options: .init())
            let rooms = try #require(breakout["rooms"]?.arrayValue).compactMap { $0["id"]?.stringValue.flatMap(UUID.init(uuidString:)) }
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
                try await waitUntil { store.batcher.waitingCount(meetingId) == 0 && store.batcher.isBusy(meetingId) }
                async let ada = store.move(people[0], to: rooms[0])
                try await waitUntil { store.batcher.waitingCount(meetingId) == 1 }
                async let ben = store.move(people[1], to: UUID())  // no such room: refused
                try await waitUntil { store.batcher.waitingCount(meetingId) == 2 }
                async let cy = store.move(keyed, to: rooms[1])
                try await waitUntil { store.batcher.waitingCount(meetingId) == 3 }
                try await blocker.query("COMMIT", logger: TestDatabase.logger)

                _ = try await first
                let adaMoved = try await ada
                #expect(adaMoved["to"]?.stringValue == rooms[0].uuidString.lowercased())
                do {
                    _ = try await ben
                    Issue.record("a move to a room that does not exist must be refused")
                } catch let error as DomainError {
                    #expect(error == .notFound("room"))
                }
                let cyMoved = try await cy
                #expect(cyMoved["to"]?.stringValue == rooms[1].uuidString.lowercased())
                // The same key again applies nothing and answers the same.
                let again = try await store.move(keyed, to: rooms[1])
                #expect(again["from"] == .some(.null), "a replay answers what the first attempt answered")
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

    /// Polls a condition of this process (no database) until it holds, for at most 10 s.
    func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            try #require(ContinuousClock.now < deadline, "condition not reached in 10 s")
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
