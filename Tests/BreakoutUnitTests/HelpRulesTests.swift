import BreakoutDomain
import Foundation
import Testing

/// The help queue (docs/rules.md, rule 8).
@Suite("Rule 8 – help requests")
struct HelpRulesTests {
    @Test("A participant in a room may ask for help; the request is about that room")
    func requestInRoom() throws {
        let asker = Fixture.member(.participant, in: Fixture.roomB, assigned: Fixture.roomA)
        #expect(try HelpRules.request(asker: asker, hasUnresolvedRequest: false) == Fixture.roomB)
    }

    @Test("A participant in the main room may not ask for help (409 not_in_room)")
    func requestInMain() {
        let asker = Fixture.member(.participant, assigned: Fixture.roomA)
        let error = #expect(throws: DomainError.self) { try HelpRules.request(asker: asker, hasUnresolvedRequest: false) }
        #expect(error == .notInRoom)
        #expect(error?.code.rawValue == "not_in_room")
    }

    @Test("Only one open help request at a time (409 help_already_requested)")
    func oneOpenRequest() {
        let asker = Fixture.member(.participant, in: Fixture.roomA)
        let error = #expect(throws: DomainError.self) { try HelpRules.request(asker: asker, hasUnresolvedRequest: true) }
        #expect(error == .helpAlreadyRequested)
        #expect(error?.code.rawValue == "help_already_requested")
    }

    @Test("Host and co-host may take an open request", arguments: [Role.host, .cohost])
    func takeOpen(role: Role) throws {
        try HelpRules.take(actor: role, status: .open)
    }

    @Test("A taken request cannot be taken again (409 help_already_taken)")
    func takeTaken() {
        let error = #expect(throws: DomainError.self) { try HelpRules.take(actor: .cohost, status: .taken) }
        #expect(error == .helpAlreadyTaken)
        #expect(error?.code.rawValue == "help_already_taken")
    }

    @Test("A resolved request cannot be taken (409 help_already_resolved)")
    func takeResolved() {
        #expect(throws: DomainError.helpAlreadyResolved) { try HelpRules.take(actor: .host, status: .resolved) }
    }

    @Test("Open and taken requests may be resolved by any manager",
          arguments: [Role.host, .cohost], [HelpStatus.open, .taken])
    func resolve(role: Role, status: HelpStatus) throws {
        try HelpRules.resolve(actor: role, status: status)
    }

    @Test("A resolved request cannot be resolved again (409 help_already_resolved)")
    func resolveResolved() {
        let error = #expect(throws: DomainError.self) { try HelpRules.resolve(actor: .host, status: .resolved) }
        #expect(error == .helpAlreadyResolved)
        #expect(error?.code.rawValue == "help_already_resolved")
    }

    @Test("A participant may neither take nor resolve requests (403 not_a_manager)")
    func participantCannotWorkQueue() {
        #expect(throws: DomainError.forbiddenNotManager) { try HelpRules.take(actor: .participant, status: .open) }
        #expect(throws: DomainError.forbiddenNotManager) { try HelpRules.resolve(actor: .participant, status: .open) }
    }
}
