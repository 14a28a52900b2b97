import BreakoutDomain
public import Foundation
import PostgresNIO

/// The room timer and the close countdown (spec rules 6 and 7), fired exactly once whichever
/// nodes run, with no leader.
///
/// A node claims one due row with `FOR UPDATE SKIP LOCKED` (so nodes share the work instead of
/// queueing behind each other), locks the meeting, applies the transition and marks the row fired,
/// all in one transaction: if the node dies, the transaction rolls back and another node claims
/// the row. Commands never lock timer rows (they only insert them), so claiming the timer before
/// the meeting cannot deadlock with them. A row that no longer matches the breakout (the timer was
/// moved, the rooms closed, the meeting ended) is marked `stale` and does nothing.
extension MeetingStore {
    /// When the next pending timer is due, if any.
    public func nextTimerDue() async throws -> Date? {
        var next: Date?
        for try await due in try await client.query(
            "SELECT min(due_at) FROM timers WHERE fired_at IS NULL", logger: logger).decode(Date?.self) { next = due }
        return next
    }

    /// What happened to a claimed timer.
    public enum TimerOutcome: String, Sendable {
        case fired
        case stale
    }

    /// Claims and fires one due timer. Returns nil when no unclaimed timer is due.
    public func fireNextDueTimer(node: String) async throws -> TimerOutcome? {
        try await transaction { connection in
            var claimed: (id: Int64, meetingId: UUID, kind: String, dueAt: Date)?
            for try await row in try await connection.query(
                """
                SELECT id, meeting_id, kind, due_at FROM timers
                WHERE fired_at IS NULL AND due_at <= now()
                ORDER BY due_at LIMIT 1
                FOR UPDATE SKIP LOCKED
                """, logger: logger
            ).decode((Int64, UUID, String, Date).self) { claimed = row }
            guard let timer = claimed else { return nil }
            var outcome = TimerOutcome.stale
            do {
                outcome = try await command(timer.meetingId, actor: nil, on: connection) { command in
                    switch timer.kind {
                    case "room_timer":
                        guard command.breakout.status == .open, command.timerEndsAt == timer.dueAt else { return .stale }
                        try await command.roomTimerEnded()
                    default:
                        guard command.breakout.status == .closing, command.closingEndsAt == timer.dueAt else { return .stale }
                        _ = try await command.finishClosing()
                    }
                    return .fired
                }
            } catch let error as DomainError where error == .meetingEnded {
                outcome = .stale
            }
            try await connection.query(
                """
                UPDATE timers SET fired_at = clock_timestamp(), fired_by = \(node), outcome = \(outcome.rawValue)
                WHERE id = \(timer.id)
                """, logger: logger)
            return outcome
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
}
