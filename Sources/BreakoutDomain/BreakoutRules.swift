public import Foundation

/// Create, change, open and close a meeting's breakout rooms (docs/rules.md, rules 1, 2, 3 and 7).
public enum BreakoutRules {
    /// What `create` decided: the rooms to make and who goes where.
    public struct CreationPlan: Sendable, Equatable {
        public var mode: BreakoutMode
        public var options: BreakoutOptions
        public var roomNames: [String]
        /// One list per room, in room order: the participants assigned to it.
        public var assignments: [[UUID]]
        /// In `rotate` mode: the seed and the repeated pairs left, beside a random split's.
        public var rotation: RotationSummary? = nil

        /// What was created once the rooms have ids (`rooms`, in plan order): the new breakout and
        /// who is assigned to which room.
        public func created(rooms: [Room], assignments: [UUID: [UUID]]) -> BreakoutCreated {
            BreakoutCreated(
                breakout: Breakout(status: .ready, mode: mode, options: options, rooms: rooms), assignments: assignments)
        }
    }

    /// Create rooms (docs/rules.md, rule 1). `participants` are the meeting's members with role `participant`, in join order.
    /// `roomCount` and `roomSize` are as asked (nil: not given); `automatic` and `rotate` take
    /// exactly one of them, `keep` neither, the other modes `roomCount`.
    /// In `preassigned` mode, `preassignments` is the meeting's list and `members` are the members
    /// a list may name, by email or by subject (any role), in join order. `rotate` and `keep` read `history`; `rotate` takes
    /// `seed` (nil: the number of earlier breakouts, so that each round differs yet can be replayed).
    public static func create(
        actor: Role, breakoutRoomsEnabled: Bool, current: BreakoutStatus,
        roomCount: Int?, roomSize: Int? = nil, mode: BreakoutMode, options patch: BreakoutOptionsPatch,
        participants: [UUID], limits: Limits,
        preassignments: [Preassignment] = [], members: [PreassignedRooms.Person] = [],
        history: BreakoutHistory = .init(), seed: Int? = nil
    ) throws -> CreationPlan {
        try Permission.requireManager(actor)
        guard breakoutRoomsEnabled else { throw DomainError.breakoutDisabled }
        guard current == .none else { throw DomainError.breakoutExists }
        let rooms = try RoomRequest(roomCount: roomCount, roomSize: roomSize, mode: mode, limits: limits)
        if seed != nil, mode != .rotate {
            throw DomainError.invalid("seed", "is for rotate mode only")
        }
        var options = try patch.applied(to: .defaults(for: mode), mode: mode)
        if mode == .selfSelect { options.allowChooseRoom = true }
        switch mode {
        case .preassigned:
            guard !preassignments.isEmpty else { throw DomainError.modeUnavailable }
            let plan = PreassignedRooms.plan(list: preassignments, members: members, roomCount: try rooms.count(for: 0, limits: limits))
            guard plan.roomNames.count <= limits.maxRooms else {
                throw DomainError.invalid(
                    "roomCount", "the pre-assignment list names \(plan.roomNames.count) rooms; at most \(limits.maxRooms) are allowed")
            }
            return CreationPlan(mode: mode, options: options, roomNames: plan.roomNames, assignments: plan.assignments)
        case .keep:
            guard let previous = history.previous else { throw DomainError.keepUnavailable }
            let plan = PreviousGroups.plan(previous: previous, participants: participants)
            return CreationPlan(mode: mode, options: options, roomNames: plan.roomNames, assignments: plan.assignments)
        case .rotate:
            let roomCount = try rooms.count(for: participants.count, limits: limits)
            let seed = seed ?? history.breakouts.count
            let outcome = Rotation.split(
                participants, roomSizes: Rotation.roomSizes(people: participants.count, roomCount: roomCount),
                earlierGroups: history.earlierGroups, seed: UInt64(seed))
            return CreationPlan(
                mode: mode, options: options, roomNames: (1...roomCount).map(defaultRoomName), assignments: outcome.groups,
                rotation: RotationSummary(seed: seed, outcome: outcome))
        case .automatic, .manual, .selfSelect:
            let roomCount = try rooms.count(for: participants.count, limits: limits)
            let assignments = mode == .automatic
                ? AutomaticSpread.spread(participants, into: roomCount)
                : Array(repeating: [], count: roomCount)
            return CreationPlan(mode: mode, options: options, roomNames: (1...roomCount).map(defaultRoomName), assignments: assignments)
        }
    }

