import BreakoutDomain
import Foundation
import Testing

/// Host mutes (docs/rules.md, rule 9).
@Suite("Rule 9 – mutes set by the host")
struct MuteRulesTests {
    let a = Fixture.roomA
    let b = Fixture.roomB

    @Test("Host and co-host may mute anyone, wherever they are", arguments: [Role.host, .cohost])
    func managersMute(role: Role) throws {
        let actor = Fixture.member(role, id: 1, in: a)
        let target = Fixture.member(.participant, id: 2, in: b)
        #expect(try MuteRules.setMute(actor: actor, target: target, muted: true) == true)
        let inMain = Fixture.member(.participant, id: 3)
        #expect(try MuteRules.setMute(actor: actor, target: inMain, muted: true) == true)
    }

    @Test("A participant cannot lift its own mute (403 mute_locked)")
    func participantCannotUnmuteSelf() {
        let me = Fixture.member(.participant, id: 2, muted: true)
        let error = #expect(throws: DomainError.self) { try MuteRules.setMute(actor: me, target: me, muted: false) }
        #expect(error == .cannotUnmuteSelf)
        #expect(error?.code.rawValue == "mute_locked")
    }

    @Test("A participant may not mute or unmute others (403 not_a_manager)")
    func participantCannotMuteOthers() {
        let actor = Fixture.member(.participant, id: 2)
        let other = Fixture.member(.participant, id: 3, muted: true)
        #expect(throws: DomainError.forbiddenNotManager) { try MuteRules.setMute(actor: actor, target: other, muted: false) }
        #expect(throws: DomainError.forbiddenNotManager) {
            try MuteRules.setMute(actor: actor, target: Fixture.member(.participant, id: 4), muted: true)
        }
    }

    @Test("A manager in another location may not lift a mute (409 not_in_same_room)", arguments: [Role.host, .cohost])
    func unmuteFromElsewhere(role: Role) {
        let target = Fixture.member(.participant, id: 2, in: a, muted: true)
        for location in [nil, b] {
            let actor = Fixture.member(role, id: 1, in: location)
            let error = #expect(throws: DomainError.self) { try MuteRules.setMute(actor: actor, target: target, muted: false) }
            #expect(error == .notInSameRoom)
            #expect(error?.code.rawValue == "not_in_same_room")
        }
        let inMain = Fixture.member(.participant, id: 3, muted: true)
        #expect(throws: DomainError.notInSameRoom) {
            try MuteRules.setMute(actor: Fixture.member(role, id: 1, in: a), target: inMain, muted: false)
        }
    }

    @Test("A manager in the same location may lift a mute: both in main, or both in one room", arguments: [Role.host, .cohost])
    func unmuteSameLocation(role: Role) throws {
        let bothMain = try MuteRules.setMute(
            actor: Fixture.member(role, id: 1), target: Fixture.member(.participant, id: 2, muted: true), muted: false)
        #expect(bothMain == true)
        let sameRoom = try MuteRules.setMute(
            actor: Fixture.member(role, id: 1, in: a), target: Fixture.member(.participant, id: 2, in: a, muted: true), muted: false)
        #expect(sameRoom == true)
    }

    @Test("Setting the state a participant already has does nothing (returns false)")
    func noChange() throws {
        let host = Fixture.member(.host, id: 1)
        #expect(try MuteRules.setMute(actor: host, target: Fixture.member(.participant, id: 2, muted: true), muted: true) == false)
        #expect(try MuteRules.setMute(actor: host, target: Fixture.member(.participant, id: 2, muted: false), muted: false) == false)
    }

    @Test("Lift all mutes: managers only")
    func unmuteAll() throws {
        try MuteRules.unmuteAll(actor: Fixture.member(.host))
        try MuteRules.unmuteAll(actor: Fixture.member(.cohost, in: a))
        #expect(throws: DomainError.forbiddenNotManager) { try MuteRules.unmuteAll(actor: Fixture.member(.participant)) }
    }
}
