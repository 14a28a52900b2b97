import BreakoutDomain
import Foundation
import Testing

/// Create rooms (docs/rules.md, rule 1).
@Suite("Rule 1 – creating breakout rooms")
struct CreateRulesTests {
    func create(
        actor: Role = .host, enabled: Bool = true, current: BreakoutStatus = .none,
        roomCount: Int = 3, mode: BreakoutMode = .manual, patch: BreakoutOptionsPatch = .init(),
        participants: [UUID] = [], limits: Limits = .init()
    ) throws -> BreakoutRules.CreationPlan {
        try BreakoutRules.create(
            actor: actor, breakoutRoomsEnabled: enabled, current: current,
            roomCount: roomCount, mode: mode, options: patch,
            participants: participants, limits: limits)
    }

    // MARK: Who and when

    @Test("Host and co-host may create rooms", arguments: [Role.host, .cohost])
    func managersMayCreate(role: Role) throws {
        let plan = try create(actor: role, roomCount: 2)
        #expect(plan.roomNames.count == 2)
    }

    @Test("A participant may not create rooms (403 not_a_manager)")
    func participantRefused() {
        let error = #expect(throws: DomainError.self) { try create(actor: .participant) }
        #expect(error == .forbiddenNotManager)
        #expect(error?.code.rawValue == "not_a_manager")
    }

    @Test("Refused when breakoutRoomsEnabled is false (409 breakout_disabled, says it is switched off in settings)")
    func disabledInSettings() {
        let error = #expect(throws: DomainError.self) { try create(enabled: false) }
        #expect(error == .breakoutDisabled)
        #expect(error?.code.rawValue == "breakout_disabled")
        #expect(error?.detail.contains("switched off") == true)
        #expect(error?.detail.contains("settings") == true)
    }

    @Test("Refused when a breakout already exists (409 breakout_exists)", arguments: [BreakoutStatus.ready, .open, .closing])
    func breakoutExists(current: BreakoutStatus) {
        let error = #expect(throws: DomainError.self) { try create(current: current) }
        #expect(error == .breakoutExists)
        #expect(error?.code.rawValue == "breakout_exists")
    }

    // MARK: Room count

    @Test("roomCount below 1 is refused with a validation error naming roomCount", arguments: [0, -1])
    func roomCountTooSmall(count: Int) {
        let error = #expect(throws: DomainError.self) { try create(roomCount: count) }
        #expect(error == .invalid("roomCount", "must be 1–100"))
        #expect(error?.code.rawValue == "validation_failed")
        #expect(error?.violations.map(\.field) == ["roomCount"])
    }

    @Test("roomCount above the default limit of 100 is refused; 1 and 100 are accepted")
    func roomCountDefaultLimit() throws {
        #expect(throws: DomainError.invalid("roomCount", "must be 1–100")) { try create(roomCount: 101) }
        #expect(try create(roomCount: 1).roomNames.count == 1)
        #expect(try create(roomCount: 100).roomNames.count == 100)
    }

    @Test("roomCount above a configured limits.maxRooms is refused")
    func roomCountConfiguredLimit() throws {
        let limits = Limits(maxRooms: 10)
        #expect(throws: DomainError.invalid("roomCount", "must be 1–10")) { try create(roomCount: 11, limits: limits) }
        #expect(try create(roomCount: 10, limits: limits).roomNames.count == 10)
    }

    @Test("The default limit is 100 rooms")
    func defaultLimit() {
        #expect(Limits().maxRooms == 100)
    }

    // MARK: Rooms

    @Test("Rooms get default names \"Breakout room N\" in order, one assignment list per room")
    func defaultNames() throws {
        let plan = try create(roomCount: 3)
        #expect(plan.roomNames == ["Breakout room 1", "Breakout room 2", "Breakout room 3"])
        #expect(plan.assignments.count == 3)
        #expect(BreakoutRules.defaultRoomName(7) == "Breakout room 7")
    }

    // MARK: Modes

