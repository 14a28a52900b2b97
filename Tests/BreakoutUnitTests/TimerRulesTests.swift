import BreakoutDomain
import Foundation
import Testing

/// What the timer does when it ends, and moving `timerEndsAt` by changing options (docs/rules.md, rule 6).
/// (Firing exactly once across nodes is the store's job and is not tested here.)
@Suite("Rule 6 – the room timer")
struct TimerRulesTests {
    let now = Fixture.now
    let openedAt = Fixture.now.addingTimeInterval(-120)

    // MARK: timeUp

    @Test("Time up with the defaults: close (with the countdown), no notification")
    func timeUpDefaults() {
        let breakout = Fixture.breakout(.open) { $0.timerSeconds = 600 }
        let plan = BreakoutRules.timeUp(breakout: breakout, now: now)
        #expect(plan?.notifyManagers == false)
        #expect(plan?.close == .countdown(endsAt: now.addingTimeInterval(60), seconds: 60))
    }

    @Test("Time up with notifyHostWhenTimeUp and without closeWhenTimeUp: notify only, rooms stay open")
    func timeUpNotifyOnly() {
        let breakout = Fixture.breakout(.open) {
            $0.timerSeconds = 600
            $0.notifyHostWhenTimeUp = true
            $0.closeWhenTimeUp = false
        }
        let plan = BreakoutRules.timeUp(breakout: breakout, now: now)
        #expect(plan?.notifyManagers == true)
        #expect(plan != nil)
        #expect(plan?.close == nil)
    }

    @Test("Time up with both: notify and close; countdown 0 closes at once")
    func timeUpBoth() {
        let breakout = Fixture.breakout(.open) {
            $0.timerSeconds = 60
            $0.notifyHostWhenTimeUp = true
            $0.closeWhenTimeUp = true
            $0.closeCountdownSeconds = 0
        }
        let plan = BreakoutRules.timeUp(breakout: breakout, now: now)
        #expect(plan?.notifyManagers == true)
        #expect(plan?.close == .immediately)
    }

    @Test("A stale timer does nothing when the rooms are no longer open", arguments: [BreakoutStatus.none, .ready, .closing])
    func staleTimer(status: BreakoutStatus) {
        let breakout = Fixture.breakout(status) {
            $0.timerSeconds = 60
            $0.notifyHostWhenTimeUp = true
        }
        #expect(BreakoutRules.timeUp(breakout: breakout, now: now) == nil)
    }

    // MARK: changeOptions moves timerEndsAt

    @Test("Extending timerSeconds while open moves timerEndsAt later (counted from openedAt)")
    func extendTimer() throws {
        let breakout = Fixture.breakout(.open) { $0.timerSeconds = 600 }
        let result = try BreakoutRules.changeOptions(
            actor: .host, breakout: breakout, patch: Fixture.patch { $0.timerSeconds = .set(1_200) }, openedAt: openedAt)
        #expect(result.options.timerSeconds == 1_200)
        #expect(result.timer == .endsAt(openedAt.addingTimeInterval(1_200)))
    }

    @Test("Shortening timerSeconds while open moves timerEndsAt earlier")
    func shortenTimer() throws {
        let breakout = Fixture.breakout(.open) { $0.timerSeconds = 600 }
        let result = try BreakoutRules.changeOptions(
            actor: .cohost, breakout: breakout, patch: Fixture.patch { $0.timerSeconds = .set(300) }, openedAt: openedAt)
        #expect(result.timer == .endsAt(openedAt.addingTimeInterval(300)))
    }

    @Test("Setting a timer while open starts one, counted from openedAt")
    func addTimerWhileOpen() throws {
        let breakout = Fixture.breakout(.open)
        let result = try BreakoutRules.changeOptions(
            actor: .host, breakout: breakout, patch: Fixture.patch { $0.timerSeconds = .set(900) }, openedAt: openedAt)
        #expect(result.timer == .endsAt(openedAt.addingTimeInterval(900)))
    }

    @Test("Removing timerSeconds while open removes the timer")
    func removeTimer() throws {
        let breakout = Fixture.breakout(.open) { $0.timerSeconds = 600 }
        let result = try BreakoutRules.changeOptions(
            actor: .host, breakout: breakout, patch: Fixture.patch { $0.timerSeconds = .set(nil) }, openedAt: openedAt)
        #expect(result.options.timerSeconds == nil)
        #expect(result.timer == .removed)
    }

    @Test("Same timerSeconds, or other options only, leave the timer unchanged")
    func timerUnchanged() throws {
        let breakout = Fixture.breakout(.open) { $0.timerSeconds = 600 }
        let same = try BreakoutRules.changeOptions(
            actor: .host, breakout: breakout, patch: Fixture.patch { $0.timerSeconds = .set(600) }, openedAt: openedAt)
        #expect(same.timer == .unchanged)
        let other = try BreakoutRules.changeOptions(
            actor: .host, breakout: breakout, patch: Fixture.patch { $0.allowChooseRoom = true }, openedAt: openedAt)
        #expect(other.timer == .unchanged)
        #expect(other.options.allowChooseRoom == true)
    }

    @Test("Changing timerSeconds while not open does not touch a timer", arguments: [BreakoutStatus.ready, .closing])
    func timerNotOpen(status: BreakoutStatus) throws {
        let breakout = Fixture.breakout(status) { $0.timerSeconds = 600 }
        let result = try BreakoutRules.changeOptions(
            actor: .host, breakout: breakout, patch: Fixture.patch { $0.timerSeconds = .set(60) }, openedAt: openedAt)
        #expect(result.options.timerSeconds == 60)
        #expect(result.timer == .unchanged)
    }
}
