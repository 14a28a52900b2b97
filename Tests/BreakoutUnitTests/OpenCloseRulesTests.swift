import BreakoutDomain
import Foundation
import Testing

/// Open all rooms and close all rooms (docs/rules.md, rules 3 and 7).
@Suite("Rules 3 and 7 – opening and closing all rooms")
struct OpenCloseRulesTests {
    let now = Fixture.now

    // MARK: Open

    @Test("Managers may open ready rooms; without a timer no end time is returned", arguments: [Role.host, .cohost])
    func openWithoutTimer(role: Role) throws {
        #expect(try BreakoutRules.open(actor: role, breakout: Fixture.breakout(.ready), now: now) == nil)
    }

    @Test("Opening with timerSeconds starts the timer, counted from now")
    func openStartsTimer() throws {
        let breakout = Fixture.breakout(.ready) { $0.timerSeconds = 900 }
        #expect(try BreakoutRules.open(actor: .host, breakout: breakout, now: now) == now.addingTimeInterval(900))
    }

    @Test("A participant may not open rooms (403 not_a_manager)")
    func participantMayNotOpen() {
        #expect(throws: DomainError.forbiddenNotManager) {
            try BreakoutRules.open(actor: .participant, breakout: Fixture.breakout(.ready), now: now)
        }
    }

    @Test("Open refused without rooms (409 no_breakout)")
    func openWithoutRooms() {
        #expect(throws: DomainError.noBreakout) { try BreakoutRules.open(actor: .host, breakout: .none, now: now) }
    }

    @Test("Open refused while already open (409 breakout_already_open)")
    func openWhileOpen() {
        let error = #expect(throws: DomainError.self) {
            try BreakoutRules.open(actor: .host, breakout: Fixture.breakout(.open), now: now)
        }
        #expect(error?.code.rawValue == "breakout_already_open")
    }

    @Test("Open refused while closing (409 breakout_closing)")
    func openWhileClosing() {
        let error = #expect(throws: DomainError.self) {
            try BreakoutRules.open(actor: .host, breakout: Fixture.breakout(.closing), now: now)
        }
        #expect(error == .breakoutClosing)
        #expect(error?.code.rawValue == "breakout_closing")
    }

    // MARK: Close

    @Test("Close with a countdown: closing until now + closeCountdownSeconds", arguments: [Role.host, .cohost])
    func closeWithCountdown(role: Role) throws {
        let breakout = Fixture.breakout(.open) { $0.closeCountdownSeconds = 60 }
        #expect(try BreakoutRules.close(actor: role, breakout: breakout, now: now)
            == .countdown(endsAt: now.addingTimeInterval(60), seconds: 60))
    }

    @Test("Close uses the configured countdown length")
    func closeWithCustomCountdown() throws {
        let breakout = Fixture.breakout(.open) { $0.closeCountdownSeconds = 300 }
        #expect(try BreakoutRules.close(actor: .host, breakout: breakout, now: now)
            == .countdown(endsAt: now.addingTimeInterval(300), seconds: 300))
    }

    @Test("Close with countdown 0 is immediate")
    func closeImmediately() throws {
        let breakout = Fixture.breakout(.open) { $0.closeCountdownSeconds = 0 }
        #expect(try BreakoutRules.close(actor: .host, breakout: breakout, now: now) == .immediately)
    }

    @Test("A participant may not close rooms (403 not_a_manager)")
    func participantMayNotClose() {
        #expect(throws: DomainError.forbiddenNotManager) {
            try BreakoutRules.close(actor: .participant, breakout: Fixture.breakout(.open), now: now)
        }
    }

    @Test("Close refused unless open: none → no_breakout, ready → breakout_not_open, closing → breakout_closing")
    func closeRefusals() {
        #expect(throws: DomainError.noBreakout) { try BreakoutRules.close(actor: .host, breakout: .none, now: now) }
        let notOpen = #expect(throws: DomainError.self) {
            try BreakoutRules.close(actor: .host, breakout: Fixture.breakout(.ready), now: now)
        }
        #expect(notOpen == .breakoutNotOpen)
        #expect(notOpen?.code.rawValue == "breakout_not_open")
        #expect(throws: DomainError.breakoutClosing) {
            try BreakoutRules.close(actor: .host, breakout: Fixture.breakout(.closing), now: now)
        }
    }
}
