import BreakoutDomain
import Foundation
import Testing

/// A member moves itself, `POST .../moves` (docs/rules.md, rule 4).
@Suite("Rule 4 – moving between rooms")
struct MoveRulesTests {
    let a = Fixture.roomA
    let b = Fixture.roomB

    // MARK: Hosts and co-hosts

    @Test("Host and co-host may hop to any room while open, even one they are not assigned to",
          arguments: [Role.host, .cohost])
    func managersHop(role: Role) throws {
        let breakout = Fixture.breakout(.open)
        let manager = Fixture.member(role, in: a, assigned: a)
        #expect(try MoveRules.move(mover: manager, to: b, breakout: breakout) == true)
        #expect(try MoveRules.move(mover: Fixture.member(role), to: Fixture.roomC, breakout: breakout) == true)
    }

    @Test("Host and co-host may go back to main while open even when allowReturnToMain is false",
          arguments: [Role.host, .cohost])
    func managersReturnToMain(role: Role) throws {
        let breakout = Fixture.breakout(.open) { $0.allowReturnToMain = false }
        #expect(try MoveRules.move(mover: Fixture.member(role, in: a), to: nil, breakout: breakout) == true)
    }

    @Test("A co-host appointed while rooms are open (no assigned room) may hop as well")
    func newCohostHops() throws {
        let breakout = Fixture.breakout(.open) { $0.allowChooseRoom = false }
        let appointed = Fixture.member(.cohost, in: nil, assigned: nil)
        #expect(try MoveRules.move(mover: appointed, to: b, breakout: breakout) == true)
    }

    @Test("Managers cannot enter rooms that are not open",
          arguments: [Role.host, .cohost])
    func managersNeedOpenRooms(role: Role) {
        let manager = Fixture.member(role)
        #expect(throws: DomainError.breakoutNotOpen) { try MoveRules.move(mover: manager, to: a, breakout: Fixture.breakout(.ready)) }
        #expect(throws: DomainError.noBreakout) { try MoveRules.move(mover: manager, to: a, breakout: .none) }
        #expect(throws: DomainError.breakoutClosing) { try MoveRules.move(mover: manager, to: a, breakout: Fixture.breakout(.closing)) }
    }

    // MARK: Participants into rooms

    @Test("A participant may enter its assigned room while open")
    func participantToAssignedRoom() throws {
        let participant = Fixture.member(.participant, assigned: a)
        #expect(try MoveRules.move(mover: participant, to: a, breakout: Fixture.breakout(.open)) == true)
    }

    @Test("A participant may not enter another room without allowChooseRoom (403 room_not_allowed)")
    func participantToOtherRoomRefused() {
        let participant = Fixture.member(.participant, in: a, assigned: a)
        let breakout = Fixture.breakout(.open) { $0.allowChooseRoom = false }
        let error = #expect(throws: DomainError.self) { try MoveRules.move(mover: participant, to: b, breakout: breakout) }
        #expect(error == .roomNotAllowed)
        #expect(error?.code.rawValue == "room_not_allowed")
    }

    @Test("An unassigned participant may not enter any room without allowChooseRoom")
    func unassignedParticipantRefused() {
        let participant = Fixture.member(.participant)
        #expect(throws: DomainError.roomNotAllowed) {
            try MoveRules.move(mover: participant, to: a, breakout: Fixture.breakout(.open))
        }
    }

    @Test("With allowChooseRoom a participant may enter any room")
    func participantChoosesRoom() throws {
        let breakout = Fixture.breakout(.open) { $0.allowChooseRoom = true }
        let assigned = Fixture.member(.participant, in: a, assigned: a)
        #expect(try MoveRules.move(mover: assigned, to: b, breakout: breakout) == true)
        let unassigned = Fixture.member(.participant, id: 2)
        #expect(try MoveRules.move(mover: unassigned, to: Fixture.roomC, breakout: breakout) == true)
    }

    @Test("In self_select mode (allowChooseRoom forced on) a participant may pick any room")
    func selfSelectChoosing() throws {
        let breakout = Fixture.breakout(.open, mode: .selfSelect)
        #expect(try MoveRules.move(mover: Fixture.member(.participant), to: b, breakout: breakout) == true)
    }

    @Test("A participant cannot enter even its own room while rooms are ready (409 breakout_not_open)")
    func participantIntoReadyRoom() {
        let participant = Fixture.member(.participant, assigned: a)
        let breakout = Fixture.breakout(.ready) { $0.allowChooseRoom = true }
        let error = #expect(throws: DomainError.self) { try MoveRules.move(mover: participant, to: a, breakout: breakout) }
        #expect(error == .breakoutNotOpen)
        #expect(error?.code.rawValue == "breakout_not_open")
    }

    @Test("Entering a room without rooms is 409 no_breakout; while closing 409 breakout_closing")
    func participantIntoRoomOtherStates() {
        let participant = Fixture.member(.participant, assigned: a)
        #expect(throws: DomainError.noBreakout) { try MoveRules.move(mover: participant, to: a, breakout: .none) }
        let closing = #expect(throws: DomainError.self) {
            try MoveRules.move(mover: participant, to: a, breakout: Fixture.breakout(.closing))
        }
        #expect(closing == .breakoutClosing)
    }

    // MARK: Participants back to main

    @Test("A participant may return to main while open when allowReturnToMain is true")
    func participantReturns() throws {
        let participant = Fixture.member(.participant, in: a, assigned: a)
        let breakout = Fixture.breakout(.open) { $0.allowReturnToMain = true }
        #expect(try MoveRules.move(mover: participant, to: nil, breakout: breakout) == true)
    }

    @Test("A participant may not return to main while open when allowReturnToMain is false (409 return_not_allowed)")
    func participantReturnRefused() {
        let participant = Fixture.member(.participant, in: a, assigned: a)
        let breakout = Fixture.breakout(.open) { $0.allowReturnToMain = false }
        let error = #expect(throws: DomainError.self) { try MoveRules.move(mover: participant, to: nil, breakout: breakout) }
        #expect(error == .returnNotAllowed)
        #expect(error?.code.rawValue == "return_not_allowed")
    }

    @Test("During the closing countdown a participant may return to main even when allowReturnToMain is false")
    func participantReturnsWhileClosing() throws {
        let participant = Fixture.member(.participant, in: a, assigned: a)
        let breakout = Fixture.breakout(.closing) { $0.allowReturnToMain = false }
        #expect(try MoveRules.move(mover: participant, to: nil, breakout: breakout) == true)
    }

    // MARK: No-ops

    @Test("Moving to where one already is does nothing (returns false)")
    func alreadyThere() throws {
        let breakout = Fixture.breakout(.open) { $0.allowReturnToMain = false }
        #expect(try MoveRules.move(mover: Fixture.member(.participant, in: a, assigned: a), to: a, breakout: breakout) == false)
        #expect(try MoveRules.move(mover: Fixture.member(.participant), to: nil, breakout: breakout) == false)
        #expect(try MoveRules.move(mover: Fixture.member(.host, in: b), to: b, breakout: breakout) == false)
    }
}
