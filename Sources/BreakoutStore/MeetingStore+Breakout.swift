public import BreakoutDomain
public import Foundation
import PostgresNIO

/// Breakout rooms: create, discard, options, rooms, assignments, open and close
/// (docs/rules.md, rules 1–3 and 7).
extension MeetingStore {
    /// Creates `roomCount` rooms.
    public func createBreakout(
        _ caller: Caller, roomCount: Int, mode: BreakoutMode, options: BreakoutOptionsPatch
    ) async throws -> Breakout {
        try await createBreakout(caller, roomCount: roomCount, roomSize: nil, mode: mode, options: options, seed: nil).breakout
    }

    /// Creates the rooms and, in `automatic`, `rotate` and `keep` modes, spreads the participants
    /// over them (`rotate` and `keep` after the meeting's earlier breakouts, read from its event
    /// log); in `preassigned` mode makes the list's rooms and assigns the members it names.
    public func createBreakout(
        _ caller: Caller, roomCount: Int?, roomSize: Int?, mode: BreakoutMode, options: BreakoutOptionsPatch, seed: Int?
    ) async throws -> BreakoutCreation {
        try await exclusiveCommand(caller) { transaction, actor in
            var participants: [UUID] = []
            if mode.assignsParticipants, actor.role.isManager {
                let rows = try await transaction.query(
                    "SELECT id FROM participants WHERE meeting_id = \(transaction.meetingId) AND role = 'participant' ORDER BY joined_order")
                for try await id in rows.decode(UUID.self) { participants.append(id) }
            }
            var preassigned: (list: [Preassignment], members: [PreassignedRooms.Person]) = ([], [])
            if mode == .preassigned, actor.role.isManager { preassigned = try await transaction.preassignmentFacts() }
            var history = BreakoutHistory()
            if mode == .rotate || mode == .keep, actor.role.isManager {
                history = BreakoutHistory(concatenating: [try await transaction.courseHistory(), try await transaction.breakoutHistory()])
            }
            let plan = try BreakoutRules.create(
                actor: actor.role, breakoutRoomsEnabled: transaction.breakoutRoomsEnabled,
                current: transaction.breakout.status, roomCount: roomCount, roomSize: roomSize, mode: mode, options: options,
                participants: participants, limits: limits,
                preassignments: preassigned.list, members: preassigned.members, history: history, seed: seed)
            try await transaction.query(try BreakoutColumns.insert(meetingId: transaction.meetingId, mode: plan.mode, options: plan.options))
            let rooms = plan.roomNames.enumerated().map { Room(id: UUID(), name: $0.element, position: $0.offset + 1) }
            try await transaction.query(
                """
                INSERT INTO rooms (id, meeting_id, name, position)
                SELECT r.id, \(transaction.meetingId), r.name, r.position
                FROM unnest(\(rooms.map(\.id))::uuid[], \(rooms.map(\.name))::text[], \(rooms.map(\.position))::int[])
                     AS r(id, name, position)
                """)
            let assignments = Dictionary(uniqueKeysWithValues: zip(rooms.map(\.id), plan.assignments))
            let assignedIds = plan.assignments.flatMap { $0 }
            let assignedRooms = zip(rooms, plan.assignments).flatMap { room, members in members.map { _ in room.id } }
            if !assignedIds.isEmpty {
                try await transaction.query(
                    """
                    UPDATE participants p SET assigned_room_id = a.room
                    FROM unnest(\(assignedIds)::uuid[], \(assignedRooms)::uuid[]) AS a(id, room)
                    WHERE p.meeting_id = \(transaction.meetingId) AND p.id = a.id
                    """)
            }
            let created = plan.created(rooms: rooms, assignments: assignments)
            transaction.emit(DomainEvent(.breakoutCreated(created)))
            return BreakoutCreation(breakout: created.breakout, rotation: plan.rotation)
        }
    }

    /// Discards the rooms (not while open); assignments go with them.
    public func discardBreakout(_ caller: Caller) async throws {
        _ = try await exclusiveCommand(caller) { transaction, actor in
            try BreakoutRules.discard(actor: actor.role, breakout: transaction.breakout)
            try await transaction.query("DELETE FROM breakouts WHERE meeting_id = \(transaction.meetingId)")
            transaction.emit(DomainEvent(.breakoutDiscarded(BreakoutDiscarded())))
            return NoContent()
        }
    }

