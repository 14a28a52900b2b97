import BreakoutDomain
import Foundation
import Logging
import PostgresNIO

extension MeetingTransaction {
    /// The last step of the transactions of one or more meetings, in one statement while their rows
    /// are locked: the participants' changes, the idempotency answers, the events with each
    /// meeting's next `seq`s and `last_seq`. The sequence stays gap-free because only the holder of
    /// the lock appends. The NOTIFY that wakes the nodes' listeners follows the commit
    /// (`NotificationSender`).
    static func write(_ transactions: [MeetingTransaction], on connection: PostgresConnection, logger: Logger) async throws {
        var statement = WriteStatement()
        let encoder = JSONValueEncoder()
        for transaction in transactions { try transaction.add(to: &statement, encoder: encoder) }
        guard !statement.isEmpty else { return }
        for try await _ in try await connection.execute(statement, logger: logger) {}
    }

    /// This meeting's rows of the write.
    private func add(to statement: inout WriteStatement, encoder: JSONValueEncoder) throws {
        for id in changes.order {
            guard let row = changes.byId[id] else { continue }
            statement.participantMeetings.append(meetingId)
            statement.ids.append(id)
            statement.setLocation.append(row.location != nil)
            statement.location.append(Self.text(row.location ?? nil))
            statement.setAssigned.append(row.assignedRoom != nil)
            statement.assigned.append(Self.text(row.assignedRoom ?? nil))
            statement.muted.append(row.muted.map { $0 ? "true" : "false" } ?? "")
            statement.role.append(row.role?.rawValue ?? "")
        }
        for answer in answers {
            statement.scopes.append(ByteBuffer(bytes: answer.claim.scope))
            statement.keys.append(answer.claim.key)
            statement.fingerprints.append(ByteBuffer(bytes: answer.claim.fingerprint))
            statement.answers.append(try answer.claim.seal(answer.answer))
        }
        guard let newLastSeq = appendedUpTo else { return }
        statement.bumpedMeetings.append(meetingId)
        statement.newLastSeqs.append(newLastSeq)
        for (offset, event) in events.enumerated() {
            statement.eventMeetings.append(meetingId)
            statement.seqs.append(lastSeq + Int64(offset + 1))
            statement.types.append(event.type.rawValue)
            statement.audiences.append(event.audience.kind)
            statement.recipients.append(event.audience.recipientsLiteral)
            statement.payloads.append(try encoder.text(event.payload))
        }
    }

    /// The meeting's newest `seq` once this transaction commits, when it appended events (for the
    /// notification that `NotificationSender` sends after the commit).
    var appendedUpTo: Int64? { events.isEmpty ? nil : lastSeq + Int64(events.count) }

    private static func text(_ id: UUID?) -> String { id?.uuidString ?? "" }
}

extension Audience {
    /// The recipients as a PostgreSQL array literal, `{id,id}`.
    var recipientsLiteral: String { "{" + recipients.map(\.uuidString).joined(separator: ",") + "}" }
}

/// The write of `Command.write`, prepared once per connection: PostgreSQL parses and plans it
/// once instead of on every command. Every row names its meeting, so the commands of several
/// meetings that share a transaction are written by the same one statement.
struct WriteStatement: PostgresPreparedStatement {
    static let sql = """
        WITH changed AS (
            UPDATE participants p SET
                location_room_id = CASE WHEN u.set_location THEN NULLIF(u.location, '')::uuid ELSE p.location_room_id END,
                assigned_room_id = CASE WHEN u.set_assigned THEN NULLIF(u.assigned, '')::uuid ELSE p.assigned_room_id END,
                muted_by_host = COALESCE(NULLIF(u.muted, '')::boolean, p.muted_by_host),
                role = COALESCE(NULLIF(u.role, ''), p.role)
            FROM unnest($1::uuid[], $2::uuid[], $3::bool[], $4::text[], $5::bool[], $6::text[], $7::text[], $8::text[])
                 AS u (meeting, id, set_location, location, set_assigned, assigned, muted, role)
            WHERE p.meeting_id = u.meeting AND p.id = u.id
        ), answered AS (
            INSERT INTO idempotency_keys (scope, key, fingerprint, result)
            SELECT a.scope, a.key, a.fingerprint, a.result::jsonb
            FROM unnest($9::bytea[], $10::text[], $11::bytea[], $12::text[]) AS a (scope, key, fingerprint, result)
        ), bumped AS (
            UPDATE meetings m SET last_seq = b.last_seq
            FROM unnest($13::uuid[], $14::bigint[]) AS b (id, last_seq)
            WHERE m.id = b.id
        ), appended AS (
            INSERT INTO events (meeting_id, seq, type, audience, recipients, payload)
            SELECT e.meeting, e.seq, e.type, e.audience, e.recipients::uuid[], e.payload::jsonb
            FROM unnest($15::uuid[], $16::bigint[], $17::text[], $18::text[], $19::text[], $20::text[])
                 AS e (meeting, seq, type, audience, recipients, payload)
        )
        SELECT 1
        """
    typealias Row = Int

    var participantMeetings: [UUID] = []
    var ids: [UUID] = []
    var setLocation: [Bool] = []
    var location: [String] = []
    var setAssigned: [Bool] = []
    var assigned: [String] = []
    var muted: [String] = []
    var role: [String] = []
    var scopes: [ByteBuffer] = []
    var keys: [String] = []
    var fingerprints: [ByteBuffer] = []
    var answers: [String] = []
    var bumpedMeetings: [UUID] = []
    var newLastSeqs: [Int64] = []
    var eventMeetings: [UUID] = []
    var seqs: [Int64] = []
    var types: [String] = []
    var audiences: [String] = []
    var recipients: [String] = []
    var payloads: [String] = []

    /// Nothing to write: no change, no answer, no event.
    var isEmpty: Bool { ids.isEmpty && keys.isEmpty && seqs.isEmpty }

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 20)
        bindings.append(participantMeetings)
        bindings.append(ids)
        bindings.append(setLocation)
        bindings.append(location)
        bindings.append(setAssigned)
        bindings.append(assigned)
        bindings.append(muted)
        bindings.append(role)
        bindings.append(scopes)
        bindings.append(keys)
        bindings.append(fingerprints)
        bindings.append(answers)
        bindings.append(bumpedMeetings)
        bindings.append(newLastSeqs)
        bindings.append(eventMeetings)
        bindings.append(seqs)
        bindings.append(types)
        bindings.append(audiences)
        bindings.append(recipients)
        bindings.append(payloads)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Int { try row.decode(Int.self) }
}
