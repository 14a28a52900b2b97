import BreakoutDomain
import BreakoutTestSupport
import Foundation
import Hummingbird
import PostgresNIO
import Testing

/// The room timer and the close countdown, fired by the nodes' timer services.
@Suite("Timers")
struct TimerTests {
    static func eventTypes(_ meetingId: String) async throws -> [String] {
        try await TestDatabase.rows("SELECT type FROM events WHERE meeting_id = \(UUID(uuidString: meetingId)!) ORDER BY seq", as: String.self)
    }

    @Test("room timer ends with time_up and a countdown, then everyone is back in main, exactly once on two nodes")
    func roomTimerOnTwoNodes() async throws {
        try await withTwoNodes { a, b in
            let meeting = try await TestMeeting.create(on: a)
            let p = try await meeting.join("Ada", on: b)
            let created = try await a.post("\(meeting.path)/breakout", token: meeting.hostToken, [
                "roomCount": 2, "mode": "automatic",
                "options": ["timerSeconds": 1, "notifyHostWhenTimeUp": true, "closeCountdownSeconds": 1],
            ])
            #expect(created.status == .created, "\(created.body)")
            let opened = try await b.post("\(meeting.path)/breakout/open", token: meeting.hostToken)
            #expect(opened.json["timerEndsAt"] != .null)
            #expect(try await meeting.snapshot(on: a).participant(p.id)?["location"] != .null)

            let closed = try await poll("the breakout to close", every: .milliseconds(50)) { () async throws -> JSONValue? in
                let snapshot = try await meeting.snapshot(on: a)
                guard snapshot["breakout"]?["status"] == "ready" else { return .none }
                return snapshot
            }
            #expect(closed.participant(p.id)?["location"] == .null)
            let types = try await Self.eventTypes(meeting.id)
            #expect(types.filter { $0 == "time_up" }.count == 1)
            #expect(types.filter { $0 == "breakout_closing" }.count == 1)
            #expect(types.filter { $0 == "breakout_closed" }.count == 1)
            let fired = try await TestDatabase.rows(
                "SELECT kind FROM timers WHERE meeting_id = \(UUID(uuidString: meeting.id)!) AND fired_at IS NOT NULL ORDER BY kind",
                as: String.self)
            #expect(fired == ["close_countdown", "room_timer"])
        }
    }

    @Test("changing timerSeconds while open moves timerEndsAt; without closeWhenTimeUp the rooms stay open")
    func extendTimer() async throws {
        try await withNode { node in
            let meeting = try await TestMeeting.create(on: node)
            _ = try await meeting.join("Ada", on: node)
            _ = try await node.post("\(meeting.path)/breakout", token: meeting.hostToken, [
                "roomCount": 1, "mode": "automatic", "options": ["timerSeconds": 600, "closeWhenTimeUp": false],
            ])
            let opened = try await node.post("\(meeting.path)/breakout/open", token: meeting.hostToken)
            let openedAt = try #require(opened.json["openedAt"]?.stringValue)
            let firstEnd = try #require(opened.json["timerEndsAt"]?.stringValue)
            let changed = try await node.patch("\(meeting.path)/breakout/options", token: meeting.hostToken, ["timerSeconds": 1])
            let newEnd = try #require(changed.json["timerEndsAt"]?.stringValue)
            #expect(newEnd < firstEnd)
            #expect(newEnd > openedAt)
            // The shortened timer fires; rooms stay open because closeWhenTimeUp is false.
            try await eventually("room_timer to fire", every: .milliseconds(50)) {
                try await TestDatabase.rows(
                    "SELECT count(*)::int FROM timers WHERE meeting_id = \(UUID(uuidString: meeting.id)!) AND fired_at IS NOT NULL",
                    as: Int.self).first ?? 0 > 0
            }
            let types = try await Self.eventTypes(meeting.id)
            #expect(!types.contains("breakout_closing"))
            #expect(try await meeting.snapshot(on: node)["breakout"]?["status"] == "open")
        }
    }
}
