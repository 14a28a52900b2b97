public import BreakoutDomain
public import Foundation
import PostgresNIO

/// Breakout rooms: create, discard, options, rooms, assignments, open and close (spec rules 1–3, 7).
extension MeetingStore {
    /// Creates the rooms and, in `automatic` mode, spreads the participants over them; in
    /// `preassigned` mode makes the list's rooms and assigns the members it names.
    public func createBreakout(
        _ caller: Caller, roomCount: Int, mode: BreakoutMode, options: BreakoutOptionsPatch
    ) async throws -> JSONValue {
        try await command(caller) { command, actor in
            var participants: [UUID] = []
            if mode == .automatic, actor.role.isManager {
                let rows = try await command.query(
                    "SELECT id FROM participants WHERE meeting_id = \(command.meetingId) AND role = 'participant' ORDER BY joined_order")
                for try await id in rows.decode(UUID.self) { participants.append(id) }
            }
            var preassigned: (list: [Preassignment], members: [(id: UUID, email: String)]) = ([], [])
            if mode == .preassigned, actor.role.isManager { preassigned = try await command.preassignmentFacts() }
            let plan = try BreakoutRules.create(
                actor: actor.role, breakoutRoomsEnabled: command.breakoutRoomsEnabled,
                current: command.breakout.status, roomCount: roomCount, mode: mode, options: options,
                participants: participants, limits: limits,
                preassignments: preassigned.list, members: preassigned.members)
            let o = plan.options
            try await command.query(
                """
                INSERT INTO breakouts (meeting_id, status, mode, move_automatically, allow_choose_room, allow_return_to_main,
                    timer_seconds, close_when_time_up, notify_host_when_time_up, close_countdown_seconds, assign_late_joiners)
                VALUES (\(command.meetingId), 'ready', \(plan.mode.rawValue), \(o.moveAutomatically), \(o.allowChooseRoom),
                    \(o.allowReturnToMain), \(o.timerSeconds), \(o.closeWhenTimeUp), \(o.notifyHostWhenTimeUp),
                    \(o.closeCountdownSeconds), \(o.assignLateJoiners))
                """)
            let roomIds = plan.roomNames.map { _ in UUID() }
            let positions = Array(1...plan.roomNames.count)
            try await command.query(
                """
                INSERT INTO rooms (id, meeting_id, name, position)
                SELECT r.id, \(command.meetingId), r.name, r.position
                FROM unnest(\(roomIds)::uuid[], \(plan.roomNames)::text[], \(positions)::int[]) AS r(id, name, position)
                """)
            var assignedIds: [UUID] = []
            var assignedRooms: [UUID] = []
            for (index, members) in plan.assignments.enumerated() {
                assignedIds += members
                assignedRooms += Array(repeating: roomIds[index], count: members.count)
            }
            if !assignedIds.isEmpty {
                try await command.query(
                    """
                    UPDATE participants p SET assigned_room_id = a.room
                    FROM unnest(\(assignedIds)::uuid[], \(assignedRooms)::uuid[]) AS a(id, room)
                    WHERE p.meeting_id = \(command.meetingId) AND p.id = a.id
                    """)
            }
            let rooms: [JSONValue] = roomIds.indices.map {
                Representation.room(id: roomIds[$0], name: plan.roomNames[$0], position: positions[$0])
            }
            let breakout: JSONValue = [
                "status": "ready", "mode": .string(plan.mode.rawValue), "options": Representation.options(o),
                "rooms": .array(rooms), "openedAt": nil, "timerEndsAt": nil, "closingEndsAt": nil,
            ]
            // Compact: one list of participant ids per room that has any, not one entry per person.
            var assignments: [String: JSONValue] = [:]
            for (index, members) in plan.assignments.enumerated() where !members.isEmpty {
                assignments[roomIds[index].uuidString.lowercased()] = .array(members.map { JSONValue($0) })
            }
            command.emit(DomainEvent(.breakoutCreated, ["breakout": breakout, "assignments": .object(assignments)]))
            return breakout
        }
    }

    /// Discards the rooms (not while open); assignments go with them.
    public func discardBreakout(_ caller: Caller) async throws {
        _ = try await command(caller) { command, actor in
            try BreakoutRules.discard(actor: actor.role, breakout: command.breakout)
            try await command.query("DELETE FROM breakouts WHERE meeting_id = \(command.meetingId)")
            command.emit(DomainEvent(.breakoutDiscarded, [:]))
            return NoContent()
        }
    }

