import BreakoutDomain
import Foundation
import PostgresNIO

extension Command {
    /// The last step of a command (or of a batch of them), in one statement while the meeting's row
    /// is locked: the participants' changes, the idempotency answers, the events with the meeting's
    /// next `seq`s and `last_seq`. The sequence stays gap-free because only the holder of the lock
    /// appends. The NOTIFY that wakes the nodes' listeners follows the commit (`NotificationSender`).
    func write() async throws {
        guard !changes.isEmpty || !answers.isEmpty || !events.isEmpty else { return }
        let ids = changes.order
        let rows = ids.compactMap { changes.byId[$0] }
        let newLastSeq = lastSeq + Int64(events.count)
        let encoder = JSONEncoder.sortedKeys
        let answerTexts = try answers.map { try $0.claim.seal($0.answer) }
        let payloads = try events.map { String(decoding: try encoder.encode($0.payload), as: UTF8.self) }
        try await connection.query(
            """
            WITH changed AS (
                UPDATE participants p SET
                    location_room_id = CASE WHEN u.set_location THEN NULLIF(u.location, '')::uuid ELSE p.location_room_id END,
                    assigned_room_id = CASE WHEN u.set_assigned THEN NULLIF(u.assigned, '')::uuid ELSE p.assigned_room_id END,
                    muted_by_host = COALESCE(NULLIF(u.muted, '')::boolean, p.muted_by_host),
                    role = COALESCE(NULLIF(u.role, ''), p.role)
                FROM unnest(
                    \(ids)::uuid[], \(rows.map { $0.location != nil })::bool[], \(rows.map { Self.text($0.location ?? nil) })::text[],
                    \(rows.map { $0.assignedRoom != nil })::bool[], \(rows.map { Self.text($0.assignedRoom ?? nil) })::text[],
                    \(rows.map { $0.muted.map { $0 ? "true" : "false" } ?? "" })::text[], \(rows.map { $0.role?.rawValue ?? "" })::text[]
                ) AS u (id, set_location, location, set_assigned, assigned, muted, role)
                WHERE p.meeting_id = \(meetingId) AND p.id = u.id
            ), answered AS (
                INSERT INTO idempotency_keys (scope, key, fingerprint, result)
                SELECT a.scope, a.key, a.fingerprint, a.result::jsonb
                FROM unnest(\(answers.map { ByteBuffer(bytes: $0.claim.scope) })::bytea[], \(answers.map(\.claim.key))::text[],
                            \(answers.map { ByteBuffer(bytes: $0.claim.fingerprint) })::bytea[], \(answerTexts)::text[])
                     AS a (scope, key, fingerprint, result)
            ), bumped AS (
                UPDATE meetings SET last_seq = \(newLastSeq) WHERE id = \(meetingId) AND \(newLastSeq) > \(lastSeq)
            ), appended AS (
                INSERT INTO events (meeting_id, seq, type, audience, recipients, payload)
                SELECT \(meetingId), \(lastSeq) + e.ord, e.type, e.audience, e.recipients::uuid[], e.payload::jsonb
                FROM unnest(\(events.map(\.type.rawValue))::text[], \(events.map(\.audience.kind))::text[],
                            \(events.map(\.audience.recipientsLiteral))::text[], \(payloads)::text[])
                     WITH ORDINALITY AS e (type, audience, recipients, payload, ord)
            )
            SELECT 1
            """, logger: logger)
    }

    /// The meeting's newest `seq` once this command commits, when it appended events (for the
    /// notification that `NotificationSender` sends after the commit).
    var appendedUpTo: Int64? { events.isEmpty ? nil : lastSeq + Int64(events.count) }

    private static func text(_ id: UUID?) -> String { id?.uuidString ?? "" }
}

extension Audience {
    /// The recipients as a PostgreSQL array literal, `{id,id}`.
    var recipientsLiteral: String { "{" + recipients.map(\.uuidString).joined(separator: ",") + "}" }
}
