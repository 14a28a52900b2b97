import BreakoutDomain
import Foundation
import Testing

/// Automatic mode (docs/rules.md, rule 1) and the late joiner's room (rule 10).
@Suite("Automatic spread and least populated room")
struct AutomaticSpreadTests {
    @Test("Room sizes differ by at most one and everyone is placed exactly once",
          arguments: 0...40, [1, 2, 3, 4, 5, 7, 10, 13, 50, 100])
    func evenSpread(participantCount: Int, roomCount: Int) {
        let participants = Fixture.ids(participantCount)
        let rooms = AutomaticSpread.spread(participants, into: roomCount)

        #expect(rooms.count == roomCount)
        let sizes = rooms.map(\.count)
        #expect(sizes.max()! - sizes.min()! <= 1)
        #expect(sizes.reduce(0, +) == participantCount)
        let placed = rooms.flatMap { $0 }
        #expect(Set(placed) == Set(participants))
        #expect(placed.count == Set(placed).count, "nobody is placed twice")
    }

    @Test("Create in automatic mode spreads evenly for many (participants, rooms) combinations",
          arguments: [0, 1, 2, 9, 30, 101], [1, 2, 6, 25, 100])
    func createSpreadsEvenly(participantCount: Int, roomCount: Int) throws {
        let participants = Fixture.ids(participantCount)
        let plan = try BreakoutRules.create(
            actor: .host, breakoutRoomsEnabled: true, current: .none, roomCount: roomCount,
            mode: .automatic, options: .init(), participants: participants, limits: .init())
        let sizes = plan.assignments.map(\.count)
        #expect(plan.assignments.count == roomCount)
        #expect(sizes.max()! - sizes.min()! <= 1)
        #expect(Set(plan.assignments.flatMap { $0 }) == Set(participants))
        #expect(sizes.reduce(0, +) == participantCount)
    }

    @Test("Participants are dealt round-robin in the order given")
    func roundRobin() {
        let p = Fixture.ids(5)
        let rooms = AutomaticSpread.spread(p, into: 2)
        #expect(rooms == [[p[0], p[2], p[4]], [p[1], p[3]]])
    }

    @Test("No participants: every room is empty")
    func noParticipants() {
        #expect(AutomaticSpread.spread([], into: 3) == [[], [], []])
    }

    // MARK: Least populated

    @Test("The least populated room is the one with the fewest assigned participants")
    func leastPopulatedPicksFewest() {
        let rooms: [(id: UUID, assigned: Int)] = [
            (Fixture.roomA, 3), (Fixture.roomB, 1), (Fixture.roomC, 2),
        ]
        #expect(AutomaticSpread.leastPopulated(rooms) == Fixture.roomB)
    }

    @Test("On a tie the first room by position wins")
    func leastPopulatedTie() {
        let rooms: [(id: UUID, assigned: Int)] = [
            (Fixture.roomA, 2), (Fixture.roomB, 1), (Fixture.roomC, 1),
        ]
        #expect(AutomaticSpread.leastPopulated(rooms) == Fixture.roomB)
        let allEqual: [(id: UUID, assigned: Int)] = [
            (Fixture.roomC, 0), (Fixture.roomA, 0), (Fixture.roomB, 0),
        ]
        #expect(AutomaticSpread.leastPopulated(allEqual) == Fixture.roomC)
    }

    @Test("No rooms: no least populated room")
    func leastPopulatedEmpty() {
        #expect(AutomaticSpread.leastPopulated([]) == nil)
    }
}