    /// How many rooms were asked for: a count, a size (people per room), or, in `keep`, neither.
    enum RoomRequest {
        case count(Int)
        case size(Int)
        case previous

        /// Checks that the mode got what it takes (docs/rules.md, rule 1).
        init(roomCount: Int?, roomSize: Int?, mode: BreakoutMode, limits: Limits) throws {
            switch (mode, roomCount, roomSize) {
            case (.keep, nil, nil):
                self = .previous
            case (.keep, _, _):
                let field = roomCount != nil ? "roomCount" : "roomSize"
                throw DomainError.invalid(field, "is not taken by keep mode, which makes the previous breakout's rooms")
            case (.automatic, nil, nil), (.rotate, nil, nil), (.automatic, _?, _?), (.rotate, _?, _?):
                throw DomainError.invalid(
                    [.init(field: "roomCount", message: "or roomSize: give exactly one of them"),
                     .init(field: "roomSize", message: "or roomCount: give exactly one of them")],
                    detail: "\(mode.rawValue) mode takes exactly one of roomCount and roomSize")
            case (.automatic, nil, let size?), (.rotate, nil, let size?):
                guard Limits.roomSize.contains(size) else {
                    throw DomainError.invalid("roomSize", "must be \(Limits.roomSize.lowerBound)–\(Limits.roomSize.upperBound)")
                }
                self = .size(size)
            case (_, _, _?):
                throw DomainError.invalid("roomSize", "is taken only by automatic and rotate modes; \(mode.rawValue) takes roomCount")
            case (_, nil, nil):
                throw DomainError.invalid("roomCount", "is required")
            case (_, let count?, nil):
                guard (1...limits.maxRooms).contains(count) else {
                    throw DomainError.invalid("roomCount", "must be 1–\(limits.maxRooms)")
                }
                self = .count(count)
            }
        }

        /// The room count for `people` spread in rooms of the size asked for, within the server's limit.
        func count(for people: Int, limits: Limits) throws -> Int {
            switch self {
            case .count(let count): return count
            case .previous: return 0
            case .size(let size):
                let count = Rotation.roomCount(people: people, roomSize: size)
                guard count <= limits.maxRooms else {
                    throw DomainError.invalid(
                        "roomSize", "makes \(count) rooms for \(people) participants; at most \(limits.maxRooms) are allowed")
                }
                return count
            }
        }
    }

    public static func defaultRoomName(_ number: Int) -> String { "Breakout room \(number)" }

    /// The default name for a room added to rooms named `existing`: the first free "Breakout room N"
    /// with N at least the new room count.
    public static func nameForAddedRoom(existing: Set<String>) -> String {
        var number = existing.count + 1
        while existing.contains(defaultRoomName(number)) { number += 1 }
        return defaultRoomName(number)
    }

    /// Rename, add, delete rooms, assign and change options need rooms to exist (docs/rules.md, rule 2).
    public static func requireEditable(actor: Role, breakout: BreakoutState) throws {
        try Permission.requireManager(actor)
        guard breakout.status.hasRooms else { throw DomainError.noBreakout }
    }

    public static func discard(actor: Role, breakout: BreakoutState) throws {
        try requireEditable(actor: actor, breakout: breakout)
        guard !breakout.status.roomsAreOpen else { throw DomainError.breakoutIsOpen }
    }

    public static func addRoom(actor: Role, breakout: BreakoutState, roomCount: Int, limits: Limits) throws {
        try requireEditable(actor: actor, breakout: breakout)
        guard roomCount < limits.maxRooms else { throw DomainError.tooManyRooms }
    }

