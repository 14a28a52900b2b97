public import BreakoutDomain
public import Foundation
import PostgresNIO

/// One stored event as the live stream reads it. `payload` is the JSON text from the `events` row.
///
/// What every stream needs to know beyond that is worked out once, when a node reads the event,
/// not once per stream: the payload without emails (for participants' eyes), and whose role
/// changed or who left (streams follow their own caller's role and end when it leaves).
public struct StoredEvent: Sendable, Equatable {
    public var seq: Int64
    public var type: String
    public var audience: Audience
    public var payload: String
    /// `payload` without emails; the same text when there are none.
    public var payloadWithoutEmails: String
    /// The participant a `role_changed` or `participant_left` is about.
    public var subject: UUID?
    /// The new role of a `role_changed`.
    public var newRole: Role?

    public init(seq: Int64, type: String, audience: Audience, payload: String) {
        self.seq = seq
        self.type = type
        self.audience = audience
        self.payload = payload
        self.payloadWithoutEmails = payload
        switch type {
        case EventType.participantJoined.rawValue:
            if case .object(var object)? = Self.parse(payload), case .object(var participant)? = object["participant"],
               participant["email"] != nil {
                participant["email"] = nil
                object["participant"] = .object(participant)
                let encoder = JSONEncoder()
                encoder.outputFormatting = .sortedKeys
                if let data = try? encoder.encode(JSONValue.object(object)) {
                    payloadWithoutEmails = String(decoding: data, as: UTF8.self)
                }
            }
        case EventType.roleChanged.rawValue, EventType.participantLeft.rawValue:
            let object = Self.parse(payload)
            subject = object?["participantId"]?.stringValue.flatMap(UUID.init(uuidString:))
            newRole = object?["role"]?.stringValue.flatMap(Role.init(rawValue:))
        default:
            break
        }
    }

    static func parse(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
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
