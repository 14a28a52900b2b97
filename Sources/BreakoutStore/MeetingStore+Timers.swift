import BreakoutDomain
public import Foundation
import PostgresNIO

/// The kinds of timer rows (`timers.kind`).
enum TimerKind: String, Sendable {
    /// The room timer: `time_up` and, if asked for, the close (docs/rules.md, rule 6).
    case roomTimer = "room_timer"
    /// The end of the close countdown: everyone back to the main room (rule 7).
    case closeCountdown = "close_countdown"
}

/// The room timer and the close countdown (docs/rules.md, rules 6 and 7), fired exactly once
/// whichever nodes run, with no leader.
///
/// A node claims due rows with `FOR UPDATE SKIP LOCKED` (so nodes share the work instead of
/// queueing behind each other), locks the meeting, applies the transition and marks the row fired,
/// all in one transaction: if the node dies, the transaction rolls back and another node claims
/// the row. Commands never lock timer rows (they only insert them), so claiming the timer before
/// the meeting cannot deadlock with them. A row that no longer matches the breakout (the timer was
/// moved, the rooms closed, the meeting ended) is marked `stale` and does nothing.
///
/// Both calls are bounded like commands: a timer round left waiting on a connection PostgreSQL
/// closed would stop this node's timers for good.
extension MeetingStore {
    /// When the next pending timer is due, if any.
    public func nextTimerDue() async throws -> Date? {
        let logger = logger
        return try await withBoundedConnection { connection in
            var next: Date?
            for try await due in try await connection.query(
                "SELECT min(due_at) FROM timers WHERE fired_at IS NULL", logger: logger).decode(Date?.self) { next = due }
            return next
        }
    }

    /// What happened to a claimed timer.
    public enum TimerOutcome: String, Sendable, Codable {
        case fired
        case stale
    }

    /// Claims up to `limit` due timers and fires them in one transaction. Returns what happened to
    /// each (empty when no unclaimed timer is due). Meetings are locked in id order, so two nodes
    /// firing timers of the same meetings cannot deadlock.
    public func fireDueTimers(node: String, limit: Int = 8) async throws -> [TimerOutcome] {
        do {
            let logger = logger
            let fired: (outcomes: [TimerOutcome], appended: [(UUID, Int64)]) = try await boundedTransaction { connection in
                var claimed: [(id: Int64, meetingId: UUID, kind: String, dueMicros: Int64)] = []
                for try await row in try await connection.query(
                    """
                    SELECT id, meeting_id, kind, (extract(epoch FROM due_at) * 1000000)::bigint AS due_micros FROM timers
                    WHERE fired_at IS NULL AND due_at <= now()
                    ORDER BY due_at LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED
                    """, logger: logger
                ).decode((Int64, UUID, String, Int64).self) { claimed.append(row) }
                claimed.sort { ($0.meetingId.uuidString, $0.id) < ($1.meetingId.uuidString, $1.id) }
                var outcomes: [TimerOutcome] = []
                var appended: [(UUID, Int64)] = []
                for timer in claimed {
                    // An unknown kind (from a newer version of the service) is left to that version.
                    let (outcome, seq) = try await fire(
                        TimerKind(rawValue: timer.kind), due: Date(microsecondsSince1970: timer.dueMicros), of: timer.meetingId,
                        on: connection)
                    outcomes.append(outcome)
                    if let seq { appended.append((timer.meetingId, seq)) }
                }
                guard !claimed.isEmpty else { return ([], []) }
                try await connection.query(
                    """
                    UPDATE timers t SET fired_at = clock_timestamp(), fired_by = \(node), outcome = f.outcome
                    FROM unnest(\(claimed.map(\.id))::bigint[], \(outcomes.map(\.rawValue))::text[]) AS f (id, outcome)
                    WHERE t.id = f.id
                    """, logger: logger)
                return (outcomes, appended)
            }
            for (meetingId, seq) in fired.appended { notifications.notify(meetingId, seq: seq) }
            return fired.outcomes
        } catch {
            throw Self.translate(error)
        }
    }

    /// One timer's transition, as a command of the server's own (no caller) on an open transaction.
    private func fire(
        _ kind: TimerKind?, due: Date, of meetingId: UUID, on connection: PostgresConnection
    ) async throws -> (TimerOutcome, appendedUpTo: Int64?) {
        let pending = PendingCommand(tokenHash: nil, memberIds: [], claim: nil, decide: .exclusive { transaction, _ in
            switch kind {
            case .roomTimer:
                guard transaction.breakout.status == .open, transaction.timerEndsAt.isSameInstant(as: due) else {
                    return TimerOutcome.stale
                }
                try await transaction.roomTimerEnded()
            case .closeCountdown:
                guard transaction.breakout.status == .closing, transaction.closingEndsAt.isSameInstant(as: due) else {
                    return TimerOutcome.stale
                }
                _ = try await transaction.finishClosing()
            case nil:
                return TimerOutcome.stale
            }
            return TimerOutcome.fired
        })
        do {
            let applied = try await apply([pending], on: meetingId, connection: connection)
            let outcome = try applied.answers.first?.get() as? TimerOutcome
            return (outcome ?? .stale, applied.appendedUpTo)
        } catch let error as DomainError where error.code == .meetingEnded || error.code == .meetingNotFound {
            return (.stale, nil)
        }
    }
}

extension MeetingStore.TimerOutcome: IdempotentResult {}

extension Optional where Wrapped == Date {
    /// Equal to the microsecond, as PostgreSQL stores times (the two sides come from different decoders).
    func isSameInstant(as other: Date) -> Bool {
        guard let self else { return false }
        return abs(self.timeIntervalSince(other)) < 0.000_5
    }
}

extension ExclusiveTransaction {
    /// The room timer ends (docs/rules.md, rule 6): `time_up` to managers if asked for, then close if asked for.
    mutating func roomTimerEnded() async throws {
        guard let plan = BreakoutRules.timeUp(breakout: breakout, now: self.now) else { return }
        try await query("UPDATE breakouts SET timer_ends_at = NULL WHERE meeting_id = \(self.meetingId)")
        if plan.notifyManagers { emit(.timeUp(at: self.now)) }
        if let close = plan.close { _ = try await apply(close) }
    }
}
