import BreakoutDomain
import Foundation
import Hummingbird
import PostgresNIO
import Testing

/// The room timer and the close countdown, fired by the nodes' timer services.
@Suite("Timers")
struct TimerTests {
    /// Polls the snapshot until `condition` holds, failing after `seconds`.
    static func waitFor(
        _ what: String, seconds: Double = 10, on node: Node, meeting: TestMeeting, _ condition: (JSONValue) -> Bool
    ) async throws -> JSONValue {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            let snapshot = try await meeting.snapshot(on: node)
            if condition(snapshot) { return snapshot }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out after \(seconds) s waiting for \(what)")
        return try await meeting.snapshot(on: node)
    }

    static func eventTypes(_ meetingId: String) async throws -> [String] {
        try await TestDatabase.withClient { client in
            var types: [String] = []
            for try await type in try await client.query(
                "SELECT type FROM events WHERE meeting_id = \(UUID(uuidString: meetingId)!) ORDER BY seq").decode(String.self) {
                types.append(type)
            }
            return types
        }
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

            let closed = try await Self.waitFor("the breakout to close", on: a, meeting: meeting) {
                $0["breakout"]?["status"] == "ready"
            }
            #expect(closed.participant(p.id)?["location"] == .null)
            let types = try await Self.eventTypes(meeting.id)
            #expect(types.filter { $0 == "time_up" }.count == 1)
            #expect(types.filter { $0 == "breakout_closing" }.count == 1)
            #expect(types.filter { $0 == "breakout_closed" }.count == 1)
            let fired = try await TestDatabase.withClient { client in
                var rows: [String] = []
                for try await kind in try await client.query(
                    "SELECT kind FROM timers WHERE meeting_id = \(UUID(uuidString: meeting.id)!) AND fired_at IS NOT NULL ORDER BY kind"
                ).decode(String.self) { rows.append(kind) }
                return rows
            }
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
            let types = try await Self.waitForEvent("room_timer to fire", meeting: meeting)
            #expect(!types.contains("breakout_closing"))
            #expect(try await meeting.snapshot(on: node)["breakout"]?["status"] == "open")
        }
    }

    /// Waits until the meeting's room timer has fired, then returns the event types.
    static func waitForEvent(_ what: String, meeting: TestMeeting) async throws -> [String] {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let fired = try await TestDatabase.withClient { client in
                var n = 0
                for try await count in try await client.query(
                    "SELECT count(*)::int FROM timers WHERE meeting_id = \(UUID(uuidString: meeting.id)!) AND fired_at IS NOT NULL"
                ).decode(Int.self) { n = count }
                return n
            }
            if fired > 0 { return try await eventTypes(meeting.id) }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting for \(what)")
        return []
    }
}