    @Test("automatic: every participant is assigned exactly once, sizes differ by at most one")
    func automaticSpreads() throws {
        let participants = Fixture.ids(10)
        let plan = try create(roomCount: 3, mode: .automatic, participants: participants)
        #expect(plan.mode == .automatic)
        #expect(plan.assignments.count == 3)
        #expect(plan.assignments.flatMap { $0 }.sorted { $0.uuidString < $1.uuidString }
            == participants.sorted { $0.uuidString < $1.uuidString })
        let sizes = plan.assignments.map(\.count)
        #expect(sizes.max()! - sizes.min()! <= 1)
        #expect(sizes.sorted() == [3, 3, 4])
    }

    @Test("automatic: only the participants passed in are spread (hosts and co-hosts are not)")
    func automaticOnlyParticipants() throws {
        let host = Fixture.id(100)
        let cohost = Fixture.id(101)
        let participants = Fixture.ids(4)
        let plan = try create(roomCount: 2, mode: .automatic, participants: participants)
        let assigned = Set(plan.assignments.flatMap { $0 })
        #expect(assigned == Set(participants))
        #expect(!assigned.contains(host))
        #expect(!assigned.contains(cohost))
    }

    @Test("automatic with more rooms than participants leaves some rooms empty")
    func automaticMoreRoomsThanPeople() throws {
        let plan = try create(roomCount: 5, mode: .automatic, participants: Fixture.ids(2))
        #expect(plan.assignments.map(\.count) == [1, 1, 0, 0, 0])
    }

    @Test("manual: nobody is assigned")
    func manualAssignsNobody() throws {
        let plan = try create(roomCount: 4, mode: .manual, participants: Fixture.ids(8))
        #expect(plan.mode == .manual)
        #expect(plan.assignments.count == 4)
        #expect(plan.assignments.allSatisfy { $0.isEmpty })
        #expect(plan.options.allowChooseRoom == false)
    }

    @Test("self_select: nobody is assigned and allowChooseRoom is forced on")
    func selfSelect() throws {
        let plan = try create(roomCount: 3, mode: .selfSelect, participants: Fixture.ids(6))
        #expect(plan.mode == .selfSelect)
        #expect(plan.assignments.allSatisfy { $0.isEmpty })
        #expect(plan.options.allowChooseRoom == true)
    }

    @Test("self_select: asking for allowChooseRoom false cannot turn it off (refused, naming the field)")
    func selfSelectCannotTurnOffChoosing() {
        let patch = Fixture.patch { $0.allowChooseRoom = false }
        let error = #expect(throws: DomainError.self) { try create(mode: .selfSelect, patch: patch) }
        #expect(error?.code.rawValue == "validation_failed")
        #expect(error?.violations.map(\.field) == ["options.allowChooseRoom"])
    }

    @Test("assignLateJoiners defaults to true in automatic mode and false in manual and self_select")
    func assignLateJoinersDefault() throws {
        #expect(try create(mode: .automatic).options.assignLateJoiners == true)
        #expect(try create(mode: .manual).options.assignLateJoiners == false)
        #expect(try create(mode: .selfSelect).options.assignLateJoiners == false)
    }

    @Test("Options given at creation are applied on top of the mode's defaults")
    func optionsApplied() throws {
        let patch = Fixture.patch {
            $0.moveAutomatically = false
            $0.allowReturnToMain = false
            $0.timerSeconds = .set(600)
            $0.closeCountdownSeconds = 0
            $0.assignLateJoiners = false
        }
        let options = try create(mode: .automatic, patch: patch).options
        #expect(options.moveAutomatically == false)
        #expect(options.allowReturnToMain == false)
        #expect(options.timerSeconds == 600)
        #expect(options.closeCountdownSeconds == 0)
        #expect(options.assignLateJoiners == false)
        // untouched values keep their defaults
        #expect(options.closeWhenTimeUp == true)
        #expect(options.notifyHostWhenTimeUp == false)
        #expect(options.allowChooseRoom == false)
    }

    @Test("Out-of-range options at creation are refused, listing each field")
    func invalidOptionsRefused() {
        let patch = Fixture.patch {
            $0.timerSeconds = .set(0)
            $0.closeCountdownSeconds = 301
        }
        let error = #expect(throws: DomainError.self) { try create(patch: patch) }
        #expect(error?.code.rawValue == "validation_failed")
        #expect(error?.violations.map(\.field) == ["options.timerSeconds", "options.closeCountdownSeconds"])
    }

    @Test("preassigned: refused with mode_unavailable while the meeting has no pre-assignment list")
    func preassignedMode() {
        #expect(throws: DomainError.modeUnavailable) { try create(roomCount: 2, mode: .preassigned) }
    }
}
