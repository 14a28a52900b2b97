public import BreakoutDomain
public import Foundation
import PostgresNIO

/// One stored event as the live stream reads it. `payload` is the JSON text from the `events` row.
public struct StoredEvent: Sendable, Equatable {
    public var seq: Int64
    public var type: String
    public var audience: Audience
    public var payload: String
}

/// Reading the event log: what the live stream replays and what a node fans out.
extension MeetingStore {
    /// Events of `meetingId` with `seq > after`, in order, at most `limit`.
    public func events(of meetingId: UUID, after: Int64, limit: Int) async throws -> [StoredEvent] {
        var events: [StoredEvent] = []
        for try await (seq, type, audience, recipients, payload) in try await client.query(
            """
            SELECT seq, type, audience, recipients, payload::text FROM events
            WHERE meeting_id = \(meetingId) AND seq > \(after) ORDER BY seq LIMIT \(limit)
            """, logger: logger
        ).decode((Int64, String, String, [UUID], String).self) {
            events.append(StoredEvent(
                seq: seq, type: type, audience: Audience(kind: audience, recipients: recipients) ?? .managers, payload: payload))
        }
        return events
    }

    /// The newest `seq` of each of `meetingIds` (meetings that do not exist are left out).
    public func lastSeqs(of meetingIds: [UUID]) async throws -> [UUID: Int64] {
        guard !meetingIds.isEmpty else { return [:] }
        var result: [UUID: Int64] = [:]
        for try await (id, seq) in try await client.query(
            "SELECT id, last_seq FROM meetings WHERE id = ANY(\(meetingIds))", logger: logger
        ).decode((UUID, Int64).self) { result[id] = seq }
        return result
    }
}
