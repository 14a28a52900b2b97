public import BreakoutDomain
import Foundation
import PostgresNIO

/// The whole state a member may see, read in one REPEATABLE READ transaction so that it is
/// consistent with its `seq`: the snapshot shows exactly the effects of events 1…seq.
extension MeetingStore {
    public func snapshot(_ identity: Identity) async throws -> JSONValue {
        try await client.withConnection { connection in
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            do {
                let value = try await readSnapshot(identity, on: connection)
                try await connection.query("COMMIT", logger: logger)
                return value
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    private func readSnapshot(_ identity: Identity, on connection: PostgresConnection) async throws -> JSONValue {
        let meetingId = identity.meetingId
        var result: [String: JSONValue] = [:]
        var breakout: JSONValue = ["status": "none", "mode": nil, "options": nil, "rooms": [],
                                   "openedAt": nil, "timerEndsAt": nil, "closingEndsAt": nil]
        let meetingRows = try await connection.query(
            """
            SELECT m.code, m.title, m.breakout_rooms_enabled, m.status, m.last_seq, m.created_at,
                   \(unescaped: BreakoutRow.columns), b.opened_at, b.timer_ends_at, b.closing_ends_at
            FROM meetings m LEFT JOIN breakouts b ON b.meeting_id = m.id WHERE m.id = \(meetingId)
            """, logger: logger)
        for try await row in meetingRows {
            let c = row.makeRandomAccess()
            guard try c[3].decode(String.self) == "active" else { throw DomainError.meetingEnded }
            result["seq"] = .number(Double(try c[4].decode(Int64.self)))
            result["meeting"] = [
                "id": JSONValue(meetingId), "code": .string(try c[0].decode(String.self)),
                "title": .string(try c[1].decode(String.self)),
                "settings": ["breakoutRoomsEnabled": .bool(try c[2].decode(Bool.self))],
                "status": "active", "createdAt": Representation.date(try c[5].decode(Date.self)),
            ]
            let state = try BreakoutRow.decode(c, at: 6)
            if state.status != .none {
                breakout = [
                    "status": .string(state.status.rawValue), "mode": .string(state.mode.rawValue),
                    "options": Representation.options(state.options), "rooms": [],
                    "openedAt": Representation.date(try c[16].decode(Date?.self)),
                    "timerEndsAt": Representation.date(try c[17].decode(Date?.self)),
                    "closingEndsAt": Representation.date(try c[18].decode(Date?.self)),
                ]
            }
        }
        guard result["meeting"] != nil else { throw DomainError.notFound("meeting") }

        var callerRole = Role.participant
        var participants: [JSONValue] = []
        let participantRows = try await connection.query(
            """
            SELECT id, display_name, email, role, location_room_id, assigned_room_id, muted_by_host
            FROM participants WHERE meeting_id = \(meetingId) ORDER BY joined_order
            """, logger: logger)
        var rows: [(UUID, String, String?, Role, UUID?, UUID?, Bool)] = []
        for try await (id, name, email, role, location, assigned, muted) in participantRows.decode(
            (UUID, String, String?, String, UUID?, UUID?, Bool).self) {
            let role = Role(rawValue: role)!
            if id == identity.participantId { callerRole = role }
            rows.append((id, name, email, role, location, assigned, muted))
        }
        for (id, name, email, role, location, assigned, muted) in rows {
            participants.append(Representation.participant(
                id: id, displayName: name, email: email, role: role, location: location, assignedRoomId: assigned,
                mutedByHost: muted, includeEmail: callerRole.isManager))
        }
        result["participants"] = .array(participants)
        result["you"] = ["participantId": JSONValue(identity.participantId), "role": .string(callerRole.rawValue)]

        if case .object(var object) = breakout, object["status"] != "none" {
            var rooms: [JSONValue] = []
            for try await (id, name, position) in try await connection.query(
                "SELECT id, name, position FROM rooms WHERE meeting_id = \(meetingId) ORDER BY position", logger: logger
            ).decode((UUID, String, Int).self) {
                rooms.append(Representation.room(id: id, name: name, position: position))
            }
            object["rooms"] = .array(rooms)
            breakout = .object(object)
        }
        result["breakout"] = breakout

        if callerRole.isManager {
            var requests: [JSONValue] = []
            for try await (id, asker, room, status, takenBy, createdAt) in try await connection.query(
                """
                SELECT id, participant_id, room_id, status, taken_by, created_at FROM help_requests
                WHERE meeting_id = \(meetingId) AND status <> 'resolved' ORDER BY created_at
                """, logger: logger
            ).decode((UUID, UUID, UUID, String, UUID?, Date).self) {
                requests.append(Representation.helpRequest(
                    id: id, participantId: asker, roomId: room, status: HelpStatus(rawValue: status)!, takenBy: takenBy,
                    createdAt: createdAt))
            }
            result["helpRequests"] = .array(requests)
        }
        return .object(result)
    }
}