    /// Changes options; while open a changed timer moves `timerEndsAt`.
    public func changeOptions(_ caller: Caller, patch: BreakoutOptionsPatch) async throws -> JSONValue {
        try await command(caller) { command, actor in
            let (o, timer) = try BreakoutRules.changeOptions(
                actor: actor.role, breakout: command.breakout, patch: patch, openedAt: command.openedAt)
            try await command.query(
                """
                UPDATE breakouts SET move_automatically = \(o.moveAutomatically), allow_choose_room = \(o.allowChooseRoom),
                    allow_return_to_main = \(o.allowReturnToMain), timer_seconds = \(o.timerSeconds),
                    close_when_time_up = \(o.closeWhenTimeUp), notify_host_when_time_up = \(o.notifyHostWhenTimeUp),
                    close_countdown_seconds = \(o.closeCountdownSeconds), assign_late_joiners = \(o.assignLateJoiners)
                WHERE meeting_id = \(command.meetingId)
                """)
            var payload: [String: JSONValue] = ["options": Representation.options(o)]
            switch timer {
            case .unchanged: break
            case .endsAt(let endsAt):
                try await command.scheduleRoomTimer(at: endsAt)
                payload["timerEndsAt"] = Representation.date(endsAt)
            case .removed:
                // The pending timer row no longer matches timer_ends_at, so it will do nothing.
                try await command.query("UPDATE breakouts SET timer_ends_at = NULL WHERE meeting_id = \(command.meetingId)")
                payload["timerEndsAt"] = .null
            }
            command.emit(DomainEvent(.optionsChanged, .object(payload)))
            return .object(payload)
        }
    }

    /// Adds a room, named "Breakout room N" unless a name is given.
    public func addRoom(_ caller: Caller, name: String?) async throws -> JSONValue {
        let requestedName = try name.map { try InputValidation.roomName($0) }
        return try await command(caller) { command, actor in
            let names = Set(command.rooms.map(\.name))
            let maxPosition = command.rooms.map(\.position).max() ?? 0
            try BreakoutRules.addRoom(actor: actor.role, breakout: command.breakout, roomCount: names.count, limits: limits)
            let name = requestedName ?? BreakoutRules.nameForAddedRoom(existing: names)
            guard !names.contains(name) else { throw DomainError.roomNameTaken }
            let id = UUID()
            try await command.query(
                "INSERT INTO rooms (id, meeting_id, name, position) VALUES (\(id), \(command.meetingId), \(name), \(maxPosition + 1))")
            let room = Representation.room(id: id, name: name, position: maxPosition + 1)
            command.emit(DomainEvent(.roomAdded, ["room": room]))
            return room
        }
    }

    public func renameRoom(_ caller: Caller, room roomId: UUID, name: String) async throws -> JSONValue {
        let name = try InputValidation.roomName(name)
        return try await command(caller) { command, actor in
            try BreakoutRules.requireEditable(actor: actor.role, breakout: command.breakout)
            guard try command.room(roomId).name != name else { return ["roomId": JSONValue(roomId), "name": .string(name)] }
            try await command.query("UPDATE rooms SET name = \(name) WHERE meeting_id = \(command.meetingId) AND id = \(roomId)")
            let payload: JSONValue = ["roomId": JSONValue(roomId), "name": .string(name)]
            command.emit(DomainEvent(.roomRenamed, payload))
            return payload
        }
    }

    /// Deletes a room; its occupants go to the main room and its assignees become unassigned.
    public func deleteRoom(_ caller: Caller, room roomId: UUID) async throws {
        _ = try await command(caller) { command, actor in
            try BreakoutRules.deleteRoom(actor: actor.role, breakout: command.breakout, roomCount: command.rooms.count)
            _ = try command.room(roomId)
            var movedToMain: [JSONValue] = []
            for try await id in try await command.query(
                """
                UPDATE participants SET location_room_id = NULL
                WHERE meeting_id = \(command.meetingId) AND location_room_id = \(roomId) RETURNING id
                """).decode(UUID.self) { movedToMain.append(JSONValue(id)) }
            // Help requests about the room are resolved: nobody is left there to help.
            try await command.query(
                """
                UPDATE help_requests SET status = 'resolved', resolved_at = now()
                WHERE meeting_id = \(command.meetingId) AND room_id = \(roomId) AND status <> 'resolved'
                """)
            try await command.query("DELETE FROM rooms WHERE meeting_id = \(command.meetingId) AND id = \(roomId)")
            command.emit(DomainEvent(.roomDeleted, ["roomId": JSONValue(roomId), "movedToMain": .array(movedToMain)]))
            return NoContent()
        }
    }

    /// Assigns (or with nil unassigns) a participant; while open this moves or prompts them.
    public func assign(_ caller: Caller, participant targetId: UUID, room roomId: UUID?) async throws -> JSONValue {
        try await command(caller, about: [targetId], batchable: true) { command, actor in
            try BreakoutRules.requireEditable(actor: actor.role, breakout: command.breakout)
            let target = try command.member(targetId)
            if let roomId { _ = try command.room(roomId) }
            let effect = try BreakoutRules.assign(actor: actor.role, breakout: command.breakout, target: target, room: roomId)
            command.setAssignment(targetId, roomId)
            if case .move(let destination) = effect { command.setLocation(targetId, destination) }
            let payload: JSONValue = ["participantId": JSONValue(targetId), "roomId": JSONValue(roomId)]
            if target.assignedRoomId != roomId { command.emit(DomainEvent(.assignmentChanged, payload)) }
            switch effect {
            case .assignOnly: break
            case .move(let destination):
                command.emit(DomainEvent(.participantMoved, [
                    "participantId": JSONValue(targetId), "from": JSONValue(target.location), "to": JSONValue(destination),
                ]))
            case .prompt:
                command.emit(DomainEvent(.movePrompt, to: .only([targetId]), payload))
            }
            return payload
        }
    }