    /// The room to add to `rooms`: `name`, or the first free "Breakout room N", after the last one.
    public static func addRoom(
        actor: Role, breakout: BreakoutState, rooms: [Room], name: String?, id: UUID, limits: Limits
    ) throws -> Room {
        let names = Set(rooms.map(\.name))
        try addRoom(actor: actor, breakout: breakout, roomCount: names.count, limits: limits)
        let name = name ?? nameForAddedRoom(existing: names)
        guard !names.contains(name) else { throw DomainError.roomNameTaken }
        return Room(id: id, name: name, position: (rooms.map(\.position).max() ?? 0) + 1)
    }

    /// Deleting a room while rooms are open sends its occupants to the main room first (the store
    /// moves every member whose location is the room).
    public static func deleteRoom(actor: Role, breakout: BreakoutState, roomCount: Int) throws {
        try requireEditable(actor: actor, breakout: breakout)
        guard roomCount > 1 else { throw DomainError.lastRoom }
    }

    /// What changing options does to a running timer.
    public enum TimerChange: Sendable, Equatable {
        case unchanged
        /// The room timer now ends at this time (counted from `openedAt`).
        case endsAt(Date)
        /// The room timer was removed.
        case removed
    }

    /// New options; while rooms are open a changed `timerSeconds` moves `timerEndsAt` (docs/rules.md, rules 2 and 6).
    public static func changeOptions(
        actor: Role, breakout: BreakoutState, patch: BreakoutOptionsPatch, openedAt: Date?
    ) throws -> (options: BreakoutOptions, timer: TimerChange) {
        try requireEditable(actor: actor, breakout: breakout)
        let options = try patch.applied(to: breakout.options, mode: breakout.mode)
        guard breakout.status == .open, options.timerSeconds != breakout.options.timerSeconds, let openedAt else {
            return (options, .unchanged)
        }
        if let seconds = options.timerSeconds {
            return (options, .endsAt(openedAt.addingTimeInterval(TimeInterval(seconds))))
        }
        return (options, .removed)
    }

    /// What an assignment does besides recording the room.
    public enum AssignmentEffect: Sendable, Equatable {
        /// Rooms are not open: only the assignment changes.
        case assignOnly
        /// Rooms are open and people are moved automatically: the participant's location becomes `to`.
        case move(to: UUID?)
        /// Rooms are open and people join themselves: the participant gets a `move_prompt`.
        case prompt
    }

    /// Assign, reassign or unassign (`room` nil) (docs/rules.md, rule 2). While rooms are open a reassigned participant
    /// is moved or prompted; an unassigned one who sits in the old room goes back to main.
    public static func assign(actor: Role, breakout: BreakoutState, target: Member, room: UUID?) throws -> AssignmentEffect {
        try requireEditable(actor: actor, breakout: breakout)
        guard breakout.status == .open else { return .assignOnly }
        guard let room else {
            return target.location != nil && target.location == target.assignedRoomId ? .move(to: nil) : .assignOnly
        }
        if target.location == room { return .assignOnly }
        return breakout.options.moveAutomatically ? .move(to: room) : .prompt
    }

    /// The events of an assignment decided by `assign`: `assignment_changed` when the room changes,
    /// then the move or the prompt it causes.
    public static func assignmentEvents(target: Member, room: UUID?, effect: AssignmentEffect) -> [DomainEvent] {
        var events: [DomainEvent] = []
        if target.assignedRoomId != room {
            events.append(DomainEvent(.assignmentChanged(Assignment(participantId: target.id, roomId: room))))
        }
        switch effect {
        case .assignOnly: break
        case .move(let destination):
            events.append(DomainEvent(.participantMoved(ParticipantMoved(participantId: target.id, from: target.location, to: destination))))
        case .prompt:
            if let room { events.append(.movePrompt(target.id, to: room)) }
        }
        return events
    }

    /// Open all rooms (docs/rules.md, rule 3). With `moveAutomatically` every assigned participant is moved,
    /// otherwise each is prompted. Returns the time the room timer ends, if any.
    public static func open(actor: Role, breakout: BreakoutState, now: Date) throws -> Date? {
        try Permission.requireManager(actor)
        switch breakout.status {
        case .none: throw DomainError.noBreakout
        case .open: throw DomainError.breakoutAlreadyOpen
        case .closing: throw DomainError.breakoutClosing
        case .ready: break
        }
        return breakout.options.timerSeconds.map { now.addingTimeInterval(TimeInterval($0)) }
    }

