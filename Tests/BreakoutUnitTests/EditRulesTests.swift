import BreakoutDomain
import Foundation
import Testing

/// Before opening (and while open) – rename, add, delete, assign, change options, discard (docs/rules.md, rule 2).
@Suite("Rule 2 – editing rooms, assignments and options")
struct EditRulesTests {
    // MARK: Permission and state

    @Test("Managers may edit rooms in every status that has rooms",
          arguments: [Role.host, .cohost], [BreakoutStatus.ready, .open, .closing])
    func managersMayEdit(role: Role, status: BreakoutStatus) throws {
        try BreakoutRules.requireEditable(actor: role, breakout: Fixture.breakout(status))
    }

    @Test("A participant may not edit rooms (403 not_a_manager)")
    func participantMayNotEdit() {
        #expect(throws: DomainError.forbiddenNotManager) {
            try BreakoutRules.requireEditable(actor: .participant, breakout: Fixture.breakout(.ready))
        }
    }

    @Test("Editing without rooms is refused (409 no_breakout)")
    func editingWithoutRooms() {
        let error = #expect(throws: DomainError.self) {
            try BreakoutRules.requireEditable(actor: .host, breakout: .none)
        }
        #expect(error == .noBreakout)
        #expect(error?.code.rawValue == "no_breakout")
    }

    // MARK: Discard

    @Test("Rooms may be discarded while ready")
    func discardWhileReady() throws {
        try BreakoutRules.discard(actor: .cohost, breakout: Fixture.breakout(.ready))
    }

    @Test("Rooms may not be discarded while open or closing (409 breakout_open)", arguments: [BreakoutStatus.open, .closing])
    func discardWhileOpen(status: BreakoutStatus) {
        let error = #expect(throws: DomainError.self) {
            try BreakoutRules.discard(actor: .host, breakout: Fixture.breakout(status))
        }
        #expect(error == .breakoutIsOpen)
        #expect(error?.code.rawValue == "breakout_open")
    }

    @Test("Discard refusals: participant, or no rooms")
    func discardRefusals() {
        #expect(throws: DomainError.forbiddenNotManager) {
            try BreakoutRules.discard(actor: .participant, breakout: Fixture.breakout(.ready))
        }
        #expect(throws: DomainError.noBreakout) { try BreakoutRules.discard(actor: .host, breakout: .none) }
    }

    // MARK: Add and delete rooms

    @Test("A room may be added while ready or open, up to limits.maxRooms", arguments: [BreakoutStatus.ready, .open])
    func addRoom(status: BreakoutStatus) throws {
        try BreakoutRules.addRoom(actor: .host, breakout: Fixture.breakout(status), roomCount: 99, limits: .init())
    }

    @Test("Adding beyond limits.maxRooms is refused (409 too_many_rooms)")
    func addRoomBeyondLimit() {
        let error = #expect(throws: DomainError.self) {
            try BreakoutRules.addRoom(actor: .host, breakout: Fixture.breakout(.ready), roomCount: 100, limits: .init())
        }
        #expect(error == .tooManyRooms)
        #expect(error?.code.rawValue == "too_many_rooms")
        #expect(throws: DomainError.tooManyRooms) {
            try BreakoutRules.addRoom(actor: .host, breakout: Fixture.breakout(.ready), roomCount: 5, limits: Limits(maxRooms: 5))
        }
    }

    @Test("A participant may not add a room")
    func participantMayNotAddRoom() {
        #expect(throws: DomainError.forbiddenNotManager) {
            try BreakoutRules.addRoom(actor: .participant, breakout: Fixture.breakout(.ready), roomCount: 1, limits: .init())
        }
    }

    @Test("An added room gets the first free \"Breakout room N\" with N at least the new room count")
    func addedRoomName() {
        #expect(BreakoutRules.nameForAddedRoom(existing: ["Breakout room 1", "Breakout room 2"]) == "Breakout room 3")
        #expect(BreakoutRules.nameForAddedRoom(existing: ["Breakout room 1", "Breakout room 3"]) == "Breakout room 4")
        #expect(BreakoutRules.nameForAddedRoom(existing: ["Maths", "Physics"]) == "Breakout room 3")
        #expect(BreakoutRules.nameForAddedRoom(existing: []) == "Breakout room 1")
    }

    @Test("A room may be deleted while ready or open (occupants go to main first)", arguments: [BreakoutStatus.ready, .open])
    func deleteRoom(status: BreakoutStatus) throws {
        try BreakoutRules.deleteRoom(actor: .cohost, breakout: Fixture.breakout(status), roomCount: 2)
    }

    @Test("The last room cannot be deleted (409 last_room)")
    func deleteLastRoom() {
        let error = #expect(throws: DomainError.self) {
            try BreakoutRules.deleteRoom(actor: .host, breakout: Fixture.breakout(.ready), roomCount: 1)
        }
        #expect(error == .lastRoom)
        #expect(error?.code.rawValue == "last_room")
    }

    @Test("A participant may not delete a room")
    func participantMayNotDeleteRoom() {
        #expect(throws: DomainError.forbiddenNotManager) {
            try BreakoutRules.deleteRoom(actor: .participant, breakout: Fixture.breakout(.ready), roomCount: 3)
        }
    }

    // MARK: Assignments

    @Test("While ready an assignment only records the room", arguments: [true, false])
    func assignWhileReady(moveAutomatically: Bool) throws {
        let breakout = Fixture.breakout(.ready) { $0.moveAutomatically = moveAutomatically }
        let target = Fixture.member(.participant, assigned: Fixture.roomA)
        #expect(try BreakoutRules.assign(actor: .host, breakout: breakout, target: target, room: Fixture.roomB) == .assignOnly)
        #expect(try BreakoutRules.assign(actor: .host, breakout: breakout, target: target, room: nil) == .assignOnly)
    }

    @Test("While open with moveAutomatically a reassigned participant is moved into the new room")
    func reassignWhileOpenMoves() throws {
        let breakout = Fixture.breakout(.open) { $0.moveAutomatically = true }
        let target = Fixture.member(.participant, in: Fixture.roomA, assigned: Fixture.roomA)
        #expect(try BreakoutRules.assign(actor: .cohost, breakout: breakout, target: target, room: Fixture.roomB)
            == .move(to: Fixture.roomB))
        let inMain = Fixture.member(.participant)
        #expect(try BreakoutRules.assign(actor: .host, breakout: breakout, target: inMain, room: Fixture.roomC)
            == .move(to: Fixture.roomC))
    }

    @Test("While open without moveAutomatically a reassigned participant is prompted")
    func reassignWhileOpenPrompts() throws {
        let breakout = Fixture.breakout(.open) { $0.moveAutomatically = false }
        let target = Fixture.member(.participant, in: Fixture.roomA, assigned: Fixture.roomA)
        #expect(try BreakoutRules.assign(actor: .host, breakout: breakout, target: target, room: Fixture.roomB) == .prompt)
    }

    @Test("While open, assigning a participant to the room it already sits in changes nothing else")
    func assignToCurrentRoom() throws {
        let breakout = Fixture.breakout(.open)
        let target = Fixture.member(.participant, in: Fixture.roomB, assigned: Fixture.roomA)
        #expect(try BreakoutRules.assign(actor: .host, breakout: breakout, target: target, room: Fixture.roomB) == .assignOnly)
    }

    @Test("While open, unassigning a participant who sits in its assigned room sends it to main")
    func unassignWhileOpen() throws {
        let breakout = Fixture.breakout(.open)
        let inRoom = Fixture.member(.participant, in: Fixture.roomA, assigned: Fixture.roomA)
        #expect(try BreakoutRules.assign(actor: .host, breakout: breakout, target: inRoom, room: nil) == .move(to: nil))
        let inMain = Fixture.member(.participant, assigned: Fixture.roomA)
        #expect(try BreakoutRules.assign(actor: .host, breakout: breakout, target: inMain, room: nil) == .assignOnly)
    }

    @Test("Assignment refusals: participant actor, no rooms")
    func assignRefusals() {
        let target = Fixture.member(.participant, id: 2)
        #expect(throws: DomainError.forbiddenNotManager) {
            try BreakoutRules.assign(actor: .participant, breakout: Fixture.breakout(.ready), target: target, room: Fixture.roomA)
        }
        #expect(throws: DomainError.noBreakout) {
            try BreakoutRules.assign(actor: .host, breakout: .none, target: target, room: Fixture.roomA)
        }
    }

    // MARK: Options

    @Test("Options may be changed while ready; the timer is not running so it is unchanged")
    func changeOptionsWhileReady() throws {
        let breakout = Fixture.breakout(.ready)
        let patch = Fixture.patch {
            $0.allowReturnToMain = false
            $0.timerSeconds = .set(300)
        }
        let result = try BreakoutRules.changeOptions(actor: .cohost, breakout: breakout, patch: patch, openedAt: nil)
        #expect(result.options.allowReturnToMain == false)
        #expect(result.options.timerSeconds == 300)
        #expect(result.timer == .unchanged)
    }

    @Test("Changing options: participant refused, no rooms refused, bad values refused")
    func changeOptionsRefusals() {
        #expect(throws: DomainError.forbiddenNotManager) {
            try BreakoutRules.changeOptions(actor: .participant, breakout: Fixture.breakout(.ready), patch: .init(), openedAt: nil)
        }
        #expect(throws: DomainError.noBreakout) {
            try BreakoutRules.changeOptions(actor: .host, breakout: .none, patch: .init(), openedAt: nil)
        }
        let error = #expect(throws: DomainError.self) {
            try BreakoutRules.changeOptions(
                actor: .host, breakout: Fixture.breakout(.open),
                patch: Fixture.patch { $0.timerSeconds = .set(86_401) }, openedAt: Fixture.now)
        }
        #expect(error?.violations.map(\.field) == ["options.timerSeconds"])
    }
}
