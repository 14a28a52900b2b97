import BreakoutDomain
import Logging
import PostgresNIO
import Synchronization

/// Fail fast during a database outage: a request waits at most `connectTimeout` (default 2 s) for a
/// pooled connection, then gets 503 `database_unavailable` (with `Retry-After`) instead of hanging.
///
/// Whichever comes first wins, under a lock: the lease (the work then runs to its end, however
/// long) or the deadline (the lease, if it comes later, does nothing and is returned). So a request
/// that timed out has applied nothing.
extension MeetingStore {
    func withBoundedConnection<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let race = LeaseRace()
        let client = client
        let timeout = connectTimeout
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                try await client.withConnection { connection in
                    guard race.lease() else { throw DomainError.databaseUnavailable }
                    return try await body(connection)
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                if race.expire() { throw DomainError.databaseUnavailable }
                return nil
            }
            while let result = try await group.next() {
                if let result {
                    group.cancelAll()
                    return result
                }
            }
            throw DomainError.databaseUnavailable
        }
    }

    /// BEGIN … COMMIT on a connection leased within the bound; any error rolls back.
    func boundedTransaction<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let logger = logger
        return try await withBoundedConnection { connection in
            try await connection.withTransaction(logger: logger) { try await body($0) }
        }
    }
}

/// The lease and the deadline of one request; the first to arrive decides.
final class LeaseRace: Sendable {
    private enum State { case waiting, leased, expired }
    private let state = Mutex(State.waiting)

    /// True when the lease came first: the work may run.
    func lease() -> Bool {
        state.withLock { state in
            guard state == .waiting else { return false }
            state = .leased
            return true
        }
    }

    /// True when the deadline came first: the request is refused.
    func expire() -> Bool {
        state.withLock { state in
            guard state == .waiting else { return false }
            state = .expired
            return true
        }
    }
}
