public import BreakoutDomain
public import Foundation
import PostgresNIO

/// One stored event as the live stream reads it: `payload` is the JSON text of the `events` row,
/// which the stream writes as it is.
public struct StoredEvent: Sendable, Equatable {
    public var seq: Int64
    public var type: String
    public var audience: Audience
    public var payload: String

    public init(seq: Int64, type: String, audience: Audience, payload: String) {
        self.seq = seq
        self.type = type
        self.audience = audience
        self.payload = payload
    }

    /// The payload, typed; nil for a type this version does not know (written by a newer one).
    public func decoded() throws -> EventPayload? {
        guard let type = EventType(rawValue: type) else { return nil }
        return try EventPayload.decode(type, from: Data(payload.utf8))
    }
}

/// Reading the event log: what the live stream replays and what a node fans out.
extension MeetingStore {
    /// Events of `meetingId` with `seq > after`, in order, at most `limit`.
    ///
    /// Bounded like a command (`withBoundedConnection`): a read left waiting for ever on a
    /// connection PostgreSQL closed would leave the node's fan-out of the meeting waiting with it,
    /// and every live stream of the meeting on the node silent (seen in the fault suite). Failed,
    /// the read is made again at the next notification or poll.
    public func events(of meetingId: UUID, after: Int64, limit: Int) async throws -> [StoredEvent] {
        let logger = logger
        return try await withBoundedConnection { connection in
            var events: [StoredEvent] = []
            for try await (seq, type, audience, recipients, payload) in try await connection.query(
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
    }

    /// The newest `seq` of each of `meetingIds` (meetings that do not exist are left out).
    /// Bounded for the same reason: the node's poll of every meeting it serves waits for it.
    public func lastSeqs(of meetingIds: [UUID]) async throws -> [UUID: Int64] {
        guard !meetingIds.isEmpty else { return [:] }
        let logger = logger
        return try await withBoundedConnection { connection in
            var result: [UUID: Int64] = [:]
            for try await (id, seq) in try await connection.query(
                "SELECT id, last_seq FROM meetings WHERE id = ANY(\(meetingIds))", logger: logger
            ).decode((UUID, Int64).self) { result[id] = seq }
            return result
        }
    }
}
