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
        let statement = WriteStatement(
            ids: ids, setLocation: rows.map { $0.location != nil }, location: rows.map { Self.text($0.location ?? nil) },
            setAssigned: rows.map { $0.assignedRoom != nil }, assigned: rows.map { Self.text($0.assignedRoom ?? nil) },
            muted: rows.map { $0.muted.map { $0 ? "true" : "false" } ?? "" }, role: rows.map { $0.role?.rawValue ?? "" },
            meetingId: meetingId,
            scopes: answers.map { ByteBuffer(bytes: $0.claim.scope) }, keys: answers.map(\.claim.key),
            fingerprints: answers.map { ByteBuffer(bytes: $0.claim.fingerprint) }, answers: answerTexts,
            newLastSeq: newLastSeq, lastSeq: lastSeq,
            types: events.map(\.type.rawValue), audiences: events.map(\.audience.kind),
            recipients: events.map(\.audience.recipientsLiteral), payloads: payloads)
        for try await _ in try await connection.execute(statement, logger: logger) {}
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

/// The write of `Command.write()`, prepared once per connection: PostgreSQL parses and plans it
/// once instead of on every command.
struct WriteStatement: PostgresPreparedStatement {
    static let sql = """
        WITH changed AS (
            UPDATE participants p SET
                location_room_id = CASE WHEN u.set_location THEN NULLIF(u.location, '')::uuid ELSE p.location_room_id END,
                assigned_room_id = CASE WHEN u.set_assigned THEN NULLIF(u.assigned, '')::uuid ELSE p.assigned_room_id END,
                muted_by_host = COALESCE(NULLIF(u.muted, '')::boolean, p.muted_by_host),
                role = COALESCE(NULLIF(u.role, ''), p.role)
            FROM unnest($1::uuid[], $2::bool[], $3::text[], $4::bool[], $5::text[], $6::text[], $7::text[])
                 AS u (id, set_location, location, set_assigned, assigned, muted, role)
            WHERE p.meeting_id = $8::uuid AND p.id = u.id
        ), answered AS (
            INSERT INTO idempotency_keys (scope, key, fingerprint, result)
            SELECT a.scope, a.key, a.fingerprint, a.result::jsonb
            FROM unnest($9::bytea[], $10::text[], $11::bytea[], $12::text[]) AS a (scope, key, fingerprint, result)
        ), bumped AS (
            UPDATE meetings SET last_seq = $13::bigint WHERE id = $8::uuid AND $13::bigint > $14::bigint
        ), appended AS (
            INSERT INTO events (meeting_id, seq, type, audience, recipients, payload)
            SELECT $8::uuid, $14::bigint + e.ord, e.type, e.audience, e.recipients::uuid[], e.payload::jsonb
            FROM unnest($15::text[], $16::text[], $17::text[], $18::text[])
                 WITH ORDINALITY AS e (type, audience, recipients, payload, ord)
        )
        SELECT 1
        """
    typealias Row = Int

    var ids: [UUID]
    var setLocation: [Bool]
    var location: [String]
    var setAssigned: [Bool]
    var assigned: [String]
    var muted: [String]
    var role: [String]
    var meetingId: UUID
    var scopes: [ByteBuffer]
    var keys: [String]
    var fingerprints: [ByteBuffer]
    var answers: [String]
    var newLastSeq: Int64
    var lastSeq: Int64
    var types: [String]
    var audiences: [String]
    var recipients: [String]
    var payloads: [String]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 18)
        bindings.append(ids)
        bindings.append(setLocation)
        bindings.append(location)
        bindings.append(setAssigned)
        bindings.append(assigned)
        bindings.append(muted)
        bindings.append(role)
        bindings.append(meetingId)
        bindings.append(scopes)
        bindings.append(keys)
        bindings.append(fingerprints)
        bindings.append(answers)
        bindings.append(newLastSeq)
        bindings.append(lastSeq)
        bindings.append(types)
        bindings.append(audiences)
        bindings.append(recipients)
        bindings.append(payloads)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Int { try row.decode(Int.self) }
}
