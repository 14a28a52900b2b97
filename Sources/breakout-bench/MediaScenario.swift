import Foundation
import NIOCore
import NIOHTTP1
import PostgresNIO

/// Media in a lecture: what keeping Janus in step with a meeting of `participants` people (1000)
/// in `rooms` open rooms costs the nodes and PostgreSQL, and how soon an event's media is applied.
/// Every node's media worker hears of every event; one of them reconciles the meeting.
///
/// - broadcasts change no one's media: what does a node and PostgreSQL spend on each, media
///   included, and how soon is it recorded as applied;
/// - moves of one person to another room change two allowed lists and kick the person: how soon
///   is that applied.
///
/// An event's media is applied when the meeting's `media_meetings.applied_seq` reaches its
/// `last_seq` (read with `--database-url`, polled every millisecond). Needs nodes with media on:
/// `scripts/bench media-lecture` starts a Janus for them; otherwise the scenario is skipped, since
/// media workers on every node would change every other scenario's figures.
enum MediaScenario {
    static let events = 20

    static func mediaLecture(_ c: Context, _ notes: Notes) async throws {
        let name = Scenario.mediaLecture.rawValue
        let api = c.api
        guard let database = c.database else {
            notes.add("no --database-url: when media is applied is read from SQL, so this scenario needs it")
            return
        }
        let probe = try await api.createMeeting(title: "bench media probe", on: api.node(0))
        let media = try await api.send(.GET, "\(probe.path)/media", on: api.node(0), token: probe.hostToken)
        guard media.ok else {
            notes.add("skipped: the nodes run without media (HTTP \(media.status)); `scripts/bench media-lecture` starts Janus for them")
            return
        }
        let (meeting, people) = try await api.meetingWithParticipants(c.sizes.participants, title: "bench media-lecture")
        let rooms = try await api.createBreakout(meeting, roomCount: c.sizes.rooms, mode: "automatic", on: api.node(0))
        let openStart = ContinuousClock.now
        try await api.open(meeting, on: api.node(0)).check("open")
        try await waitApplied(database, meeting, timeout: .seconds(60))
        c.report.add(name, "everyone's media in their rooms after the open request", (ContinuousClock.now - openStart).seconds * 1000,
                     unit: "ms", target: .none)

        // Each broadcast alone: sent, then awaited until its media is recorded.
        var broadcastLatency = Latencies()
        for index in 0..<events {
            let start = NIODeadline.now()
            try await api.broadcast(meeting, message: "Note \(index)", on: api.node(index)).check("broadcast")
            try await waitApplied(database, meeting, timeout: .seconds(10))
            broadcastLatency.record(NIODeadline.now() - start)
        }
        // Their cost, without the polling: one broadcast every 50 ms, each reconciled on its own.
        let cpuStart = c.cpu.sample()
        for index in 0..<events {
            try await api.broadcast(meeting, message: "Again \(index)", on: api.node(index)).check("broadcast")
            try await Task.sleep(for: .milliseconds(50))
        }
        try await waitApplied(database, meeting, timeout: .seconds(10))
        let cpuEnd = c.cpu.sample()
        notes.add(CPUAccount.summary(from: cpuStart, to: cpuEnd))

        var moveLatency = Latencies()
        for index in 0..<events {
            let person = people[index * 7 % people.count]
            let start = NIODeadline.now()
            try await api.sendJSON(.PUT, "\(meeting.path)/breakout/assignments/\(person.id)", on: api.node(index),
                                   token: meeting.hostToken, ["roomId": rooms[(index + 1) % rooms.count]]).check("move")
            try await waitApplied(database, meeting, timeout: .seconds(10))
            moveLatency.record(NIODeadline.now() - start)
        }

        c.report.add(name, "broadcast: request until its media is recorded, median", broadcastLatency.ms(50), unit: "ms", target: .none)
        c.report.add(name, "move: request until Janus has it, median", moveLatency.ms(50), unit: "ms",
                     target: .atMost(1000), targetText: "<= 1 s (README, \"Audio and video\")")
        c.report.add(name, "move: request until Janus has it, worst", moveLatency.ms(100), unit: "ms", target: .none)
        let perEvent = 1000 / Double(events)
        c.report.add(name, "nodes' CPU per broadcast, media included", CPUAccount.nodesUsed(from: cpuStart, to: cpuEnd) * perEvent,
                     unit: "ms", target: .none)
        c.report.add(name, "PostgreSQL CPU per broadcast, media included", CPUAccount.used("postgres", from: cpuStart, to: cpuEnd) * perEvent,
                     unit: "ms", target: .none)
    }

    /// Until every event of the meeting has its media applied and recorded.
    static func waitApplied(_ database: Database, _ meeting: API.Meeting, timeout: Duration) async throws {
        guard let id = UUID(uuidString: meeting.id) else { throw APIError(description: "meeting id \(meeting.id)") }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var applied = false
            for try await done in try await database.client.query(
                """
                SELECT mm.applied_seq >= m.last_seq FROM meetings m JOIN media_meetings mm ON mm.meeting_id = m.id
                WHERE m.id = \(id)
                """).decode(Bool.self) { applied = done }
            if applied { return }
            try await Task.sleep(for: .milliseconds(1))
        }
        throw APIError(description: "the meeting's media was not applied within \(timeout)")
    }
}
