import BreakoutDomain
import Foundation
import Testing

/// Broadcast a message (1–140 characters as Swift counts them) while rooms are open (docs/rules.md, rule 5).
@Suite("Rule 5 – broadcasts")
struct BroadcastRulesTests {
    let open = Fixture.breakout(.open)

    func send(_ message: String, actor: Role = .host, breakout: BreakoutState? = nil) throws -> String {
        try BroadcastRules.broadcast(actor: actor, breakout: breakout ?? open, message: message)
    }

    @Test("Host and co-host may broadcast while open; the message is returned", arguments: [Role.host, .cohost])
    func managersBroadcast(role: Role) throws {
        #expect(try send("Five minutes left", actor: role) == "Five minutes left")
    }

    @Test("One character is enough")
    func oneCharacter() throws {
        #expect(try send("!") == "!")
    }

    @Test("140 characters are accepted")
    func exactly140() throws {
        let message = String(repeating: "a", count: 140)
        #expect(try send(message) == message)
    }

    @Test("141 characters are refused (422 message_too_long)")
    func tooLong() {
        let error = #expect(throws: DomainError.self) { try send(String(repeating: "a", count: 141)) }
        #expect(error == .messageTooLong(count: 141))
        #expect(error?.code.rawValue == "message_too_long")
        #expect(error?.violations.map(\.field) == ["message"])
    }

    @Test("An emoji counts once: 140 👍 are accepted, 141 refused")
    func emojiCountOnce() throws {
        let ok = String(repeating: "👍", count: 140)
        #expect(ok.utf16.count == 280)
        #expect(try send(ok) == ok)
        #expect(throws: DomainError.messageTooLong(count: 141)) { try send(String(repeating: "👍", count: 141)) }
    }

    @Test("Multi-scalar characters count once (family emoji, flags, combining accents)",
          arguments: ["👨‍👩‍👧‍👦", "🇫🇷", "e\u{301}", "👍🏽"])
    func graphemeClusters(character: String) throws {
        let ok = String(repeating: character, count: 140)
        #expect(try send(ok) == ok)
        #expect(throws: DomainError.messageTooLong(count: 141)) { try send(ok + character) }
    }

    @Test("Empty and whitespace-only messages are refused (422, naming message)", arguments: ["", " ", "   ", "\n\t ", "\u{3000}"])
    func whitespaceOnly(message: String) {
        let error = #expect(throws: DomainError.self) { try send(message) }
        #expect(error?.code.rawValue == "validation_failed")
        #expect(error?.violations.map(\.field) == ["message"])
    }

    @Test("A participant may not broadcast (403 not_a_manager)")
    func participantRefused() {
        #expect(throws: DomainError.forbiddenNotManager) { try send("hello", actor: .participant) }
    }

    @Test("Broadcast refused when rooms are not open (409 breakout_not_open)", arguments: [BreakoutStatus.none, .ready])
    func notOpen(status: BreakoutStatus) {
        let error = #expect(throws: DomainError.self) { try send("hello", breakout: Fixture.breakout(status)) }
        #expect(error == .breakoutNotOpen)
        #expect(error?.code.rawValue == "breakout_not_open")
    }

    @Test("The broadcast length limit is 1–140")
    func limit() {
        #expect(Limits.broadcastLength == 1...140)
    }
}
