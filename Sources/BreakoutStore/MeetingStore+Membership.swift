public import BreakoutDomain
public import Foundation
import PostgresNIO

/// Meetings and membership: create, join, leave or remove, roles, end (docs/rules.md, rules 10 and 11).
extension MeetingStore {
    /// A new meeting and its host's way in.
    public struct CreatedMeeting: IdempotentResult, Equatable {
        public var meeting: Meeting
        public var hostToken: String
        public var participantId: UUID
    }

    /// Creates a meeting whose creator is its host: the meeting, its host and the first event in one
    /// statement. With an idempotency key the key is claimed first, in the same transaction.
    public func createMeeting(
        title: String, hostName: String, breakoutRoomsEnabled: Bool, claim: Idempotency.Claim? = nil
    ) async throws -> CreatedMeeting {
        let title = try InputValidation.title(title)
        let hostName = try InputValidation.displayName(hostName, field: "hostName")
        let meetingId = UUID()
        let host = Participant(id: UUID(), displayName: hostName, email: nil, role: .host)
        let token = Tokens.generate()
        let joined = try JSONValueEncoder().text(EventPayload.participantJoined(ParticipantJoined(participant: host)))
        // A fresh code collides with an existing one about once in 10^14 meetings; retry then.
        for attempt in 1...5 {
            let code = MeetingCode.generate()
            do {
                let logger = logger
                return try await boundedTransaction { connection in
                    if let claim, let stored = try await claimIdempotencyKey(claim, on: connection) {
                        return try CreatedMeeting(storedForm: stored)
                    }
                    try await connection.query(
                        """
                        WITH meeting AS (
                            INSERT INTO meetings (id, code, title, breakout_rooms_enabled, last_seq)
                            VALUES (\(meetingId), \(code), \(title), \(breakoutRoomsEnabled), 1)
                        ), host AS (
                            INSERT INTO participants (id, meeting_id, display_name, role, token_hash)
                            VALUES (\(host.id), \(meetingId), \(hostName), 'host', \(Tokens.hash(token)))
                        )
                        INSERT INTO events (meeting_id, seq, type, audience, payload)
                        VALUES (\(meetingId), 1, \(EventType.participantJoined.rawValue), 'everyone', \(joined)::jsonb)
                        """, logger: logger)
                    let meeting = Meeting(
                        id: meetingId, code: code, title: title, settings: .init(breakoutRoomsEnabled: breakoutRoomsEnabled))
                    let created = CreatedMeeting(meeting: meeting, hostToken: token, participantId: host.id)
                    if let claim { try await storeIdempotentResult(claim, result: try created.storedForm(), on: connection) }
                    return created
                }
            } catch {
                let error = Self.translate(error)
                if let failure = error as? StoreError, failure.code == .conflict, attempt < 5 { continue }
                throw error
            }
        }
        throw StoreError.codeExhausted
    }

    /// A participant's way into a meeting.
    public struct Joined: IdempotentResult, Equatable {
        public var meetingId: UUID
        public var participantId: UUID
        public var token: String
    }

    /// Anyone with the code joins as a participant; a late joiner gets a room when the options say so.
    public func join(code: String, displayName: String, email: String?, claim: Idempotency.Claim? = nil) async throws -> Joined {
        let displayName = try InputValidation.displayName(displayName)
        let email = try email.map { try InputValidation.email($0) }
        let normalized = MeetingCode.normalize(code)
        let logger = logger
        let found = try await withBoundedConnection { connection -> UUID? in
            for try await id in try await connection.query(
                "SELECT id FROM meetings WHERE code = \(normalized)", logger: logger).decode(UUID.self) { return id }
            return nil
        }
        guard let meetingId = found else { throw DomainError.noMeetingWithCode }
        let participantId = UUID()
        let token = Tokens.generate()
        return try await anonymousCommand(meetingId, claim: claim) { transaction in
            // The least populated room, for a late joiner, by assignment count; and the room the
            // pre-assignment list names for the joiner's email, if it exists (same statement).
            var rooms: [(id: UUID, assigned: Int)] = []
            var preassignedRoom: UUID?
            if transaction.breakout.status.hasRooms, transaction.breakout.options.assignLateJoiners {
                let rows = try await transaction.query(
                    """
                    SELECT r.id, (SELECT count(*) FROM participants p WHERE p.meeting_id = r.meeting_id AND p.assigned_room_id = r.id),
                           EXISTS (SELECT 1 FROM preassignments pa
                                   WHERE pa.meeting_id = r.meeting_id AND pa.email = \(email) AND pa.room_name = r.name)
                    FROM rooms r WHERE r.meeting_id = \(meetingId) ORDER BY r.position
                    """)
                for try await (id, count, preassigned) in rows.decode((UUID, Int, Bool).self) {
                    rooms.append((id, count))
                    if preassigned { preassignedRoom = id }
                }
            }
            let late = BreakoutRules.lateJoiner(
                role: .participant, breakout: transaction.breakout, rooms: rooms, preassignedRoom: preassignedRoom)
            var location: UUID?
            if case .move(let room)? = late?.effect { location = room }
            try await transaction.query(
                """
                INSERT INTO participants (id, meeting_id, display_name, email, role, token_hash, assigned_room_id, location_room_id)
                VALUES (\(participantId), \(meetingId), \(displayName), \(email), 'participant', \(Tokens.hash(token)),
                        \(late?.room), \(location))
                """)
            let participant = Participant(
                id: participantId, displayName: displayName, email: email, role: .participant, location: location,
                assignedRoomId: late?.room)
            transaction.emit(DomainEvent(.participantJoined(ParticipantJoined(participant: participant))))
            if case .prompt? = late?.effect, let room = late?.room { transaction.emit(.movePrompt(participantId, to: room)) }
            return Joined(meetingId: meetingId, participantId: participantId, token: token)
        }
    }

    /// Leaves the meeting (`target` is the caller) or, for the host, removes someone.
    public func removeParticipant(_ caller: Caller, target targetId: UUID) async throws {
        _ = try await exclusiveCommand(caller, about: [targetId]) { transaction, actor in
            let target = try transaction.member(targetId)
            let left = try MembershipRules.remove(actor: actor, target: target)
            try await transaction.query("DELETE FROM participants WHERE meeting_id = \(transaction.meetingId) AND id = \(targetId)")
            transaction.emit(left)
            return NoContent()
        }
    }

    /// The host appoints or demotes a co-host.
    public func setRole(_ caller: Caller, target targetId: UUID, role: Role) async throws {
        _ = try await command(caller, about: [targetId]) { meeting, actor in
            let target = try meeting.member(targetId)
            guard let changed = try MembershipRules.setRole(actor: actor.role, target: target, role: role) else { return NoContent() }
            meeting.setRole(targetId, role)
            meeting.emit(changed)
            return NoContent()
        }
    }

    /// The host ends the meeting: every token stops working; pending timers of it fire as stale.
    public func endMeeting(_ caller: Caller) async throws {
        _ = try await exclusiveCommand(caller) { transaction, actor in
            try MembershipRules.end(actor: actor.role)
            try await transaction.query("UPDATE meetings SET status = 'ended', ended_at = now() WHERE id = \(transaction.meetingId)")
            transaction.emit(DomainEvent(.meetingEnded(MeetingEnded(endedAt: transaction.now))))
            return NoContent()
        }
    }
}
