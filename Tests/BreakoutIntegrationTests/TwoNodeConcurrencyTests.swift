import BreakoutDomain
import BreakoutStore
import Foundation
import Hummingbird
import PostgresNIO
import Testing

/// Two application instances with separate pools on one database, as two nodes behind a load
/// balancer: concurrent commands produce one consistent outcome that both nodes show.
@Suite("Two nodes, one database")
struct TwoNodeConcurrencyTests {
    /// The meeting's events: gap-free 1…last_seq, and the participant_moved destinations by participant.
    static func checkEventLog(_ meetingId: String) async throws -> (count: Int, maxSeq: Int, lastSeq: Int) {
        let id = UUID(uuidString: meetingId)!
        let rows = try await TestDatabase.rows(
            """
            SELECT count(*)::int, COALESCE(max(seq), 0)::int, (SELECT last_seq::int FROM meetings WHERE id = \(id))
            FROM events WHERE meeting_id = \(id)
            """, as: (Int, Int, Int).self)
        let (count, maxSeq, lastSeq) = try #require(rows.first)
        return (count, maxSeq, lastSeq)
    }

    @Test("50 rounds of two managers on two nodes assigning the same participant to different rooms at once")
    func concurrentAssignments() async throws {
        try await withTwoNodes { a, b in
            let meeting = try await TestMeeting.create(on: a)
            let cohost = try await meeting.join("Co", on: b)
            let student = try await meeting.join("Student", on: a)
            #expect(try await a.put("\(meeting.path)/participants/\(cohost.id)/role", token: meeting.hostToken, ["role": "cohost"]).status == .ok)
            #expect(try await b.post("\(meeting.path)/breakout", token: cohost.token, ["roomCount": 2, "mode": "manual"]).status == .created)
            #expect(try await a.post("\(meeting.path)/breakout/open", token: meeting.hostToken).status == .ok)
            let rooms = try await meeting.snapshot(on: a).rooms.compactMap { $0["id"]?.stringValue }
            let path = "\(meeting.path)/breakout/assignments/\(student.id)"

            for round in 0..<50 {
                async let viaA = a.put(path, token: meeting.hostToken, ["roomId": .string(rooms[round % 2])])
                async let viaB = b.put(path, token: cohost.token, ["roomId": .string(rooms[(round + 1) % 2])])
                let (ra, rb) = try await (viaA, viaB)
                #expect(ra.status == .ok, "\(ra.body)")
                #expect(rb.status == .ok, "\(rb.body)")
                let fromA = try await meeting.snapshot(on: a)
                let fromB = try await meeting.snapshot(on: b)
                #expect(fromA == fromB, "round \(round): the nodes disagree")
                let me = try #require(fromA.participant(student.id))
                let assigned = try #require(me["assignedRoomId"]?.stringValue)
                #expect(rooms.contains(assigned))
                // Moved automatically: the location follows the winning assignment.
                #expect(me["location"]?.stringValue == assigned, "round \(round)")
            }
            let log = try await Self.checkEventLog(meeting.id)
            #expect(log.count == log.maxSeq)
            #expect(log.maxSeq == log.lastSeq)
        }
    }

    @Test("200 concurrent self-moves over two nodes: one location each, gap-free events, identical snapshots")
    func selfMoveStorm() async throws {
        try await withTwoNodes { a, b in
            let meeting = try await TestMeeting.create(on: a)
            var people: [(id: String, token: String)] = []
            for i in 0..<50 { people.append(try await meeting.join("P\(i)", on: i % 2 == 0 ? a : b)) }
            #expect(try await a.post("\(meeting.path)/breakout", token: meeting.hostToken,
                                     ["roomCount": 5, "mode": "self_select"]).status == .created)
            #expect(try await b.post("\(meeting.path)/breakout/open", token: meeting.hostToken).status == .ok)
            let rooms = try await meeting.snapshot(on: a).rooms.compactMap { $0["id"]?.stringValue }
            let seqBefore = try await meeting.snapshot(on: a)["seq"]!.intValue!

            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for (index, person) in people.enumerated() {
                    group.addTask {
                        let node = index % 2 == 0 ? b : a
                        var last = HTTPResponse.Status.ok
                        for hop in 0..<4 {
                            let room = rooms[(index + hop * 3) % rooms.count]
                            let reply = try await node.post("\(meeting.path)/moves", token: person.token, ["roomId": .string(room)])
                            if reply.status != .ok { last = reply.status }
                        }
                        return last
                    }
                }
                var all: [HTTPResponse.Status] = []
                for try await status in group { all.append(status) }
                return all
            }
            #expect(statuses.allSatisfy { $0 == .ok })

            let fromA = try await meeting.snapshot(on: a)
            let fromB = try await meeting.snapshot(on: b)
            #expect(fromA == fromB)
            for (index, person) in people.enumerated() {
                // Each person's last hop decides where it is.
                #expect(fromA.participant(person.id)?["location"]?.stringValue == rooms[(index + 3 * 3) % rooms.count])
            }
            let log = try await Self.checkEventLog(meeting.id)
            #expect(log.count == log.maxSeq)
            #expect(log.maxSeq == log.lastSeq)
            #expect(log.lastSeq == fromA["seq"]!.intValue!)
            // Every move changed the room (consecutive hops differ), so each is one event.
            #expect(log.lastSeq - seqBefore == 200)
        }
    }
}
