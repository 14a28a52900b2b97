import BreakoutDomain
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// Fail fast during a database outage: a request waits at most `connectTimeout` (default 2 s) for a
/// pooled connection, then gets 503 `database_unavailable` (with `Retry-After`) instead of hanging.
///
/// Whichever comes first wins, under a lock: the lease (the work then runs) or the deadline (the
/// lease, if it comes later, does nothing and is returned). So a request refused that way has
/// applied nothing.
///
/// The work itself is bounded too (`workTimeout`, default 10 s). A connection that PostgreSQL closed
/// while a query was on its way has been seen to leave that query waiting for ever (a restart of
/// PostgreSQL under load; and a failover: the requests in flight when the primary was killed waited
/// the whole 10 s, though the node had no connection left after 1 s). So while the work runs, the
/// leased connection is looked at every 100 ms: once it is closed, or past the bound, the request is
/// answered 503 (connection lost: it may or may not have been applied, the retry with the same
/// Idempotency-Key tells) and the work is abandoned, cancelled, so the lane moves on.
struct BoundedClient: Sendable {
    /// How often a running work's connection is checked for having closed under it.
    static let closedCheckInterval = Duration.milliseconds(100)

    /// Private, so that nothing bypasses the bounds.
    private let client: PostgresClient
    let connectTimeout: Duration
    let workTimeout: Duration
    let logger: Logger

    init(client: PostgresClient, connectTimeout: Duration, workTimeout: Duration, logger: Logger) {
        self.client = client
        self.connectTimeout = connectTimeout
        self.workTimeout = workTimeout
        self.logger = logger
    }

    func withConnection<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let race = LeaseRace()
        let leased = LeasedConnection()
        let answer = FirstAnswer<Result>()
        let deadline = Deadline()
        let client = client
        let work = Task {
            let result: Swift.Result<Result, any Error>
            do {
                result = .success(try await client.withConnection { connection in
                    guard race.lease() else { throw StoreError.databaseUnavailable }
                    leased.set(connection)
                    return try await body(connection)
                })
            } catch let error as PSQLError where MeetingStore.lostConnection.contains(error.code) {
                // The connection went away under the work, and the work noticed before the check
                // below did: the same answer. (A read's raw error was a 500 when a balancer closed
                // the pool's connections at the start of a failover.)
                result = .failure(StoreError.databaseConnectionLost)
            } catch {
                result = .failure(error)
            }
            // Answer before stopping the deadline, so that a connection closing just after the
            // work ended does not turn its result into "connection lost".
            answer.resume(with: result)
            deadline.cancel()
        }
        // The bounds are timers on an event loop, not tasks that sleep: each command has one
        // bounded call, and two extra tasks with a sleep each cost a command about a tenth of its
        // node CPU (docs/BENCHMARKS.md, run M).
        let (connectTimeout, workTimeout, logger) = (connectTimeout, workTimeout, logger)
        let loop = NIOSingletons.posixEventLoopGroup.any()
        deadline.schedule(on: loop, in: connectTimeout) {
            if race.expire() {
                // Answer first: the cancelled lease ends the work with the pool's own error, which
                // must not be the answer.
                answer.resume(with: .failure(StoreError.databaseUnavailable))
                work.cancel()
                return
            }
            // Leased: the work runs until it ends (which cancels the deadline), its connection
            // closes, or the bound passes.
            let bound = NIODeadline.now() + TimeAmount(workTimeout)
            @Sendable func check() {
                guard NIODeadline.now() >= bound || leased.isClosed else {
                    deadline.schedule(on: loop, in: Self.closedCheckInterval, check)
                    return
                }
                if answer.resume(with: .failure(StoreError.databaseConnectionLost)) {
                    if leased.isClosed {
                        logger.warning("database connection closed under the work; abandoned")
                    } else {
                        logger.error("database work did not finish in time; abandoned", metadata: ["bound_s": "\(workTimeout)"])
                    }
                }
                work.cancel()
            }
            check()
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in answer.set(continuation) }
        } onCancel: {
            work.cancel()
        }
    }
}

/// The timer of one bounded call: scheduled on an event loop, rescheduled while the work runs,
/// cancelled when it ends.
final class Deadline: Sendable {
    private struct State {
        var scheduled: Scheduled<Void>?
        var cancelled = false
    }
    private let state = Mutex(State())

    func schedule(on loop: any EventLoop, in delay: Duration, _ fire: @escaping @Sendable () -> Void) {
        let scheduled = loop.scheduleTask(in: TimeAmount(delay)) { fire() }
        let keep = state.withLock { state -> Bool in
            guard !state.cancelled else { return false }
            state.scheduled = scheduled
            return true
        }
        if !keep { scheduled.cancel() }
    }

    func cancel() {
        state.withLock { state in
            state.cancelled = true
            return state.scheduled
        }?.cancel()
    }
}

extension MeetingStore {
    /// Work on a connection leased within `connectTimeout`, done within `workTimeout`.
    func withBoundedConnection<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await database.withConnection(body)
    }

    /// One statement whose rows do not matter, within the bounds.
    func run(_ query: PostgresQuery) async throws {
        let logger = logger
        _ = try await withBoundedConnection { connection in
            try await connection.query(query, logger: logger)
            return true
        }
    }

    /// BEGIN … COMMIT on a connection leased within the bound; any error rolls back.
    func boundedTransaction<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let logger = logger
        return try await withBoundedConnection { connection in
            try await connection.withPreparedTransaction(logger: logger) { try await body($0) }
        }
    }
}

/// The connection a request leased, once it has one.
final class LeasedConnection: Sendable {
    private let connection = Mutex<PostgresConnection?>(nil)

    func set(_ leased: PostgresConnection) {
        connection.withLock { $0 = leased }
    }

    /// True once the leased connection has closed (PostgreSQL, a balancer or the network ended it).
    var isClosed: Bool {
        connection.withLock { $0?.isClosed ?? false }
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

/// The first of several possible answers resumes the continuation; the others are dropped.
final class FirstAnswer<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Value, any Error>?
        var early: Result<Value, any Error>?
        var answered = false
    }
    private let state = Mutex(State())

    func set(_ continuation: CheckedContinuation<Value, any Error>) {
        let early = state.withLock { state -> Result<Value, any Error>? in
            if let early = state.early { return early }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    /// True when this was the first answer.
    @discardableResult
    func resume(with result: Result<Value, any Error>) -> Bool {
        let continuation = state.withLock { state -> CheckedContinuation<Value, any Error>?? in
            guard !state.answered else { return .none }
            state.answered = true
            guard let continuation = state.continuation else {
                state.early = result
                return .some(nil)
            }
            state.continuation = nil
            return .some(continuation)
        }
        switch continuation {
        case .none: return false
        case .some(let waiting):
            waiting?.resume(with: result)
            return true
        }
    }
}
