import BreakoutDomain
import Foundation
import Testing

/// Rooms of N, `rotate` and `keep` (docs/rules.md, rule 1), and the history they read from the event log.
@Suite("Rule 1 – rooms of N, rotate and keep")
struct RotateAndKeepRulesTests {
    func create(
        roomCount: Int? = nil, roomSize: Int? = nil, mode: BreakoutMode, participants: [UUID] = [],
        history: BreakoutHistory = .init(), seed: Int? = nil, limits: Limits = .init()
    ) throws -> BreakoutRules.CreationPlan {
        try BreakoutRules.create(
            actor: .host, breakoutRoomsEnabled: true, current: .none, roomCount: roomCount, roomSize: roomSize,
            mode: mode, options: .init(), participants: participants, limits: limits, history: history, seed: seed)
    }

    // MARK: Rooms of N

    @Test("roomSize N makes ⌈people / N⌉ rooms (at least 1) whose sizes differ by at most one",
          arguments: [BreakoutMode.automatic, .rotate], [(0, 2), (1, 2), (7, 3), (9, 3), (10, 3), (23, 4), (100, 50)])
    func roomsOfN(mode: BreakoutMode, shape: (people: Int, size: Int)) throws {
        let participants = Fixture.ids(shape.people)
        let plan = try create(roomSize: shape.size, mode: mode, participants: participants)
        let expectedRooms = max(1, (shape.people + shape.size - 1) / shape.size)
        #expect(plan.roomNames.count == expectedRooms)
        let sizes = plan.assignments.map(\.count)
        #expect(sizes.max()! - sizes.min()! <= 1)
        #expect(sizes.max()! <= shape.size)
        #expect(Set(plan.assignments.flatMap { $0 }) == Set(participants))
    }

    @Test("automatic and rotate take exactly one of roomCount and roomSize (422 naming both)",
          arguments: [BreakoutMode.automatic, .rotate], [(Int?.none, Int?.none), (3, 2)])
    func exactlyOne(mode: BreakoutMode, given: (count: Int?, size: Int?)) {
        let fields = Fixture.violations { try create(roomCount: given.count, roomSize: given.size, mode: mode) }.map(\.field)
        #expect(fields == ["roomCount", "roomSize"])
    }

    @Test("roomSize outside 2–50 is refused naming roomSize", arguments: [0, 1, 51])
    func roomSizeRange(size: Int) {
        #expect(Fixture.violations { try create(roomSize: size, mode: .automatic) }.map(\.field) == ["roomSize"])
    }

    @Test("A room size that would make more rooms than allowed is refused naming roomSize")
    func roomSizeTooManyRooms() {
        let violations = Fixture.violations {
            try create(roomSize: 2, mode: .rotate, participants: Fixture.ids(21), limits: Limits(maxRooms: 10))
        }
        #expect(violations.map(\.field) == ["roomSize"])
        #expect(violations.first?.message.contains("11 rooms") == true)
    }

    @Test("manual, self_select and preassigned keep roomCount: roomSize is refused naming it",
          arguments: [BreakoutMode.manual, .selfSelect, .preassigned])
    func roomSizeOnlyWhereSpread(mode: BreakoutMode) {
        #expect(Fixture.violations { try create(roomCount: 2, roomSize: 3, mode: mode) }.map(\.field) == ["roomSize"])
        #expect(Fixture.violations { try create(mode: mode) }.map(\.field) == ["roomCount"])
    }

    @Test("seed is for rotate only")
    func seedOnlyForRotate() {
        #expect(Fixture.violations { try create(roomCount: 2, mode: .automatic, seed: 1) }.map(\.field) == ["seed"])
    }

    // MARK: Rotate

    @Test("rotate: the split and its counts come from the seed; without one the seed is the number of earlier breakouts")
    func rotateSeeded() throws {
        let people = Fixture.ids(12)
        let history = Self.history(rounds: [AutomaticSpread.spread(people, into: 4)])
        let plan = try create(roomSize: 3, mode: .rotate, participants: people, history: history, seed: 9)
        let again = try create(roomSize: 3, mode: .rotate, participants: people, history: history, seed: 9)
        #expect(plan == again)
        #expect(plan.mode == .rotate)
        #expect(plan.options.assignLateJoiners)
        #expect(plan.rotation?.seed == 9)
        #expect(plan.rotation?.repeatedPairs == 0)
        #expect(plan.rotation.map { $0.randomRepeatedPairs >= $0.repeatedPairs } == true)
        let unseeded = try create(roomSize: 3, mode: .rotate, participants: people, history: history)
        #expect(unseeded.rotation?.seed == 1)
        #expect(try create(roomCount: 2, mode: .automatic, participants: people).rotation == nil)
    }

    // MARK: Keep

