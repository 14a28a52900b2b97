public import BreakoutDomain
public import Foundation
import PostgresNIO

/// A meeting's whole state at one `seq`, for every viewer at once: what managers see (with emails
/// and the help queue) and what participants see (without), each without the caller's own `you`.
///
/// It is read once and shared: a node reads it at most once per `seq` for all the streams (and
/// requests) that start at that `seq`, and adds each caller's `you` (`view(for:)`).
public struct MeetingSnapshot: Sendable, Equatable {
    public var seq: Int64
    /// Each participant's role at `seq`: a caller's view and its `you.role` follow it.
    public var roles: [UUID: Role]
    /// The snapshot as managers see it, without `you`.
    public var managerView: [String: JSONValue]
    /// The snapshot as participants see it (no emails, no help queue), without `you`.
    public var participantView: [String: JSONValue]

    /// The caller's role at `seq`. A caller that is not (or no longer, or not yet) a participant
    /// at `seq` gets a participant's view, which shows the least.
    public func role(of participantId: UUID) -> Role { roles[participantId] ?? .participant }

    /// The caller's own part of a snapshot.
    public func you(_ participantId: UUID) -> JSONValue {
        ["participantId": JSONValue(participantId), "role": .string(role(of: participantId).rawValue)]
    }

    /// The snapshot `participantId` sees, with its `you`.
    public func view(for participantId: UUID) -> JSONValue {
        var object = role(of: participantId).isManager ? managerView : participantView
        object["you"] = you(participantId)
        return .object(object)
    }
}

/// The whole state a member may see, read in one REPEATABLE READ transaction so that it is
/// consistent with its `seq`: the snapshot shows exactly the effects of events 1…seq.
extension MeetingStore {
    /// What `identity` sees of its meeting now, with its `seq` (the body of `GET /v1/meetings/{id}`).
    public func snapshot(_ identity: Identity) async throws -> JSONValue {
        try await snapshot(of: identity.meetingId).view(for: identity.participantId)
    }

    /// The meeting's state now, for every viewer: one read, shared by the callers of one node.
    /// Bounded like a command, so a read hung on a closed connection cannot hold back every
    /// stream that waits for this snapshot.
    public func snapshot(of meetingId: UUID) async throws -> MeetingSnapshot {
        let logger = logger
        return try await withBoundedConnection { connection in
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            do {
                let value = try await readSnapshot(meetingId, on: connection)
                try await connection.query("COMMIT", logger: logger)
                return value
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    private func readSnapshot(_ meetingId: UUID, on connection: PostgresConnection) async throws -> MeetingSnapshot {
        var common: [String: JSONValue] = [:]
        var seq: Int64 = 0
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
            seq = try c[4].decode(Int64.self)
            common["seq"] = .number(Double(seq))
            common["meeting"] = [
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
        guard common["meeting"] != nil else { throw DomainError.notFound("meeting") }

        var roles: [UUID: Role] = [:]
        var managersSee: [JSONValue] = []
        var participantsSee: [JSONValue] = []
        for try await (id, name, email, role, location, assigned, muted) in try await connection.query(
            """
            SELECT id, display_name, email, role, location_room_id, assigned_room_id, muted_by_host
            FROM participants WHERE meeting_id = \(meetingId) ORDER BY joined_order
            """, logger: logger
        ).decode((UUID, String, String?, Role, UUID?, UUID?, Bool).self) {
            roles[id] = role
            for includeEmail in [true, false] {
                let participant = Representation.participant(
                    id: id, displayName: name, email: email, role: role, location: location, assignedRoomId: assigned,
                    mutedByHost: muted, includeEmail: includeEmail)
                if includeEmail { managersSee.append(participant) } else { participantsSee.append(participant) }
            }
        }

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
        common["breakout"] = breakout

        var requests: [JSONValue] = []
        for try await (id, asker, room, status, takenBy, createdAt) in try await connection.query(
            """
            SELECT id, participant_id, room_id, status, taken_by, created_at FROM help_requests
            WHERE meeting_id = \(meetingId) AND status <> 'resolved' ORDER BY created_at
            """, logger: logger
        ).decode((UUID, UUID, UUID, HelpStatus, UUID?, Date).self) {
            requests.append(Representation.helpRequest(
                id: id, participantId: asker, roomId: room, status: status, takenBy: takenBy,
                createdAt: createdAt))
        }

        var managerView = common
        managerView["participants"] = .array(managersSee)
        managerView["helpRequests"] = .array(requests)
        var participantView = common
        participantView["participants"] = .array(participantsSee)
        return MeetingSnapshot(seq: seq, roles: roles, managerView: managerView, participantView: participantView)
    }
}