    /// What "close all rooms" does.
    public enum ClosePlan: Sendable, Equatable {
        /// Countdown 0: everyone is in main and the breakout is `ready` at once.
        case immediately
        /// The breakout is `closing` until this time; then everyone goes back to main.
        case countdown(endsAt: Date, seconds: Int)
    }

    /// Close all rooms, by a manager (docs/rules.md, rule 7); the timer's close is decided by `timeUp` (rule 6).
    public static func close(actor: Role, breakout: BreakoutState, now: Date) throws -> ClosePlan {
        try Permission.requireManager(actor)
        return try closePlan(breakout: breakout, now: now)
    }

    static func closePlan(breakout: BreakoutState, now: Date) throws -> ClosePlan {
        switch breakout.status {
        case .none: throw DomainError.noBreakout
        case .ready: throw DomainError.breakoutNotOpen
        case .closing: throw DomainError.breakoutClosing
        case .open: break
        }
        let seconds = breakout.options.closeCountdownSeconds
        return seconds == 0 ? .immediately : .countdown(endsAt: now.addingTimeInterval(TimeInterval(seconds)), seconds: seconds)
    }

    /// What "close all rooms" answers: the countdown that started, or the close that happened.
    public enum CloseOutcome: Sendable, Equatable, Codable {
        case closing(BreakoutClosing)
        case closed(BreakoutClosed)

        /// Its event, announced to everyone.
        public var event: DomainEvent {
            switch self {
            case .closing(let closing): DomainEvent(.breakoutClosing(closing))
            case .closed(let closed): DomainEvent(.breakoutClosed(closed))
            }
        }

        public init(from decoder: any Decoder) throws {
            if let closing = try? BreakoutClosing(from: decoder) { self = .closing(closing) }
            else { self = .closed(try BreakoutClosed(from: decoder)) }
        }

        public func encode(to encoder: any Encoder) throws {
            switch self {
            case .closing(let closing): try closing.encode(to: encoder)
            case .closed(let closed): try closed.encode(to: encoder)
            }
        }
    }

    /// The outcome of a close plan decided at `now`.
    public static func outcome(of plan: ClosePlan, now: Date) -> CloseOutcome {
        switch plan {
        case .immediately: .closed(BreakoutClosed(closedAt: now))
        case .countdown(let endsAt, let seconds): .closing(BreakoutClosing(closingEndsAt: endsAt, countdownSeconds: seconds))
        }
    }

    /// What happens when the room timer ends (docs/rules.md, rule 6).
    public struct TimeUpPlan: Sendable, Equatable {
        public var notifyManagers: Bool
        public var close: ClosePlan?
    }

    /// The timer ends (docs/rules.md, rule 6): nil when the breakout is no longer open (the timer is stale and does nothing).
    public static func timeUp(breakout: BreakoutState, now: Date) -> TimeUpPlan? {
        guard breakout.status == .open else { return nil }
        let close = breakout.options.closeWhenTimeUp ? try? closePlan(breakout: breakout, now: now) : nil
        return TimeUpPlan(notifyManagers: breakout.options.notifyHostWhenTimeUp, close: close)
    }

    /// Late joiners (docs/rules.md, rule 10): the room a participant joining now is given, and whether they
    /// are moved in or prompted.
    /// `preassignedRoom` is the existing room whose name the pre-assignment list gives for the
    /// joiner's email; it wins over the least populated room.
    public static func lateJoiner(
        role: Role, breakout: BreakoutState, rooms: [(id: UUID, assigned: Int)], preassignedRoom: UUID? = nil
    ) -> (room: UUID, effect: AssignmentEffect)? {
        guard role == .participant, breakout.status.hasRooms, breakout.options.assignLateJoiners,
              let room = preassignedRoom ?? AutomaticSpread.leastPopulated(rooms)
        else { return nil }
        guard breakout.status == .open else { return (room, .assignOnly) }
        return (room, breakout.options.moveAutomatically ? .move(to: room) : .prompt)
    }
}
