import BreakoutDomain
import Foundation
import Testing

/// The breakout options (docs/rules.md, "The options") and their validation.
@Suite("Breakout options: defaults, patches, ranges")
struct OptionsTests {
    @Test("Defaults match docs/rules.md")
    func defaults() {
        let options = BreakoutOptions()
        #expect(options.moveAutomatically == true)
        #expect(options.allowChooseRoom == false)
        #expect(options.allowReturnToMain == true)
        #expect(options.timerSeconds == nil)
        #expect(options.closeWhenTimeUp == true)
        #expect(options.notifyHostWhenTimeUp == false)
        #expect(options.closeCountdownSeconds == 60)
    }

    @Test("automatic: assignLateJoiners true, allowChooseRoom false")
    func automaticDefaults() {
        let options = BreakoutOptions.defaults(for: .automatic)
        #expect(options.assignLateJoiners == true)
        #expect(options.allowChooseRoom == false)
    }

    @Test("manual: assignLateJoiners false, allowChooseRoom false")
    func manualDefaults() {
        let options = BreakoutOptions.defaults(for: .manual)
        #expect(options.assignLateJoiners == false)
        #expect(options.allowChooseRoom == false)
    }

    @Test("self_select: assignLateJoiners false, allowChooseRoom true")
    func selfSelectDefaults() {
        let options = BreakoutOptions.defaults(for: .selfSelect)
        #expect(options.assignLateJoiners == false)
        #expect(options.allowChooseRoom == true)
    }

    @Test("preassigned: late joiners are assigned by default (to their pre-assigned room, else the least populated)")
    func preassignedDefaults() {
        #expect(BreakoutOptions.defaults(for: .preassigned).allowChooseRoom == false)
        #expect(BreakoutOptions.defaults(for: .preassigned).assignLateJoiners == true)
    }

    // MARK: Patches

    @Test("An empty patch changes nothing")
    func emptyPatch() throws {
        var options = BreakoutOptions()
        options.timerSeconds = 900
        options.moveAutomatically = false
        #expect(try BreakoutOptionsPatch().applied(to: options, mode: .manual) == options)
    }

    @Test("Every field of a patch is applied")
    func everyFieldApplied() throws {
        let patch = Fixture.patch {
            $0.moveAutomatically = false
            $0.allowChooseRoom = true
            $0.allowReturnToMain = false
            $0.timerSeconds = .set(120)
            $0.closeWhenTimeUp = false
            $0.notifyHostWhenTimeUp = true
            $0.closeCountdownSeconds = 10
            $0.assignLateJoiners = true
        }
        let options = try patch.applied(to: BreakoutOptions(), mode: .manual)
        #expect(options.moveAutomatically == false)
        #expect(options.allowChooseRoom == true)
        #expect(options.allowReturnToMain == false)
        #expect(options.timerSeconds == 120)
        #expect(options.closeWhenTimeUp == false)
        #expect(options.notifyHostWhenTimeUp == true)
        #expect(options.closeCountdownSeconds == 10)
        #expect(options.assignLateJoiners == true)
    }

    @Test("timerSeconds: .keep keeps the timer, .set(nil) removes it, .set(n) replaces it")
    func timerPatch() throws {
        var options = BreakoutOptions()
        options.timerSeconds = 300
        #expect(try Fixture.patch { $0.timerSeconds = .keep }.applied(to: options, mode: .manual).timerSeconds == 300)
        #expect(try Fixture.patch { $0.timerSeconds = .set(nil) }.applied(to: options, mode: .manual).timerSeconds == nil)
        #expect(try Fixture.patch { $0.timerSeconds = .set(60) }.applied(to: options, mode: .manual).timerSeconds == 60)
    }

    // MARK: Ranges

    @Test("timerSeconds 1 and 86400 are accepted", arguments: [1, 86_400])
    func timerInRange(seconds: Int) throws {
        let options = try Fixture.patch { $0.timerSeconds = .set(seconds) }.applied(to: .init(), mode: .manual)
        #expect(options.timerSeconds == seconds)
    }

    @Test("timerSeconds outside 1–86400 is refused, naming options.timerSeconds", arguments: [0, 86_401, -1])
    func timerOutOfRange(seconds: Int) {
        let error = #expect(throws: DomainError.self) {
            try Fixture.patch { $0.timerSeconds = .set(seconds) }.applied(to: .init(), mode: .manual)
        }
        #expect(error?.code.rawValue == "validation_failed")
        #expect(error?.violations.map(\.field) == ["options.timerSeconds"])
        #expect(error?.detail.contains("options.timerSeconds") == true)
    }

    @Test("closeCountdownSeconds 0 and 300 are accepted", arguments: [0, 300])
    func countdownInRange(seconds: Int) throws {
        let options = try Fixture.patch { $0.closeCountdownSeconds = seconds }.applied(to: .init(), mode: .manual)
        #expect(options.closeCountdownSeconds == seconds)
    }

    @Test("closeCountdownSeconds outside 0–300 is refused, naming options.closeCountdownSeconds", arguments: [301, -1])
    func countdownOutOfRange(seconds: Int) {
        let error = #expect(throws: DomainError.self) {
            try Fixture.patch { $0.closeCountdownSeconds = seconds }.applied(to: .init(), mode: .manual)
        }
        #expect(error?.code.rawValue == "validation_failed")
        #expect(error?.violations.map(\.field) == ["options.closeCountdownSeconds"])
    }

    @Test("Several bad fields are all listed in one error")
    func allViolationsListed() {
        let patch = Fixture.patch {
            $0.timerSeconds = .set(86_401)
            $0.closeCountdownSeconds = 301
            $0.allowChooseRoom = false
        }
        let error = #expect(throws: DomainError.self) { try patch.applied(to: .defaults(for: .selfSelect), mode: .selfSelect) }
        #expect(error?.code.rawValue == "validation_failed")
        #expect(error?.violations.map(\.field)
            == ["options.timerSeconds", "options.closeCountdownSeconds", "options.allowChooseRoom"])
    }

    @Test("allowChooseRoom may be turned off outside self_select but not in self_select")
    func allowChooseRoomPerMode() throws {
        let off = Fixture.patch { $0.allowChooseRoom = false }
        var options = BreakoutOptions()
        options.allowChooseRoom = true
        #expect(try off.applied(to: options, mode: .manual).allowChooseRoom == false)
        #expect(try off.applied(to: options, mode: .automatic).allowChooseRoom == false)
        #expect(throws: DomainError.self) { try off.applied(to: options, mode: .selfSelect) }
    }
}
