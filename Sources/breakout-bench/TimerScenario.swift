import Foundation
import PostgresNIO

/// Many room timers due within about the same second, on all nodes: lateness (fired_at − due_at,
/// from the `timers` table) and that each fired exactly once.
enum TimerScenario {
    static func timerBurst(_ c: Context, _ notes: Notes) async throws {
        let name = Scenario.timerBurst.rawValue
        guard let database = c.database else {
            notes.add("no --database-url: timer lateness is read from SQL, so this scenario needs it")
            c.report.add(name, "timer lateness", nil, unit: "ms", target: .none, verdict: .missed)
            return
        }
        let api = c.api
        let count = c.sizes.timers
        let setupStart = ContinuousClock.now
        // Rooms created (not timed), opened as fast as possible so the timers come due together.
        let meetings = try await concurrentMap(Array(0..<count), concurrency: 32) { index in
            let node = api.node(index)
            let meeting = try await api.createMeeting(title: "bench timer \(index)", on: node)
            _ = try await api.createBreakout(meeting, roomCount: 1, mode: "manual", options: [
                "timerSeconds": c.sizes.timerSeconds, "closeCountdownSeconds": 0, "notifyHostWhenTimeUp": true,
            ], on: node)
            return (meeting, index)
        }
        notes.add("setup (\(count) meetings with rooms): \(String(format: "%.1f", (ContinuousClock.now - setupStart).seconds)) s")
        let openStart = ContinuousClock.now
        _ = try await concurrentMap(meetings, concurrency: 64) { meeting, index in
            try await api.open(meeting, on: api.node(index)).check("open")
        }
        let spread = (ContinuousClock.now - openStart).seconds
        c.report.add(name, "\(count) rooms opened within", spread, unit: "s", target: .none)
        let ids = meetings.map { UUID(uuidString: $0.0.id)! }

        // Wait (bounded) until every room timer has fired.
        let client = database.client
        let deadline = ContinuousClock.now + .seconds(Double(c.sizes.timerSeconds) + spread + 30)
        var pending = -1
        while ContinuousClock.now < deadline {
            pending = 0
            for try await n in try await client.query(
                "SELECT count(*)::int FROM timers WHERE meeting_id = ANY(\(ids)) AND kind = 'room_timer' AND fired_at IS NULL"
            ).decode(Int.self) { pending = n }
            if pending == 0 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        if pending != 0 { notes.add("\(pending) room timers had not fired by the bound") }

        var lateness = Latencies()
        var early = 0
        var firedBy: [String: Int] = [:]
        for try await (late, node) in try await client.query(
            """
            SELECT (extract(epoch FROM fired_at - due_at) * 1000)::float8, coalesce(fired_by, '?')
            FROM timers
            WHERE meeting_id = ANY(\(ids)) AND kind = 'room_timer' AND fired_at IS NOT NULL
            """).decode((Double, String).self) {
            if late < 0 { early += 1 }
            lateness.record(milliseconds: max(0, late))
            firedBy[node, default: 0] += 1
        }
        if early > 0 { notes.add("\(early) timers fired before their due time") }
        notes.add("fired by node: \(firedBy.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        c.report.add(name, "lateness p50", lateness.ms(50), unit: "ms", target: .none)
        c.report.add(name, "lateness p99", lateness.ms(99), unit: "ms", target: .atMost(250), targetText: "<= 250 ms")
        c.report.add(name, "lateness max", lateness.maxMs, unit: "ms", target: .none)

        // Exactly once: one fired room timer, one time_up and one breakout_closed per meeting.
        var exactlyOnce = 0
        for try await (timersFired, timeUps, closes) in try await client.query(
            """
            SELECT (SELECT count(*) FROM timers t WHERE t.meeting_id = m.id AND t.kind = 'room_timer' AND t.fired_at IS NOT NULL)::int,
                   (SELECT count(*) FROM events e WHERE e.meeting_id = m.id AND e.type = 'time_up')::int,
                   (SELECT count(*) FROM events e WHERE e.meeting_id = m.id AND e.type = 'breakout_closed')::int
            FROM meetings m WHERE m.id = ANY(\(ids))
            """).decode((Int, Int, Int).self) where timersFired == 1 && timeUps == 1 && closes == 1 {
            exactlyOnce += 1
        }
        c.report.add(name, "meetings whose timer fired exactly once", Double(exactlyOnce), unit: "",
                     target: .atLeast(Double(count)), targetText: "\(count) of \(count)")
    }
}