    /// Changes options; while open a changed timer moves `timerEndsAt`.
    public func changeOptions(_ caller: Caller, patch: BreakoutOptionsPatch) async throws -> OptionsChanged {
        try await exclusiveCommand(caller) { transaction, actor in
            let (options, timer) = try BreakoutRules.changeOptions(
                actor: actor.role, breakout: transaction.breakout, patch: patch, openedAt: transaction.openedAt)
            let changed = OptionsChanged(options: options, timer: timer)
            try await transaction.query(try BreakoutColumns.update(meetingId: transaction.meetingId, options: changed.options))
            switch changed.timer {
            case .unchanged: break
            case .endsAt(let endsAt):
                try await transaction.scheduleTimer(.roomTimer, at: endsAt)
            case .removed:
                // The pending timer row no longer matches timer_ends_at, so it will do nothing.
                try await transaction.query("UPDATE breakouts SET timer_ends_at = NULL WHERE meeting_id = \(transaction.meetingId)")
            }
            transaction.emit(DomainEvent(.optionsChanged(changed)))
            return changed
        }
    }

    /// Adds a room, named "Breakout room N" unless a name is given.
    public func addRoom(_ caller: Caller, name: String?) async throws -> Room {
        let requestedName = try name.map { try InputValidation.roomName($0) }
        return try await exclusiveCommand(caller) { transaction, actor in
            let room = try BreakoutRules.addRoom(
                actor: actor.role, breakout: transaction.breakout, rooms: transaction.rooms, name: requestedName,
                id: UUID(), limits: limits)
            try await transaction.query(
                "INSERT INTO rooms (id, meeting_id, name, position) VALUES (\(room.id), \(transaction.meetingId), \(room.name), \(room.position))")
            transaction.emit(DomainEvent(.roomAdded(RoomAdded(room: room))))
            return room
        }
    }

    public func renameRoom(_ caller: Caller, room roomId: UUID, name: String) async throws -> RoomRenamed {
        let name = try InputValidation.roomName(name)
        return try await exclusiveCommand(caller) { transaction, actor in
            try BreakoutRules.requireEditable(actor: actor.role, breakout: transaction.breakout)
            let renamed = RoomRenamed(roomId: roomId, name: name)
            guard try transaction.room(roomId).name != name else { return renamed }
            try await transaction.query("UPDATE rooms SET name = \(name) WHERE meeting_id = \(transaction.meetingId) AND id = \(roomId)")
            transaction.emit(DomainEvent(.roomRenamed(renamed)))
            return renamed
        }
    }

    /// Deletes a room; its occupants go to the main room and its assignees become unassigned.
    public func deleteRoom(_ caller: Caller, room roomId: UUID) async throws {
        _ = try await exclusiveCommand(caller) { transaction, actor in
            try BreakoutRules.deleteRoom(actor: actor.role, breakout: transaction.breakout, roomCount: transaction.rooms.count)
            _ = try transaction.room(roomId)
            var movedToMain: [UUID] = []
            for try await id in try await transaction.query(
                """
                UPDATE participants SET location_room_id = NULL
                WHERE meeting_id = \(transaction.meetingId) AND location_room_id = \(roomId) RETURNING id
                """).decode(UUID.self) { movedToMain.append(id) }
            // Help requests about the room are resolved: nobody is left there to help.
            try await transaction.query(
                """
                UPDATE help_requests SET status = 'resolved', resolved_at = now()
                WHERE meeting_id = \(transaction.meetingId) AND room_id = \(roomId) AND status <> 'resolved'
                """)
            try await transaction.query("DELETE FROM rooms WHERE meeting_id = \(transaction.meetingId) AND id = \(roomId)")
            transaction.emit(DomainEvent(.roomDeleted(RoomDeleted(roomId: roomId, movedToMain: movedToMain))))
            return NoContent()
        }
    }

