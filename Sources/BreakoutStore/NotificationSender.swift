import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Wakes the nodes' listeners after commands commit: NOTIFY `meetingId:seq`, sent right after the
/// commit instead of inside the command's transaction, and coalesced — one small statement for
/// whatever meetings committed meanwhile on this node.
///
/// Why not inside the transaction: PostgreSQL serialises the commits of every transaction that
/// ran NOTIFY with one database-wide lock, held through the commit's WAL flush. With many busy
/// meetings that lock was where commands waited (86 % of the samples in the many-meetings
/// benchmark). A transaction that only notifies writes no WAL, so it holds that lock for
/// microseconds, and one of them carries the notifications of many commands.
///
/// A notification lost here (the node dies between the commit and the send, or the database is
/// unreachable) costs latency, not events: every node polls `last_seq` about once a second. The send
/// is bounded like a command: one hung on a closed connection would hold every later one back.
final class NotificationSender: Sendable {
    private struct State {
        var pending: [UUID: Int64] = [:]
        var sending = false
    }

    private let state = Mutex(State())
    private let database: BoundedClient
    private let logger: Logger

    init(database: BoundedClient, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// `meetingId` has events up to `seq`, committed.
    func notify(_ meetingId: UUID, seq: Int64) {
        let start = state.withLock { state -> Bool in
            state.pending[meetingId] = max(state.pending[meetingId] ?? 0, seq)
            guard !state.sending else { return false }
            state.sending = true
            return true
        }
        // One sending task at a time; it drains what accumulates while it sends.
        if start { Task { await self.drain() } }
    }

    private func drain() async {
        while true {
            let batch = state.withLock { state -> [UUID: Int64] in
                let batch = state.pending
                state.pending = [:]
                if batch.isEmpty { state.sending = false }
                return batch
            }
            if batch.isEmpty { return }
            let payloads = batch.map { "\($0.key.uuidString.lowercased()):\($0.value)" }
            do {
                let logger = logger
                _ = try await database.withConnection { connection in
                    try await connection.runPrepared(NotifyStatement(payloads: payloads), logger: logger)
                    return true
                }
            } catch {
                logger.warning("notify failed; the nodes' poll will catch up", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// The NOTIFY of `NotificationSender`, prepared once per connection (as `BEGIN` and `COMMIT` are:
/// `PreparedTransaction.swift`).
struct NotifyStatement: PostgresPreparedStatement {
    static let sql = "SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p"
    typealias Row = Void

    var payloads: [String]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(MeetingStore.notifyChannel)
        bindings.append(payloads)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws {}
}
