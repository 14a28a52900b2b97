public import BreakoutDomain
public import Foundation
import PostgresNIO

/// What people do while rooms exist: move, broadcast, ask for help, mute (spec rules 4, 5, 8, 9).
extension MeetingStore {
    /// The caller moves itself to `roomId` (nil = main).
    public func move(_ caller: Caller, to roomId: UUID?) async throws -> JSONValue {
        try await command(caller, batchable: true) { command, mover in
            if let roomId { _ = try command.room(roomId) }
            let payload: JSONValue = ["participantId": JSONValue(mover.id), "from": JSONValue(mover.location), "to": JSONValue(roomId)]
            guard try MoveRules.move(mover: mover, to: roomId, breakout: command.breakout) else { return payload }
            command.setLocation(mover.id, roomId)
            command.emit(DomainEvent(.participantMoved, payload))
            return payload
        }
    }

    /// A message to everyone, or to the people in one room (and the managers).
    public func broadcast(_ caller: Caller, message: String, roomId: UUID?) async throws -> JSONValue {
        // To one room it reads the room's occupants, so it runs alone; to everyone it batches.
        try await command(caller, batchable: roomId == nil) { command, actor in
            let message = try BroadcastRules.broadcast(actor: actor.role, breakout: command.breakout, message: message)
            var audience = Audience.everyone
            if let roomId {
                _ = try command.room(roomId)
                var occupants: [UUID] = []
                for try await id in try await command.query(
                    "SELECT id FROM participants WHERE meeting_id = \(command.meetingId) AND location_room_id = \(roomId)"
                ).decode(UUID.self) { occupants.append(id) }
                audience = .managersAnd(occupants)
            }
            let payload: JSONValue = [
                "message": .string(message), "roomId": JSONValue(roomId), "from": JSONValue(actor.id),
                "sentAt": Representation.date(command.now),
            ]
            command.emit(DomainEvent(.broadcast, to: audience, payload))
            return payload
        }
    }

    /// The caller, in a room, asks for help.
    public func requestHelp(_ caller: Caller) async throws -> JSONValue {
        try await command(caller) { command, actor in
            var unresolved = false
            for try await _ in try await command.query(
                "SELECT 1 FROM help_requests WHERE participant_id = \(actor.id) AND status <> 'resolved'").decode(Int.self) {
                unresolved = true
            }
            let roomId = try HelpRules.request(asker: actor, hasUnresolvedRequest: unresolved)
            let id = UUID()
            try await command.query(
                """
                INSERT INTO help_requests (id, meeting_id, participant_id, room_id, created_at)
                VALUES (\(id), \(command.meetingId), \(actor.id), \(roomId), \(command.now))
                """)
            let request = Representation.helpRequest(
                id: id, participantId: actor.id, roomId: roomId, status: .open, takenBy: nil, createdAt: command.now)
            command.emit(DomainEvent(.helpRequested, to: .managersAnd([actor.id]), ["request": request]))
            return request
        }
    }

    /// A manager takes (`resolve` false) or resolves a help request.
    public func workHelpRequest(_ caller: Caller, request requestId: UUID, resolve: Bool) async throws -> JSONValue {
        try await command(caller) { command, actor in
            // Who may work the queue is decided before whether the request exists: a participant
            // learns nothing about the queue, not even which ids are in it.
            try Permission.requireManager(actor.role)
            var found: (status: HelpStatus, asker: UUID, room: UUID, takenBy: UUID?, createdAt: Date)?
            for try await row in try await command.query(
                """
                SELECT status, participant_id, room_id, taken_by, created_at FROM help_requests
                WHERE meeting_id = \(command.meetingId) AND id = \(requestId)
                """).decode((HelpStatus, UUID, UUID, UUID?, Date).self) {
                found = row
            }
            guard let found else { throw DomainError.notFound("help_request") }
            let status = found.status
            let role = actor.role
            let actor = actor.id
            let newStatus: HelpStatus
            if resolve {
                try HelpRules.resolve(actor: role, status: status)
                try await command.query(
                    "UPDATE help_requests SET status = 'resolved', resolved_by = \(actor), resolved_at = now() WHERE id = \(requestId)")
                newStatus = .resolved
            } else {
                try HelpRules.take(actor: role, status: status)
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
    public func setMute(_ caller: Caller, participant targetId: UUID, muted: Bool) async throws -> JSONValue {
        try await command(caller, about: [targetId], batchable: true) { command, actor in
            let target = try command.member(targetId)
            let payload: JSONValue = ["participantIds": [JSONValue(targetId)], "muted": .bool(muted), "by": JSONValue(actor.id)]
            guard try MuteRules.setMute(actor: actor, target: target, muted: muted) else { return payload }
            command.setMuted(targetId, muted)
            command.emit(DomainEvent(.muteChanged, payload))
            return payload
        }
    }

    /// A manager lifts every mute it may lift: those of the people in its own location.
    public func unmuteAll(_ caller: Caller) async throws -> JSONValue {
        try await command(caller) { command, actor in
            try MuteRules.unmuteAll(actor: actor)
            var lifted: [JSONValue] = []
            for try await id in try await command.query(
                """
                UPDATE participants SET muted_by_host = false
                WHERE meeting_id = \(command.meetingId) AND muted_by_host
                  AND location_room_id IS NOT DISTINCT FROM \(actor.location)
                RETURNING id
                """).decode(UUID.self) { lifted.append(JSONValue(id)) }
            let payload: JSONValue = ["participantIds": .array(lifted), "muted": false, "by": JSONValue(actor.id)]
            if !lifted.isEmpty { command.emit(DomainEvent(.muteChanged, payload)) }
            return payload
        }
    }
}
