public import BreakoutDomain
public import Foundation
import PostgresNIO

/// What people do while rooms exist: move, broadcast, ask for help, mute (spec rules 4, 5, 8, 9).
extension MeetingStore {
    /// The caller moves itself to `roomId` (nil = main).
    public func move(_ identity: Identity, to roomId: UUID?) async throws -> JSONValue {
        try await command(identity.meetingId, actor: identity.participantId) { command in
            let mover = command.caller
            if let roomId { _ = try await command.roomName(roomId) }
            let payload: JSONValue = ["participantId": JSONValue(mover.id), "from": JSONValue(mover.location), "to": JSONValue(roomId)]
            guard try MoveRules.move(mover: mover, to: roomId, breakout: command.breakout) else { return payload }
            try await command.query(
                "UPDATE participants SET location_room_id = \(roomId) WHERE meeting_id = \(command.meetingId) AND id = \(mover.id)")
            command.emit(DomainEvent(.participantMoved, payload))
            return payload
        }
    }

    /// A message to everyone, or to the people in one room (and the managers).
    public func broadcast(_ identity: Identity, message: String, roomId: UUID?) async throws -> JSONValue {
        try await command(identity.meetingId, actor: identity.participantId) { command in
            let message = try BroadcastRules.broadcast(actor: command.caller.role, breakout: command.breakout, message: message)
            var audience = Audience.everyone
            if let roomId {
                _ = try await command.roomName(roomId)
                var occupants: [UUID] = []
                for try await id in try await command.query(
                    "SELECT id FROM participants WHERE meeting_id = \(command.meetingId) AND location_room_id = \(roomId)"
                ).decode(UUID.self) { occupants.append(id) }
                audience = .managersAnd(occupants)
            }
            let payload: JSONValue = [
                "message": .string(message), "roomId": JSONValue(roomId), "from": JSONValue(command.caller.id),
                "sentAt": Representation.date(command.now),
            ]
            command.emit(DomainEvent(.broadcast, to: audience, payload))
            return payload
        }
    }

    /// The caller, in a room, asks for help.
    public func requestHelp(_ identity: Identity) async throws -> JSONValue {
        try await command(identity.meetingId, actor: identity.participantId) { command in
            var unresolved = false
            for try await _ in try await command.query(
                "SELECT 1 FROM help_requests WHERE participant_id = \(command.caller.id) AND status <> 'resolved'").decode(Int.self) {
                unresolved = true
            }
            let roomId = try HelpRules.request(asker: command.caller, hasUnresolvedRequest: unresolved)
            let id = UUID()
            try await command.query(
                """
                INSERT INTO help_requests (id, meeting_id, participant_id, room_id, created_at)
                VALUES (\(id), \(command.meetingId), \(command.caller.id), \(roomId), \(command.now))
                """)
            let request = Representation.helpRequest(
                id: id, participantId: command.caller.id, roomId: roomId, status: .open, takenBy: nil, createdAt: command.now)
            command.emit(DomainEvent(.helpRequested, to: .managersAnd([command.caller.id]), ["request": request]))
            return request
        }
    }

    /// A manager takes (`resolve` false) or resolves a help request.
    public func workHelpRequest(_ identity: Identity, request requestId: UUID, resolve: Bool) async throws -> JSONValue {
        try await command(identity.meetingId, actor: identity.participantId) { command in
            var found: (status: String, asker: UUID, room: UUID, takenBy: UUID?, createdAt: Date)?
            for try await row in try await command.query(
                """
                SELECT status, participant_id, room_id, taken_by, created_at FROM help_requests
                WHERE meeting_id = \(command.meetingId) AND id = \(requestId)
                """).decode((String, UUID, UUID, UUID?, Date).self) {
                found = row
            }
            guard let found else { throw DomainError.notFound("help_request") }
            let status = HelpStatus(rawValue: found.status)!
            let actor = command.caller.id
            let newStatus: HelpStatus
            if resolve {
                try HelpRules.resolve(actor: command.caller.role, status: status)
                try await command.query(
                    "UPDATE help_requests SET status = 'resolved', resolved_by = \(actor), resolved_at = now() WHERE id = \(requestId)")
                newStatus = .resolved
            } else {
                try HelpRules.take(actor: command.caller.role, status: status)
                try await command.query(
                    "UPDATE help_requests SET status = 'taken', taken_by = \(actor), taken_at = now() WHERE id = \(requestId)")
                newStatus = .taken
            }
            let request = Representation.helpRequest(
                id: requestId, participantId: found.asker, roomId: found.room, status: newStatus,
                takenBy: resolve ? found.takenBy : actor, createdAt: found.createdAt)
            command.emit(DomainEvent(resolve ? .helpResolved : .helpTaken, to: .managersAnd([found.asker]),
                                     ["request": request, "by": JSONValue(actor)]))
            return request
        }
    }

    /// A manager mutes someone, or lifts a mute from someone in its own location.
    public func setMute(_ identity: Identity, participant targetId: UUID, muted: Bool) async throws -> JSONValue {
        try await command(identity.meetingId, actor: identity.participantId) { command in
            let target = targetId == command.caller.id ? command.caller : try await command.member(targetId)
            let payload: JSONValue = ["participantIds": [JSONValue(targetId)], "muted": .bool(muted), "by": JSONValue(command.caller.id)]
            guard try MuteRules.setMute(actor: command.caller, target: target, muted: muted) else { return payload }
            try await command.query(
                "UPDATE participants SET muted_by_host = \(muted) WHERE meeting_id = \(command.meetingId) AND id = \(targetId)")
            command.emit(DomainEvent(.muteChanged, payload))
            return payload
        }
    }

    /// A manager lifts every mute it may lift: those of the people in its own location.
    public func unmuteAll(_ identity: Identity) async throws -> JSONValue {
        try await command(identity.meetingId, actor: identity.participantId) { command in
            try MuteRules.unmuteAll(actor: command.caller)
            var lifted: [JSONValue] = []
            for try await id in try await command.query(
                """
                UPDATE participants SET muted_by_host = false
                WHERE meeting_id = \(command.meetingId) AND muted_by_host
                  AND location_room_id IS NOT DISTINCT FROM \(command.caller.location)
                RETURNING id
                """).decode(UUID.self) { lifted.append(JSONValue(id)) }
            let payload: JSONValue = ["participantIds": .array(lifted), "muted": false, "by": JSONValue(command.caller.id)]
            if !lifted.isEmpty { command.emit(DomainEvent(.muteChanged, payload)) }
            return payload
        }
    }
}