    @Test("keep: the previous breakout's rooms, present people where they were, newcomers least populated first, leavers a gap")
    func keepRepeatsGroups() throws {
        let people = Fixture.ids(7)
        let previous = [[people[0], people[1], people[2]], [people[3], people[4]], [people[5]]]
        let history = Self.history(rounds: [previous])
        let newcomers = Fixture.ids(3, from: 50)
        // people[1] left; people[6] was not in a room last time.
        let present = [people[0], people[2], people[3], people[4], people[5], people[6]] + newcomers
        let plan = try create(mode: .keep, participants: present, history: history)
        #expect(plan.roomNames == ["Breakout room 1", "Breakout room 2", "Breakout room 3"])
        #expect(plan.assignments == [
            [people[0], people[2], newcomers[0]],
            [people[3], people[4], newcomers[1]],
            [people[5], people[6], newcomers[2]],
        ])
        #expect(plan.mode == .keep)
        #expect(plan.rotation == nil)
    }

    @Test("keep without an earlier opened breakout is 422 mode_unavailable")
    func keepNeedsHistory() {
        #expect(throws: DomainError.keepUnavailable) { try create(mode: .keep, participants: Fixture.ids(3)) }
        #expect(DomainError.keepUnavailable.code == .modeUnavailable)
    }

    @Test("keep takes neither roomCount nor roomSize (422 naming the one given)")
    func keepTakesNoCount() {
        let history = Self.history(rounds: [[Fixture.ids(2)]])
        #expect(Fixture.violations { try create(roomCount: 2, mode: .keep, history: history) }.map(\.field) == ["roomCount"])
        #expect(Fixture.violations { try create(roomSize: 2, mode: .keep, history: history) }.map(\.field) == ["roomSize"])
    }

    // MARK: History

    static func room(_ n: Int) -> Room { Room(id: Fixture.id(9_000 + n), name: BreakoutRules.defaultRoomName(n), position: n) }

    static func created(_ groups: [[UUID]]) -> EventPayload {
        let rooms = groups.indices.map { room($0 + 1) }
        let breakout = Breakout(status: .ready, mode: .automatic, options: .defaults(for: .automatic), rooms: rooms)
        return .breakoutCreated(BreakoutCreated(
            breakout: breakout, assignments: Dictionary(uniqueKeysWithValues: zip(rooms.map(\.id), groups))))
    }

    static let opened = EventPayload.breakoutOpened(BreakoutOpened(openedAt: Fixture.now, timerEndsAt: nil, moveAutomatically: true))
    static let closed = EventPayload.breakoutClosed(BreakoutClosed(closedAt: Fixture.now))
    static let discarded = EventPayload.breakoutDiscarded(BreakoutDiscarded())

    /// Each round created, opened, closed and discarded.
    static func history(rounds: [[[UUID]]]) -> BreakoutHistory {
        BreakoutHistory(events: rounds.flatMap { [created($0), opened, closed, discarded] })
    }

    @Test("History: a breakout never opened counts for nothing")
    func unopenedDoesNotCount() {
        let people = Fixture.ids(4)
        let history = BreakoutHistory(events: [Self.created([[people[0], people[1]], [people[2], people[3]]]), Self.discarded])
        #expect(history.breakouts.isEmpty)
        #expect(history.previous == nil)
    }

    @Test("History: a reassignment or a move while open joins the room's group; after the close it does not")
    func movesWhileOpen() {
        let p = Fixture.ids(5)
        let history = BreakoutHistory(events: [
            Self.created([[p[0], p[1]], [p[2], p[3]]]),
            .participantMoved(ParticipantMoved(participantId: p[4], from: nil, to: Self.room(1).id)),
            Self.opened,
            .assignmentChanged(Assignment(participantId: p[1], roomId: Self.room(2).id)),
            .participantMoved(ParticipantMoved(participantId: p[4], from: nil, to: Self.room(2).id)),
            Self.closed,
            .assignmentChanged(Assignment(participantId: p[0], roomId: Self.room(2).id)),
            .participantMoved(ParticipantMoved(participantId: p[3], from: nil, to: Self.room(1).id)),
            Self.discarded,
        ])
        #expect(history.earlierGroups == [[p[0], p[1]], [p[2], p[3], p[1], p[4]]])
        let previous = history.previous
        #expect(previous?.lastRoom[p[0]] == Self.room(2).id, "the assignment when it was discarded")
        #expect(previous?.lastRoom[p[4]] == Self.room(2).id, "unassigned: the last room entered while open")
    }

    @Test("History: a deleted room keeps its group, but keep no longer makes it")
    func deletedRoom() {
        let p = Fixture.ids(4)
        let history = BreakoutHistory(events: [
            Self.created([[p[0], p[1]], [p[2], p[3]]]), Self.opened, Self.closed,
            .roomDeleted(RoomDeleted(roomId: Self.room(1).id, movedToMain: [])),
            .roomRenamed(RoomRenamed(roomId: Self.room(2).id, name: "Seminar")),
            Self.discarded,
        ])
        #expect(history.earlierGroups.count == 2)
        #expect(history.previous?.rooms.map(\.name) == ["Seminar"])
        #expect(history.previous?.lastRoom[p[0]] == nil)
        #expect(history.previous?.lastRoom[p[2]] == Self.room(2).id)
    }
}
