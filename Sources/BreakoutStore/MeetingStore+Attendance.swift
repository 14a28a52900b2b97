public import BreakoutDomain
public import Foundation
import PostgresNIO

/// Attendance: who was in which breakout room and for how long, from the meeting's event log
/// (`Attendance.spans`; the SQL view `breakout_presence` says the same to operators).
extension MeetingStore {
    /// The meeting's presence spans. Managers only. A stay still going counts up to the database's
    /// `now()` of this read.
    public func attendance(_ caller: Caller) async throws -> [PresenceSpan] {
        let identity = try await identify(token: caller.token, meetingId: caller.meetingId)
        try Permission.requireManager(identity.role)
        let logger = logger
        return try await withBoundedConnection { connection in
            try await Self.spans(of: [caller.meetingId], on: connection, logger: logger)[caller.meetingId] ?? []
        }
    }

    /// A course's attendance, meeting by meeting (oldest first), ended meetings included: for its
    /// owners, who cannot ask an ended meeting any more (its tokens are answered 410).
    public struct CourseMeetingAttendance: Sendable, Codable {
        public var id: UUID
        public var code: String
        public var title: String
        public var status: String
        public var createdAt: Date
        public var spans: [PresenceSpan]
    }

    public func courseAttendance(_ courseId: UUID, for user: User) async throws -> [CourseMeetingAttendance] {
        let logger = logger
        return try await withBoundedConnection { connection in
            _ = try await Self.accessibleCourse(courseId, user: user, on: connection, logger: logger)
            var meetings: [CourseMeetingAttendance] = []
            for try await (id, code, title, status, created) in try await connection.query(
                "SELECT id, code, title, status, created_at FROM meetings WHERE course_id = \(courseId) ORDER BY created_at, id",
                logger: logger
            ).decode((UUID, String, String, String, Date).self) {
                meetings.append(.init(id: id, code: code, title: title, status: status, createdAt: created, spans: []))
            }
            let spans = try await Self.spans(of: meetings.map(\.id), on: connection, logger: logger)
            return meetings.map { meeting in
                var meeting = meeting
                meeting.spans = spans[meeting.id] ?? []
                return meeting
            }
        }
    }

    /// The presence spans of each of `meetingIds`, from one read of their logs. A stay still going
    /// counts up to the database's `now()` of that read (one statement: the log and `now()` are of
    /// the same moment).
    static func spans(of meetingIds: [UUID], on connection: PostgresConnection, logger: Logger) async throws -> [UUID: [PresenceSpan]] {
        guard !meetingIds.isEmpty else { return [:] }
        let types = Attendance.eventTypes.map(\.rawValue)
        var events: [UUID: [LoggedEvent]] = [:]
        var now = Date()
        for try await (meetingId, seq, type, payload, at, readAt) in try await connection.query(
            """
            SELECT e.meeting_id, e.seq, e.type, e.payload::text, e.created_at, now() FROM events e
            WHERE e.meeting_id = ANY(\(meetingIds)::uuid[]) AND e.type = ANY(\(types)::text[]) ORDER BY e.meeting_id, e.seq
            """, logger: logger
        ).decode((UUID, Int64, String, String, Date, Date).self) {
            now = readAt
            guard let type = EventType(rawValue: type) else { continue }
            events[meetingId, default: []].append(LoggedEvent(seq: seq, at: at, payload: try EventPayload.decode(type, from: Data(payload.utf8))))
        }
        return events.mapValues { Attendance.spans($0, now: now) }
    }
}
