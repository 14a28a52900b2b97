public import BreakoutDomain
public import Foundation
import PostgresNIO

/// What people do while rooms exist: move, broadcast, ask for help, mute (docs/rules.md, rules 4, 5, 8, 9).
extension MeetingStore {
    /// The caller moves itself to `roomId` (nil = main).
    public func move(_ caller: Caller, to roomId: UUID?) async throws -> ParticipantMoved {
        try await command(caller) { meeting, mover in
            if let roomId { _ = try meeting.room(roomId) }
            let (moved, event) = try MoveRules.moveEvent(mover: mover, to: roomId, breakout: meeting.breakout)
            if let event {
                meeting.setLocation(mover.id, roomId)
                meeting.emit(event)
            }
            return moved
        }
    }

    /// A message to everyone, or to the people in one room (and the managers).
    public func broadcast(_ caller: Caller, message: String, roomId: UUID?) async throws -> Broadcast {
        // To everyone it batches; to one room it reads the room's occupants, so it runs alone.
        guard let roomId else {
            return try await command(caller) { meeting, actor in
                let broadcast = try BroadcastRules.broadcast(
                    actor: actor, breakout: meeting.breakout, message: message, roomId: nil, now: meeting.now)
                meeting.emit(.broadcast(broadcast, occupants: []))
                return broadcast
            }
        }
        return try await exclusiveCommand(caller) { transaction, actor in
            let broadcast = try BroadcastRules.broadcast(
                actor: actor, breakout: transaction.breakout, message: message, roomId: roomId, now: transaction.now)
            _ = try transaction.room(roomId)
            var occupants: [UUID] = []
            for try await id in try await transaction.query(
                "SELECT id FROM participants WHERE meeting_id = \(transaction.meetingId) AND location_room_id = \(roomId)"
            ).decode(UUID.self) { occupants.append(id) }
            transaction.emit(.broadcast(broadcast, occupants: occupants))
            return broadcast
        }
    }

    /// The caller, in a room, asks for help.
    public func requestHelp(_ caller: Caller) async throws -> HelpRequest {
        try await exclusiveCommand(caller) { transaction, actor in
            var unresolved = false
            for try await _ in try await transaction.query(
                "SELECT 1 FROM help_requests WHERE participant_id = \(actor.id) AND status <> 'resolved'").decode(Int.self) {
                unresolved = true
            }
            let request = try HelpRules.request(asker: actor, hasUnresolvedRequest: unresolved, id: UUID(), now: transaction.now)
            try await transaction.query(
                """
                INSERT INTO help_requests (id, meeting_id, participant_id, room_id, created_at)
                VALUES (\(request.id), \(transaction.meetingId), \(actor.id), \(request.roomId), \(request.createdAt))
                """)
            transaction.emit(.helpRequested(request))
            return request
        }
    }

    /// A manager takes (`resolve` false) or resolves a help request.
    public func workHelpRequest(_ caller: Caller, request requestId: UUID, resolve: Bool) async throws -> HelpRequest {
        try await exclusiveCommand(caller) { transaction, actor in
            // Who may work the queue is decided before whether the request exists: a participant
            // learns nothing about the queue, not even which ids are in it.
            try Permission.requireManager(actor.role)
            var found: HelpRequest?
            for try await (status, asker, room, takenBy, createdAt) in try await transaction.query(
                """
                SELECT status, participant_id, room_id, taken_by, created_at FROM help_requests
                WHERE meeting_id = \(transaction.meetingId) AND id = \(requestId)
                """).decode((HelpStatus, UUID, UUID, UUID?, Date).self) {
                found = HelpRequest(id: requestId, participantId: asker, roomId: room, status: status, takenBy: takenBy, createdAt: createdAt)
            }
            guard let found else { throw DomainError.helpRequestNotFound }
            let worked = resolve
                ? try HelpRules.resolve(found, by: actor.id, role: actor.role)
                : try HelpRules.take(found, by: actor.id, role: actor.role)
            if resolve {
                try await transaction.query(
                    "UPDATE help_requests SET status = 'resolved', resolved_by = \(actor.id), resolved_at = now() WHERE id = \(requestId)")
            } else {
                try await transaction.query(
                    "UPDATE help_requests SET status = 'taken', taken_by = \(actor.id), taken_at = now() WHERE id = \(requestId)")
            }
            transaction.emit(.helpWorked(worked))
            return worked.request
        }
    }

    /// A manager mutes someone, or lifts a mute from someone in its own location.
    public func setMute(_ caller: Caller, participant targetId: UUID, muted: Bool) async throws -> MuteChanged {
        try await command(caller, about: [targetId]) { meeting, actor in
            let target = try meeting.member(targetId)
            let changed = MuteChanged(participantIds: [targetId], muted: muted, by: actor.id)
            guard try MuteRules.setMute(actor: actor, target: target, muted: muted) else { return changed }
            meeting.setMuted(targetId, muted)
            meeting.emit(DomainEvent(.muteChanged(changed)))
            return changed
        }
    }

    /// A manager lifts every mute it may lift: those of the people in its own location.
    public func unmuteAll(_ caller: Caller) async throws -> MuteChanged {
        try await exclusiveCommand(caller) { transaction, actor in
            try MuteRules.unmuteAll(actor: actor)
            var lifted: [UUID] = []
            for try await id in try await transaction.query(
                """
                UPDATE participants SET muted_by_host = false
                WHERE meeting_id = \(transaction.meetingId) AND muted_by_host
                  AND location_room_id IS NOT DISTINCT FROM \(actor.location)
                RETURNING id
                """).decode(UUID.self) { lifted.append(id) }
            let changed = MuteChanged(participantIds: lifted, muted: false, by: actor.id)
            if !lifted.isEmpty { transaction.emit(DomainEvent(.muteChanged(changed))) }
            return changed
        }
    }
}