    /// Opens all rooms: moves every assigned participant in, or prompts each of them.
    public func openBreakout(_ caller: Caller) async throws -> JSONValue {
        try await command(caller) { command, actor in
            let timerEndsAt = try BreakoutRules.open(actor: actor.role, breakout: command.breakout, now: command.now)
            try await command.query(
                """
                UPDATE breakouts SET status = 'open', opened_at = \(command.now), timer_ends_at = \(timerEndsAt)
                WHERE meeting_id = \(command.meetingId)
                """)
            if let timerEndsAt { try await command.scheduleRoomTimer(at: timerEndsAt) }
            let moveAutomatically = command.breakout.options.moveAutomatically
            if moveAutomatically {
                try await command.query(
                    """
                    UPDATE participants SET location_room_id = assigned_room_id
                    WHERE meeting_id = \(command.meetingId) AND assigned_room_id IS NOT NULL
                      AND location_room_id IS DISTINCT FROM assigned_room_id
                    """)
            }
            // Compact: with moveAutomatically the event says what happened — every participant with
            // an assigned room is now in it — instead of listing every move.
            let payload: JSONValue = [
                "openedAt": Representation.date(command.now), "timerEndsAt": Representation.date(timerEndsAt),
                "moveAutomatically": .bool(moveAutomatically),
            ]
            command.emit(DomainEvent(.breakoutOpened, payload))
            if !moveAutomatically {
                for try await (id, room) in try await command.query(
                    """
                    SELECT id, assigned_room_id FROM participants
                    WHERE meeting_id = \(command.meetingId) AND assigned_room_id IS NOT NULL ORDER BY joined_order
                    """).decode((UUID, UUID).self) {
                    command.emit(DomainEvent(.movePrompt, to: .only([id]), ["participantId": JSONValue(id), "roomId": JSONValue(room)]))
                }
            }
            return payload
        }
    }

    /// Closes all rooms: at once with countdown 0, else `closing` until the countdown ends.
    public func closeBreakout(_ caller: Caller) async throws -> JSONValue {
        try await command(caller) { command, actor in
            let plan = try BreakoutRules.close(actor: actor.role, breakout: command.breakout, now: command.now)
            return try await command.apply(plan)
        }
    }
}

extension Command {
    /// Sets (or moves) the room timer of this meeting. A row scheduled earlier stays and turns
    /// stale: the scheduler fires only the row whose due time equals `timer_ends_at`.
    func scheduleRoomTimer(at dueAt: Date) async throws {
        try await query("UPDATE breakouts SET timer_ends_at = \(dueAt) WHERE meeting_id = \(meetingId)")
        try await query("INSERT INTO timers (meeting_id, kind, due_at) VALUES (\(meetingId), 'room_timer', \(dueAt))")
    }

    /// Applies a close plan: the countdown starts, or everyone returns to main at once.
    mutating func apply(_ plan: BreakoutRules.ClosePlan) async throws -> JSONValue {
        // A pending room timer turns stale: the breakout is no longer open.
        switch plan {
        case .immediately:
            return try await finishClosing()
        case .countdown(let endsAt, let seconds):
            try await query(
                """
                UPDATE breakouts SET status = 'closing', closing_ends_at = \(endsAt), timer_ends_at = NULL
                WHERE meeting_id = \(meetingId)
                """)
            try await query("INSERT INTO timers (meeting_id, kind, due_at) VALUES (\(meetingId), 'close_countdown', \(endsAt))")
            let payload: JSONValue = ["closingEndsAt": Representation.date(endsAt), "countdownSeconds": JSONValue(seconds)]
            emit(DomainEvent(.breakoutClosing, payload))
            breakout.status = .closing
            return payload
        }
    }

    /// Everyone goes back to the main room; the rooms stay, `ready` to open again.
    mutating func finishClosing() async throws -> JSONValue {
        try await query(
            """
            UPDATE breakouts SET status = 'ready', opened_at = NULL, timer_ends_at = NULL, closing_ends_at = NULL
            WHERE meeting_id = \(meetingId)
            """)
        try await query(
            "UPDATE participants SET location_room_id = NULL WHERE meeting_id = \(meetingId) AND location_room_id IS NOT NULL")
        try await query(
            "UPDATE help_requests SET status = 'resolved', resolved_at = now() WHERE meeting_id = \(meetingId) AND status <> 'resolved'")
        let payload: JSONValue = ["closedAt": Representation.date(now)]
        emit(DomainEvent(.breakoutClosed, payload))
        breakout.status = .ready
        return payload
    }
}
