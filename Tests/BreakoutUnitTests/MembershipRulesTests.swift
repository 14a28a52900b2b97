import BreakoutDomain
import Foundation
import Testing

/// Leave, remove, end (docs/rules.md, rule 10) and roles (rule 11).
@Suite("Rules 10 and 11 – membership and roles")
struct MembershipRulesTests {
    let host = Fixture.member(.host, id: 1)
    let cohost = Fixture.member(.cohost, id: 2)
    let participant = Fixture.member(.participant, id: 3)
    let other = Fixture.member(.participant, id: 4)

    // MARK: Leave and remove

    @Test("A participant or co-host may leave")
    func leave() throws {
        try MembershipRules.remove(actor: participant, target: participant)
        try MembershipRules.remove(actor: cohost, target: cohost)
    }

    @Test("The host cannot leave (409 host_cannot_leave)")
    func hostCannotLeave() {
        let error = #expect(throws: DomainError.self) { try MembershipRules.remove(actor: host, target: host) }
        #expect(error == .hostCannotLeave)
        #expect(error?.code.rawValue == "host_cannot_leave")
    }

    @Test("The host may remove a participant or a co-host")
    func hostRemoves() throws {
        try MembershipRules.remove(actor: host, target: participant)
        try MembershipRules.remove(actor: host, target: cohost)
    }

    @Test("Only the host removes others (403 not_the_host)")
    func onlyHostRemoves() {
        let error = #expect(throws: DomainError.self) { try MembershipRules.remove(actor: cohost, target: participant) }
        #expect(error == .forbiddenNotHost)
        #expect(error?.code.rawValue == "not_the_host")
        #expect(throws: DomainError.forbiddenNotHost) { try MembershipRules.remove(actor: participant, target: other) }
        #expect(throws: DomainError.forbiddenNotHost) { try MembershipRules.remove(actor: participant, target: host) }
    }

    // MARK: Roles

    @Test("The host appoints a co-host and demotes one")
    func hostSetsRoles() throws {
        #expect(try MembershipRules.setRole(actor: .host, target: participant, role: .cohost)
            == DomainEvent(.roleChanged(RoleChanged(participantId: participant.id, role: .cohost))))
        #expect(try MembershipRules.setRole(actor: .host, target: cohost, role: .participant)
            == DomainEvent(.roleChanged(RoleChanged(participantId: cohost.id, role: .participant))))
    }

    @Test("Setting the role a member already has changes nothing (no event)")
    func sameRole() throws {
        #expect(try MembershipRules.setRole(actor: .host, target: cohost, role: .cohost) == nil)
        #expect(try MembershipRules.setRole(actor: .host, target: participant, role: .participant) == nil)
    }

    @Test("Only the host sets roles (403 not_the_host)", arguments: [Role.cohost, .participant])
    func onlyHostSetsRoles(actor: Role) {
        #expect(throws: DomainError.forbiddenNotHost) { try MembershipRules.setRole(actor: actor, target: other, role: .cohost) }
    }

    @Test("Nobody can be made host (422 validation_failed naming role)")
    func cannotAppointHost() {
        let error = #expect(throws: DomainError.self) { try MembershipRules.setRole(actor: .host, target: participant, role: .host) }
        #expect(error == .invalid("role", "must be cohost or participant"))
        #expect(error?.violations.map(\.field) == ["role"])
    }

    @Test("The host's own role cannot be changed (409 cannot_change_host)")
    func cannotChangeHost() {
        let error = #expect(throws: DomainError.self) { try MembershipRules.setRole(actor: .host, target: host, role: .participant) }
        #expect(error == .cannotChangeHost)
        #expect(error?.code.rawValue == "cannot_change_host")
    }

    // MARK: End

    @Test("Only the host ends the meeting")
    func end() throws {
        try MembershipRules.end(actor: .host)
        #expect(throws: DomainError.forbiddenNotHost) { try MembershipRules.end(actor: .cohost) }
        #expect(throws: DomainError.forbiddenNotHost) { try MembershipRules.end(actor: .participant) }
    }

    @Test("Managers are exactly the host and the co-hosts")
    func managers() {
        #expect(Role.host.isManager)
        #expect(Role.cohost.isManager)
        #expect(!Role.participant.isManager)
    }
}
