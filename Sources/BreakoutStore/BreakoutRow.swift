import BreakoutDomain
import PostgresNIO

/// The `breakouts` columns that make a `BreakoutState`, selected and decoded in one place.
enum BreakoutRow {
    /// Ten columns of `breakouts b`: status, mode and the eight options, in this order.
    static let columns = """
        b.status, b.mode, b.move_automatically, b.allow_choose_room, b.allow_return_to_main, b.timer_seconds,
        b.close_when_time_up, b.notify_host_when_time_up, b.close_countdown_seconds, b.assign_late_joiners
        """

    /// Decodes the columns starting at `index`; `.none` when the meeting has no breakout row.
    static func decode(_ cells: PostgresRandomAccessRow, at index: Int) throws -> BreakoutState {
        guard let status = try cells[index].decode(BreakoutStatus?.self) else { return .none }
        var options = BreakoutOptions()
        options.moveAutomatically = try cells[index + 2].decode(Bool.self)
        options.allowChooseRoom = try cells[index + 3].decode(Bool.self)
        options.allowReturnToMain = try cells[index + 4].decode(Bool.self)
        options.timerSeconds = try cells[index + 5].decode(Int?.self)
        options.closeWhenTimeUp = try cells[index + 6].decode(Bool.self)
        options.notifyHostWhenTimeUp = try cells[index + 7].decode(Bool.self)
        options.closeCountdownSeconds = try cells[index + 8].decode(Int.self)
        options.assignLateJoiners = try cells[index + 9].decode(Bool.self)
        return BreakoutState(
            status: status, mode: try cells[index + 1].decode(BreakoutMode.self),
            options: options)
    }
}
