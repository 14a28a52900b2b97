import BreakoutDomain
public import Foundation
import PostgresNIO

/// The room timer and the close countdown (spec rules 6 and 7), fired exactly once whichever
/// nodes run: a timer's transition and its `fired_at` are written in one transaction that holds
/// the meeting's lock, so a second node that reaches the same timer finds it already fired.
extension MeetingStore {
    /// The pending timers that are due, oldest first (at most `limit`).
    public func dueTimers(limit: Int = 100) async throws -> [Int64] {
        var ids: [Int64] = []
        for try await id in try await client.query(
            "SELECT id FROM timers WHERE fired_at IS NULL AND due_at <= now() ORDER BY due_at LIMIT \(limit)", logger: logger
        ).decode(Int64.self) { ids.append(id) }
        return ids
    }

    /// When the next pending timer is due, if any.
    public func nextTimerDue() async throws -> Date? {
        var next: Date?
        for try await due in try await client.query(
            "SELECT min(due_at) FROM timers WHERE fired_at IS NULL", logger: logger).decode(Date?.self) { next = due }
        return next
    }

    /// Fires one timer if it is still pending. Returns true when this call fired it.
    ///
    /// Lock order is the commands' order (meeting row, then timer row), so a timer never deadlocks
    /// with a command that moves or deletes it.
    @discardableResult
    public func fireTimer(_ id: Int64, firedBy node: String) async throws -> Bool {
        try await transaction { connection in
            var found: (meetingId: UUID, kind: String)?
            for try await row in try await connection.query(
                "SELECT meeting_id, kind FROM timers WHERE id = \(id) AND fired_at IS NULL", logger: logger
            ).decode((UUID, String).self) { found = (row.0, row.1) }
            guard let found else { return false }
            do {
                return try await command(found.meetingId, actor: nil, on: connection) { command in
                    // Under the meeting's lock: is the timer still pending and due?
                    var pending = false
                    for try await _ in try await command.query(
                        """
                        SELECT 1 FROM timers WHERE id = \(id) AND fired_at IS NULL AND due_at <= now() FOR UPDATE
                        """).decode(Int.self) { pending = true }
                    guard pending else { return false }
                    try await command.query("UPDATE timers SET fired_at = clock_timestamp(), fired_by = \(node) WHERE id = \(id)")
                    switch found.kind {
                    case "room_timer": try await command.roomTimerEnded()
                    default: try await command.countdownEnded()
                    }
                    return true
                }
            } catch let error as DomainError where error == .meetingEnded {
                try await connection.query("UPDATE timers SET fired_at = clock_timestamp(), fired_by = \(node) WHERE id = \(id)",
                                           logger: logger)
                return false
            }
        }
    }
}

extension Command {
    /// Rule 6: `time_up` to managers if asked for, then close if asked for.
    mutating func roomTimerEnded() async throws {
        guard let plan = BreakoutRules.timeUp(breakout: breakout, now: now) else { return }
        try await query("UPDATE breakouts SET timer_ends_at = NULL WHERE meeting_id = \(meetingId)")
        if plan.notifyManagers {
            emit(DomainEvent(.timeUp, to: .managers, ["at": Representation.date(now)]))
        }
        if let close = plan.close { _ = try await apply(close) }
    }

    /// Rule 7: the countdown ended; everyone goes back to main.
    mutating func countdownEnded() async throws {
        guard breakout.status == .closing else { return }
        _ = try await finishClosing()
    }
}