    /// Assigns (or with nil unassigns) a participant; while open this moves or prompts them.
    public func assign(_ caller: Caller, participant targetId: UUID, room roomId: UUID?) async throws -> Assignment {
        try await command(caller, about: [targetId]) { meeting, actor in
            try BreakoutRules.requireEditable(actor: actor.role, breakout: meeting.breakout)
            let target = try meeting.member(targetId)
            if let roomId { _ = try meeting.room(roomId) }
            let effect = try BreakoutRules.assign(actor: actor.role, breakout: meeting.breakout, target: target, room: roomId)
            meeting.setAssignment(targetId, roomId)
            if case .move(let destination) = effect { meeting.setLocation(targetId, destination) }
            meeting.emit(BreakoutRules.assignmentEvents(target: target, room: roomId, effect: effect))
            return Assignment(participantId: targetId, roomId: roomId)
        }
    }

    /// Opens all rooms: moves every assigned participant in, or prompts each of them.
    public func openBreakout(_ caller: Caller) async throws -> BreakoutOpened {
        try await exclusiveCommand(caller) { transaction, actor in
            let timerEndsAt = try BreakoutRules.open(actor: actor.role, breakout: transaction.breakout, now: transaction.now)
            try await transaction.query(
                """
                UPDATE breakouts SET status = 'open', opened_at = \(transaction.now), timer_ends_at = \(timerEndsAt)
                WHERE meeting_id = \(transaction.meetingId)
                """)
            if let timerEndsAt { try await transaction.scheduleTimer(.roomTimer, at: timerEndsAt) }
            let moveAutomatically = transaction.breakout.options.moveAutomatically
            if moveAutomatically {
                try await transaction.query(
                    """
                    UPDATE participants SET location_room_id = assigned_room_id
                    WHERE meeting_id = \(transaction.meetingId) AND assigned_room_id IS NOT NULL
                      AND location_room_id IS DISTINCT FROM assigned_room_id
                    """)
            }
            let opened = BreakoutOpened(openedAt: transaction.now, timerEndsAt: timerEndsAt, moveAutomatically: moveAutomatically)
            transaction.emit(DomainEvent(.breakoutOpened(opened)))
            if !moveAutomatically {
                for try await (id, room) in try await transaction.query(
                    """
                    SELECT id, assigned_room_id FROM participants
                    WHERE meeting_id = \(transaction.meetingId) AND assigned_room_id IS NOT NULL ORDER BY joined_order
                    """).decode((UUID, UUID).self) {
                    transaction.emit(.movePrompt(id, to: room))
                }
            }
            return opened
        }
    }

    /// Closes all rooms: at once with countdown 0, else `closing` until the countdown ends.
    public func closeBreakout(_ caller: Caller) async throws -> BreakoutRules.CloseOutcome {
        try await exclusiveCommand(caller) { transaction, actor in
            let plan = try BreakoutRules.close(actor: actor.role, breakout: transaction.breakout, now: transaction.now)
            return try await transaction.apply(plan)
        }
    }
}

extension ExclusiveTransaction {
    /// Sets (or moves) a timer of this meeting. A row scheduled earlier stays and turns stale: the
    /// scheduler fires only the row whose due time equals `timer_ends_at` (or `closing_ends_at`).
    func scheduleTimer(_ kind: TimerKind, at dueAt: Date) async throws {
        if kind == .roomTimer {
            try await query("UPDATE breakouts SET timer_ends_at = \(dueAt) WHERE meeting_id = \(self.meetingId)")
        }
        try await query("INSERT INTO timers (meeting_id, kind, due_at) VALUES (\(self.meetingId), \(kind.rawValue), \(dueAt))")
    }

    /// Applies a close plan: the countdown starts, or everyone returns to main at once.
    mutating func apply(_ plan: BreakoutRules.ClosePlan) async throws -> BreakoutRules.CloseOutcome {
        // A pending room timer turns stale: the breakout is no longer open.
        switch plan {
        case .immediately:
            return try await finishClosing()
        case .countdown(let endsAt, _):
            try await query(
                """
                UPDATE breakouts SET status = 'closing', closing_ends_at = \(endsAt), timer_ends_at = NULL
                WHERE meeting_id = \(self.meetingId)
                """)
            try await scheduleTimer(.closeCountdown, at: endsAt)
            let outcome = BreakoutRules.outcome(of: plan, now: self.now)
            emit(outcome.event)
            breakout.status = .closing
            return outcome
        }
    }

