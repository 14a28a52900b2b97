/// The options of a meeting's breakout rooms, with their defaults (docs/rules.md, "The options").
public struct BreakoutOptions: Sendable, Equatable, Codable {
    /// On open, assigned participants are moved into their rooms (else they get a prompt). Default true.
    public var moveAutomatically: Bool = true
    /// Participants may enter any room once rooms are open. Default false; forced on in `self_select`.
    public var allowChooseRoom: Bool = false
    /// Participants may go back to the main room at any time. Default true.
    public var allowReturnToMain: Bool = true
    /// The rooms' duration in seconds, counted from opening; nil for no timer. 1–86400.
    public var timerSeconds: Int? = nil
    /// When the timer ends, the rooms close. Default true.
    public var closeWhenTimeUp: Bool = true
    /// When the timer ends, hosts and co-hosts get `time_up`. Default false.
    public var notifyHostWhenTimeUp: Bool = false
    /// Countdown in seconds after "close all rooms"; 0 closes at once. 0–300, default 60.
    public var closeCountdownSeconds: Int = 60
    /// A participant joining while rooms exist is given a room. Default true in the modes that
    /// assign people (`automatic`, `rotate`, `keep`, `preassigned`; there: the pre-assigned room,
    /// else the least populated), false otherwise.
    public var assignLateJoiners: Bool = false

    public init() {}

    /// The defaults for a breakout created in `mode`.
    public static func defaults(for mode: BreakoutMode) -> Self {
        var options = Self()
        options.assignLateJoiners = mode.assignsParticipants || mode == .preassigned
        options.allowChooseRoom = (mode == .selfSelect)
        return options
    }
}

/// A partial change of options: nil leaves a value as it is. `timerSeconds` distinguishes
/// "leave it" (`.keep`) from "remove the timer" (`.set(nil)`).
public struct BreakoutOptionsPatch: Sendable, Equatable {
    public enum Timer: Sendable, Equatable {
        case keep
        case set(Int?)
    }

    public var moveAutomatically: Bool?
    public var allowChooseRoom: Bool?
    public var allowReturnToMain: Bool?
    public var timerSeconds: Timer = .keep
    public var closeWhenTimeUp: Bool?
    public var notifyHostWhenTimeUp: Bool?
    public var closeCountdownSeconds: Int?
    public var assignLateJoiners: Bool?

    public init() {}

    /// Validates every field and returns the options with the patch applied.
    /// Throws one `DomainError` listing every out-of-range field.
    public func applied(to options: BreakoutOptions, mode: BreakoutMode) throws(DomainError) -> BreakoutOptions {
        var violations: [DomainError.Violation] = []
        if case .set(let seconds?) = timerSeconds, !Limits.timerSeconds.contains(seconds) {
            violations.append(.init(field: "options.timerSeconds", message: "must be null or 1–86400"))
        }
        if let countdown = closeCountdownSeconds, !Limits.closeCountdownSeconds.contains(countdown) {
            violations.append(.init(field: "options.closeCountdownSeconds", message: "must be 0–300"))
        }
        if mode == .selfSelect, allowChooseRoom == false {
            violations.append(.init(field: "options.allowChooseRoom", message: "is always true in self_select mode"))
        }
        if !violations.isEmpty {
            throw DomainError.invalid(violations)
        }
        var result = options
        if let v = moveAutomatically { result.moveAutomatically = v }
        if let v = allowChooseRoom { result.allowChooseRoom = v }
        if let v = allowReturnToMain { result.allowReturnToMain = v }
        if case .set(let v) = timerSeconds { result.timerSeconds = v }
        if let v = closeWhenTimeUp { result.closeWhenTimeUp = v }
        if let v = notifyHostWhenTimeUp { result.notifyHostWhenTimeUp = v }
        if let v = closeCountdownSeconds { result.closeCountdownSeconds = v }
        if let v = assignLateJoiners { result.assignLateJoiners = v }
        return result
    }
}
