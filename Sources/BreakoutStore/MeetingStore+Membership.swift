public import BreakoutDomain
public import Foundation
import PostgresNIO

/// Meetings and membership: create, join, leave or remove, roles, end (spec rules 10 and 11).
extension MeetingStore {
    public struct CreatedMeeting: IdempotentResult {
        public var meeting: JSONValue
        public var hostToken: String
        public var participantId: UUID

        init(meeting: JSONValue, hostToken: String, participantId: UUID) {
            self.meeting = meeting
            self.hostToken = hostToken
            self.participantId = participantId
        }

        public var storedForm: JSONValue {
            ["meeting": meeting, "hostToken": .string(hostToken), "participantId": JSONValue(participantId)]
        }

        public init(storedForm: JSONValue) throws {
            guard let token = storedForm["hostToken"]?.stringValue,
                  let id = storedForm["participantId"]?.stringValue.flatMap(UUID.init(uuidString:)), let meeting = storedForm["meeting"]
            else { throw DomainError(status: 409, code: "idempotency_replay_failed", detail: "Stored answer unreadable.") }
            self.init(meeting: meeting, hostToken: token, participantId: id)
        }
    }

    /// Creates a meeting whose creator is its host: the meeting, its host and the first event in one
    /// statement. With an idempotency key the key is claimed first, in the same transaction.
    public func createMeeting(
        title: String, hostName: String, breakoutRoomsEnabled: Bool, claim: Idempotency.Claim? = nil
    ) async throws -> CreatedMeeting {
        let title = try InputValidation.title(title)
        let hostName = try InputValidation.displayName(hostName, field: "hostName")
        let meetingId = UUID()
        let hostId = UUID()
        let token = Tokens.generate()
        let host = Representation.participant(
            id: hostId, displayName: hostName, email: nil, role: .host, location: nil, assignedRoomId: nil,
            mutedByHost: false, includeEmail: true)
        let joined = String(decoding: try JSONEncoder.sortedKeys.encode(["participant": host] as JSONValue), as: UTF8.self)
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
                            VALUES (\(hostId), \(meetingId), \(hostName), 'host', \(Tokens.hash(token)))
                        )
                        INSERT INTO events (meeting_id, seq, type, audience, payload)
                        VALUES (\(meetingId), 1, \(EventType.participantJoined.rawValue), 'everyone', \(joined)::jsonb)
                        """, logger: logger)
                    let meeting: JSONValue = [
                        "id": JSONValue(meetingId), "code": .string(code), "title": .string(title),
                        "settings": ["breakoutRoomsEnabled": .bool(breakoutRoomsEnabled)], "status": "active",
                    ]
                    let created = CreatedMeeting(meeting: meeting, hostToken: token, participantId: hostId)
                    if let claim { try await storeIdempotentResult(claim, result: created.storedForm, on: connection) }
                    return created
                }
            } catch {
                let error = Self.translate(error)
                if let refusal = error as? DomainError, refusal.code == "conflict", attempt < 5 { continue }
                throw error
            }
        }
        throw DomainError(status: 503, code: "code_exhausted", detail: "Could not allocate a meeting code; try again.")
    }

    public struct Joined: IdempotentResult {
        public var meetingId: UUID
        public var participantId: UUID
        public var token: String

        init(meetingId: UUID, participantId: UUID, token: String) {
            self.meetingId = meetingId
            self.participantId = participantId
            self.token = token
        }

        public var storedForm: JSONValue {
            ["meetingId": JSONValue(meetingId), "participantId": JSONValue(participantId), "token": .string(token)]
        }

        public init(storedForm: JSONValue) throws {
            guard let meetingId = storedForm["meetingId"]?.stringValue.flatMap(UUID.init(uuidString:)),
                  let participantId = storedForm["participantId"]?.stringValue.flatMap(UUID.init(uuidString:)),
                  let token = storedForm["token"]?.stringValue
            else { throw DomainError(status: 409, code: "idempotency_replay_failed", detail: "Stored answer unreadable.") }
            self.init(meetingId: meetingId, participantId: participantId, token: token)
        }
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
        guard let meetingId = found else {
            throw DomainError(status: 404, code: "meeting_not_found", detail: "No meeting has that code.")
        }
        let participantId = UUID()
        let token = Tokens.generate()
        return try await anonymousCommand(meetingId, claim: claim) { command in
            // The least populated room, for a late joiner, by assignment count; and the room the
            // pre-assignment list names for the joiner's email, if it exists (same statement).
            var rooms: [(id: UUID, assigned: Int)] = []
            var preassignedRoom: UUID?
            if command.breakout.status.hasRooms, command.breakout.options.assignLateJoiners {
                let rows = try await command.query(
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
                role: .participant, breakout: command.breakout, rooms: rooms, preassignedRoom: preassignedRoom)
            var location: UUID?
            if case .move(let room)? = late?.effect { location = room }
            try await command.query(
                """
                INSERT INTO participants (id, meeting_id, display_name, email, role, token_hash, assigned_room_id, location_room_id)
                VALUES (\(participantId), \(meetingId), \(displayName), \(email), 'participant', \(Tokens.hash(token)),
                        \(late?.room), \(location))
                """)
            command.emit(DomainEvent(.participantJoined, [
                "participant": Representation.participant(
                    id: participantId, displayName: displayName, email: email, role: .participant, location: location,
                    assignedRoomId: late?.room, mutedByHost: false, includeEmail: true),
            ]))
            if case .prompt? = late?.effect, let room = late?.room {
                command.emit(DomainEvent(.movePrompt, to: .only([participantId]), ["participantId": JSONValue(participantId), "roomId": JSONValue(room)]))
            }
            return Joined(meetingId: meetingId, participantId: participantId, token: token)
        }
    }

    /// Leaves the meeting (`target` is the caller) or, for the host, removes someone.
    public func removeParticipant(_ caller: Caller, target targetId: UUID) async throws {
        _ = try await command(caller, about: [targetId]) { command, actor in
            let target = try command.member(targetId)
            try MembershipRules.remove(actor: actor, target: target)
            try await command.query("DELETE FROM participants WHERE meeting_id = \(command.meetingId) AND id = \(targetId)")
            command.emit(DomainEvent(.participantLeft, [
                "participantId": JSONValue(targetId),
                "reason": .string(targetId == actor.id ? "left" : "removed"),
            ]))
            return NoContent()
        }
    }

    /// The host appoints or demotes a co-host.
    public func setRole(_ caller: Caller, target targetId: UUID, role: Role) async throws {
        _ = try await command(caller, about: [targetId], batchable: true) { command, actor in
            let target = try command.member(targetId)
            guard try MembershipRules.setRole(actor: actor.role, target: target, role: role) else { return NoContent() }
            command.setRole(targetId, role)
            command.emit(DomainEvent(.roleChanged, ["participantId": JSONValue(targetId), "role": .string(role.rawValue)]))
            return NoContent()
        }
    }

    /// The host ends the meeting: every token stops working; pending timers of it fire as stale.
    public func endMeeting(_ caller: Caller) async throws {
        _ = try await command(caller) { command, actor in
            try MembershipRules.end(actor: actor.role)
            try await command.query("UPDATE meetings SET status = 'ended', ended_at = now() WHERE id = \(command.meetingId)")
            command.emit(DomainEvent(.meetingEnded, ["endedAt": Representation.date(command.now)]))
            return NoContent()
        }
    }
}