    /// Everyone goes back to the main room; the rooms stay, `ready` to open again.
    mutating func finishClosing() async throws -> BreakoutRules.CloseOutcome {
        try await query(
            """
            UPDATE breakouts SET status = 'ready', opened_at = NULL, timer_ends_at = NULL, closing_ends_at = NULL
            WHERE meeting_id = \(self.meetingId)
            """)
        try await query(
            "UPDATE participants SET location_room_id = NULL WHERE meeting_id = \(self.meetingId) AND location_room_id IS NOT NULL")
        try await query(
            "UPDATE help_requests SET status = 'resolved', resolved_at = now() WHERE meeting_id = \(self.meetingId) AND status <> 'resolved'")
        let outcome = BreakoutRules.outcome(of: .immediately, now: self.now)
        emit(outcome.event)
        breakout.status = .ready
        return outcome
    }
}

extension ExclusiveTransaction {
    /// The event types that tell who shared a room in the meeting's earlier breakouts (`BreakoutHistory`).
    static let historyEventTypes: [EventType] = [
        .breakoutCreated, .breakoutDiscarded, .roomAdded, .roomRenamed, .roomDeleted, .assignmentChanged,
        .participantJoined, .breakoutOpened, .participantMoved, .breakoutClosed,
    ]

    /// The meeting's earlier breakouts, for `rotate` and `keep`: one query over its event log,
    /// under the meeting's lock, so no breakout event can slip in between.
    func breakoutHistory() async throws -> BreakoutHistory {
        var events: [EventPayload] = []
        let types = Self.historyEventTypes.map(\.rawValue)
        for try await (type, payload) in try await query(
            """
            SELECT type, payload::text FROM events
            WHERE meeting_id = \(self.meetingId) AND type = ANY(\(types)::text[]) ORDER BY seq
            """
        ).decode((String, String).self) {
            guard let type = EventType(rawValue: type) else { continue }
            events.append(try EventPayload.decode(type, from: Data(payload.utf8)))
        }
        return BreakoutHistory(events: events)
    }

    /// The breakouts of the other meetings of this meeting's course (none without a course),
    /// oldest meeting first, their people matched to this meeting's by person: the same signed-in
    /// user, else the same email. Someone who cannot be matched (no account, no email, or not
    /// here today) is left out of them.
    func courseHistory() async throws -> BreakoutHistory {
        var courseId: UUID?
        for try await id in try await query("SELECT course_id FROM meetings WHERE id = \(self.meetingId)").decode(UUID?.self) {
            courseId = id
        }
        guard let courseId else { return BreakoutHistory() }
        // Who is who: a person's key in every meeting of the course.
        var here: [String: UUID] = [:]
        var personOf: [UUID: String] = [:]
        for try await (meetingId, participantId, key) in try await query(
            """
            SELECT p.meeting_id, p.id, coalesce('user:' || p.user_id::text, 'email:' || p.email)
            FROM participants p JOIN meetings m ON m.id = p.meeting_id
            WHERE m.course_id = \(courseId) AND (p.user_id IS NOT NULL OR p.email IS NOT NULL)
            """
        ).decode((UUID, UUID, String).self) {
            if meetingId == self.meetingId { here[key] = participantId } else { personOf[participantId] = key }
        }
        let rename = personOf.compactMapValues { here[$0] }
        guard !rename.isEmpty else { return BreakoutHistory() }
        var perMeeting: [(UUID, [EventPayload])] = []
        let types = Self.historyEventTypes.map(\.rawValue)
        for try await (meetingId, type, payload) in try await query(
            """
            SELECT e.meeting_id, e.type, e.payload::text FROM events e JOIN meetings m ON m.id = e.meeting_id
            WHERE m.course_id = \(courseId) AND m.id <> \(self.meetingId) AND e.type = ANY(\(types)::text[])
            ORDER BY m.created_at, m.id, e.seq
            """
        ).decode((UUID, String, String).self) {
            guard let type = EventType(rawValue: type) else { continue }
            if perMeeting.last?.0 != meetingId { perMeeting.append((meetingId, [])) }
            perMeeting[perMeeting.count - 1].1.append(try EventPayload.decode(type, from: Data(payload.utf8)))
        }
        return BreakoutHistory(concatenating: perMeeting.map { BreakoutHistory(events: $0.1).renamed(rename) })
    }
}
