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
        let types = Attendance.eventTypes.map(\.rawValue)
        let (events, now) = try await withBoundedConnection { connection in
            var events: [LoggedEvent] = []
            var now = Date()
            // One statement, so the log and `now()` are of the same moment.
            for try await (seq, type, payload, at, readAt) in try await connection.query(
                """
                SELECT e.seq, e.type, e.payload::text, e.created_at, now() FROM events e
                WHERE e.meeting_id = \(caller.meetingId) AND e.type = ANY(\(types)::text[]) ORDER BY e.seq
                """, logger: logger
            ).decode((Int64, String, String, Date, Date).self) {
                now = readAt
                guard let type = EventType(rawValue: type) else { continue }
                events.append(LoggedEvent(seq: seq, at: at, payload: try EventPayload.decode(type, from: Data(payload.utf8))))
            }
            return (events, now)
        }
        return Attendance.spans(events, now: now)
    }
}
