public import Foundation

/// A meeting's earlier breakouts, as its event log tells them (docs/rules.md, rule 1, `rotate`
/// and `keep`; docs/decisions.md, "Rotation and keep").
///
/// Only breakouts that were opened count: a split discarded before its rooms opened made nobody meet.
public struct BreakoutHistory: Sendable, Equatable {
    /// One earlier breakout that was opened.
    public struct EarlierBreakout: Sendable, Equatable {
        /// Its rooms as they were when it was discarded, in position order.
        public var rooms: [Room]
        /// Who shared each room: everyone assigned to it while rooms were open (when they opened,
        /// or later, a late joiner too) and everyone who entered it while open. One set per room
        /// that ever had anyone, a deleted room included; someone reassigned while open is in two.
        public var groups: [Set<UUID>]
        /// Each person's room when it was discarded: the assigned one, else (choosing rooms
        /// themselves) the last one they entered, if it still existed.
        public var lastRoom: [UUID: UUID]
    }

    /// Oldest first.
    public private(set) var breakouts: [EarlierBreakout] = []

    public init() {}

    /// Reads the breakout events of a meeting in log order; other events are passed over.
    public init(events: [EventPayload]) {
        var reader = Reader()
        for event in events { reader.read(event) }
        reader.finish()
        breakouts = reader.breakouts
    }

    /// Several meetings' histories as one, oldest meeting first: a course's weeks (docs/rules.md,
    /// "Courses"), so that rotation avoids pairs who met in earlier weeks and `keep` repeats last
    /// week's groups.
    public init(concatenating parts: [BreakoutHistory]) {
        breakouts = parts.flatMap(\.breakouts)
    }

    /// The same breakouts with each person renamed by `map` (an earlier meeting's participant ids
    /// to this meeting's, matched by person); someone `map` does not know is left out, and so is
    /// a group left with nobody.
    public func renamed(_ map: [UUID: UUID]) -> BreakoutHistory {
        var copy = BreakoutHistory()
        copy.breakouts = breakouts.map { breakout in
            EarlierBreakout(
                rooms: breakout.rooms,
                groups: breakout.groups.map { Set($0.compactMap { map[$0] }) }.filter { !$0.isEmpty },
                lastRoom: Dictionary(breakout.lastRoom.compactMap { person, room in map[person].map { ($0, room) } },
                                     uniquingKeysWith: { first, _ in first }))
        }
        return copy
    }

    /// Every group of every earlier breakout: the pairs the rotation tries not to repeat.
    public var earlierGroups: [Set<UUID>] { breakouts.flatMap(\.groups) }

    /// The breakout `keep` repeats: the last one opened.
    public var previous: EarlierBreakout? { breakouts.last }

    private struct Reader {
        var breakouts: [EarlierBreakout] = []
        var rooms: [Room] = []
        var assigned: [UUID: UUID] = [:]
        var entered: [UUID: UUID] = [:]
        var groups: [UUID: Set<UUID>] = [:]
        /// The room ids in the order their groups began, so that `groups` comes out in a stable order.
        var groupOrder: [UUID] = []
        var exists = false
        var isOpen = false
        var wasOpened = false

        mutating func read(_ event: EventPayload) {
            switch event {
            case .breakoutCreated(let created):
                finish()
                exists = true
                rooms = created.breakout.rooms
                for (room, people) in created.assignments {
                    guard let room = UUID(uuidString: room) else { continue }
                    for person in people { assigned[person] = room }
                }
            case .breakoutDiscarded:
                finish()
            case .roomAdded(let added) where exists:
                rooms.append(added.room)
            case .roomRenamed(let renamed) where exists:
                if let index = rooms.firstIndex(where: { $0.id == renamed.roomId }) { rooms[index].name = renamed.name }
            case .roomDeleted(let deleted) where exists:
                rooms.removeAll { $0.id == deleted.roomId }
                assigned = assigned.filter { $0.value != deleted.roomId }
            case .assignmentChanged(let assignment) where exists:
                assigned[assignment.participantId] = assignment.roomId
                if let room = assignment.roomId { shareIfOpen(assignment.participantId, room) }
            case .participantJoined(let joined) where exists:
                if let room = joined.participant.assignedRoomId {
                    assigned[joined.participant.id] = room
                    shareIfOpen(joined.participant.id, room)
                }
                if let room = joined.participant.location { enter(joined.participant.id, room) }
            case .breakoutOpened(let opened) where exists:
                isOpen = true
                wasOpened = true
                for (person, room) in assigned.sorted(by: { $0.key.uuidString < $1.key.uuidString }) {
                    share(person, room)
                    if opened.moveAutomatically { entered[person] = room }
                }
            case .participantMoved(let moved) where exists:
                if let room = moved.to { enter(moved.participantId, room) }
            case .breakoutClosed where exists:
                isOpen = false
            default:
                break
            }
        }

        mutating func enter(_ person: UUID, _ room: UUID) {
            guard isOpen else { return }
            entered[person] = room
            share(person, room)
        }

        mutating func shareIfOpen(_ person: UUID, _ room: UUID) {
            if isOpen { share(person, room) }
        }

        mutating func share(_ person: UUID, _ room: UUID) {
            if groups[room] == nil { groupOrder.append(room) }
            groups[room, default: []].insert(person)
        }

        mutating func finish() {
            defer { self = Reader(breakouts: breakouts) }
            guard exists, wasOpened else { return }
            let standing = Set(rooms.map(\.id))
            var lastRoom = entered.filter { standing.contains($0.value) }
            lastRoom.merge(assigned) { _, assignedRoom in assignedRoom }
            breakouts.append(EarlierBreakout(
                rooms: rooms.sorted { $0.position < $1.position },
                groups: groupOrder.compactMap { groups[$0] },
                lastRoom: lastRoom))
        }
    }
}
