import BreakoutDomain
import Foundation
import Logging
import PostgresNIO

/// Appends a command's events to the `events` table with the meeting's next `seq`s and wakes the
/// nodes' listeners. Runs inside the command's transaction, after the meeting row was locked, so
/// the sequence has no gaps and the NOTIFY is delivered only if the command commits.
enum EventLog {
    static func append(
        _ events: [DomainEvent], meetingId: UUID, after lastSeq: Int64,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard !events.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let types = events.map(\.type.rawValue)
        let audiences = events.map(\.audience.kind)
        let recipients = events.map { "{" + $0.audience.recipients.map { $0.uuidString }.joined(separator: ",") + "}" }
        let payloads = try events.map { String(decoding: try encoder.encode($0.payload), as: UTF8.self) }
        let newLastSeq = lastSeq + Int64(events.count)
        try await connection.query(
            """
            WITH bump AS (UPDATE meetings SET last_seq = \(newLastSeq) WHERE id = \(meetingId))
            INSERT INTO events (meeting_id, seq, type, audience, recipients, payload)
            SELECT \(meetingId), \(lastSeq) + e.ord, e.type, e.audience, e.recipients::uuid[], e.payload::jsonb
            FROM unnest(\(types)::text[], \(audiences)::text[], \(recipients)::text[], \(payloads)::text[])
                 WITH ORDINALITY AS e(type, audience, recipients, payload, ord)
            """, logger: logger)
        try await connection.query(
            "SELECT pg_notify(\(MeetingStore.notifyChannel), \("\(meetingId.uuidString.lowercased()):\(newLastSeq)"))",
            logger: logger)
    }
}
