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

    /// Claims up to `limit` due timers and fires them in one transaction. Returns what happened to
    /// each (empty when no unclaimed timer is due). Meetings are locked in id order, so two nodes
    /// firing timers of the same meetings cannot deadlock.
    public func fireDueTimers(node: String, limit: Int = 8) async throws -> [TimerOutcome] {
        do {
            let fired: (outcomes: [TimerOutcome], appended: [(UUID, Int64)]) = try await client.withTransaction(logger: logger) { connection in
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
                    let (outcome, seq) = try await fire(
                        timer.kind, due: Date(microsecondsSince1970: timer.dueMicros), of: timer.meetingId, on: connection)
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
        _ kind: String, due: Date, of meetingId: UUID, on connection: PostgresConnection
    ) async throws -> (TimerOutcome, appendedUpTo: Int64?) {
        let pending = PendingCommand(tokenHash: nil, memberIds: [], claim: nil, batchable: false) { command, _ in
            switch kind {
            case "room_timer":
                guard command.breakout.status == .open, command.timerEndsAt.isSameInstant(as: due) else {
                    return JSONValue.string(TimerOutcome.stale.rawValue)
                }
                try await command.roomTimerEnded()
            default:
                guard command.breakout.status == .closing, command.closingEndsAt.isSameInstant(as: due) else {
                    return JSONValue.string(TimerOutcome.stale.rawValue)
                }
                _ = try await command.finishClosing()
            }
            return JSONValue.string(TimerOutcome.fired.rawValue)
        }
        do {
            let applied = try await apply([pending], on: meetingId, connection: connection)
            let answer = try applied.answers.first?.get()
            return ((answer?.storedForm.stringValue).flatMap(TimerOutcome.init(rawValue:)) ?? .stale, applied.appendedUpTo)
        } catch let error as DomainError where error == .meetingEnded || error.code == "meeting_not_found" {
            return (.stale, nil)
        }
    }
}

extension Optional where Wrapped == Date {
    /// Equal to the microsecond, as PostgreSQL stores times (the two sides come from different decoders).
    func isSameInstant(as other: Date) -> Bool {
        guard let self else { return false }
        return abs(self.timeIntervalSince(other)) < 0.000_5
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
