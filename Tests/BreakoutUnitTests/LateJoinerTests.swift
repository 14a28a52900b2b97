import BreakoutDomain
import Foundation
import Testing

/// Late joiners with the `assignLateJoiners` option: a participant joining while rooms exist (docs/rules.md, rule 10).
@Suite("Rule 10 – late joiners")
struct LateJoinerTests {
    let rooms: [(id: UUID, assigned: Int)] = [(Fixture.roomA, 3), (Fixture.roomB, 2), (Fixture.roomC, 3)]

    func join(_ breakout: BreakoutState, as role: Role = .participant) -> (room: UUID, effect: BreakoutRules.AssignmentEffect)? {
        BreakoutRules.lateJoiner(role: role, breakout: breakout, rooms: rooms)
    }

    @Test("While ready a late joiner is assigned to the least populated room, not moved")
    func ready() {
        let result = join(Fixture.breakout(.ready, mode: .automatic))
        #expect(result?.room == Fixture.roomB)
        #expect(result?.effect == .assignOnly)
    }

    @Test("While open with moveAutomatically a late joiner is moved into the least populated room")
    func openMoves() {
        let result = join(Fixture.breakout(.open, mode: .automatic) { $0.moveAutomatically = true })
        #expect(result?.room == Fixture.roomB)
        #expect(result?.effect == .move(to: Fixture.roomB))
    }

    @Test("While open without moveAutomatically a late joiner is prompted")
    func openPrompts() {
        let result = join(Fixture.breakout(.open, mode: .automatic) { $0.moveAutomatically = false })
        #expect(result?.room == Fixture.roomB)
        #expect(result?.effect == .prompt)
    }

    @Test("Without assignLateJoiners nobody is assigned (manual default, or turned off)")
    func optionOff() {
        #expect(join(Fixture.breakout(.open, mode: .manual)) == nil)
        #expect(join(Fixture.breakout(.open, mode: .automatic) { $0.assignLateJoiners = false }) == nil)
    }

    @Test("With assignLateJoiners turned on in manual mode a late joiner is assigned")
    func optionOnInManual() {
        let result = join(Fixture.breakout(.ready, mode: .manual) { $0.assignLateJoiners = true })
        #expect(result?.room == Fixture.roomB)
    }

    @Test("No rooms, no assignment")
    func noRooms() {
        var options = BreakoutOptions.defaults(for: .automatic)
        options.assignLateJoiners = true
        #expect(join(BreakoutState(status: .none, mode: .automatic, options: options)) == nil)
        #expect(BreakoutRules.lateJoiner(role: .participant, breakout: Fixture.breakout(.open, mode: .automatic), rooms: []) == nil)
    }

    @Test("Hosts and co-hosts are not assigned as late joiners", arguments: [Role.host, .cohost])
    func managersNotAssigned(role: Role) {
        #expect(join(Fixture.breakout(.open, mode: .automatic), as: role) == nil)
    }

    @Test("On equal room sizes the first room by position is chosen")
    func tie() {
        let even: [(id: UUID, assigned: Int)] = [(Fixture.roomA, 1), (Fixture.roomB, 1)]
        let result = BreakoutRules.lateJoiner(role: .participant, breakout: Fixture.breakout(.ready, mode: .automatic), rooms: even)
        #expect(result?.room == Fixture.roomA)
    }
}
