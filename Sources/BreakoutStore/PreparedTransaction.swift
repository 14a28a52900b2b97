import Logging
import PostgresNIO

/// `BEGIN` … `COMMIT` as statements prepared once per connection.
///
/// PostgresNIO's `withTransaction` sends `BEGIN` and `COMMIT` as unnamed statements, so each is
/// parsed and described anew, with two more messages each way. A command is four statements, two
/// of them these; pgbench's four-statement transaction sent that way through PostgresNIO cost
/// PostgreSQL 0.34–0.37 ms of CPU against 0.25–0.26 ms with pgbench's own client
/// (docs/BENCHMARKS.md, run N).
extension PostgresConnection {
    /// Runs `body` in a transaction; any error rolls it back. Errors come as `TransactionError`,
    /// which says at which step the transaction failed.
    func withPreparedTransaction<Result: Sendable>(
        logger: Logger, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        do {
            try await runPrepared(TransactionStatement.Begin(), logger: logger)
        } catch {
            throw TransactionError(beginError: error)
        }
        let value: Result
        do {
            value = try await body(self)
        } catch {
            var failure = TransactionError(closureError: error)
            do {
                try await runPrepared(TransactionStatement.Rollback(), logger: logger)
            } catch {
                failure.rollbackError = error
            }
            throw failure
        }
        do {
            try await runPrepared(TransactionStatement.Commit(), logger: logger)
        } catch {
            throw TransactionError(commitError: error)
        }
        return value
    }

    /// A prepared statement whose rows, if any, do not matter.
    func runPrepared<Statement: PostgresPreparedStatement>(_ statement: Statement, logger: Logger) async throws {
        for try await _ in try await execute(statement, logger: logger) {}
    }
}

/// How a transaction failed: when `BEGIN` failed, when the work failed (and whether the rollback
/// did too), or when `COMMIT` failed (it may have committed all the same).
struct TransactionError: Error {
    var beginError: (any Error)?
    var closureError: (any Error)?
    var rollbackError: (any Error)?
    var commitError: (any Error)?

    /// The error that ended the transaction.
    var cause: (any Error)? { closureError ?? commitError ?? beginError }
}

/// A prepared statement that takes no parameters and whose rows, if any, do not matter.
protocol ControlStatement: PostgresPreparedStatement where Row == Void {}

extension ControlStatement {
    func makeBindings() throws -> PostgresBindings { PostgresBindings() }
    func decodeRow(_ row: PostgresRow) throws {}
}

/// The transaction statements, each prepared once per connection.
enum TransactionStatement {
    struct Begin: ControlStatement { static let sql = "BEGIN" }
    /// The snapshot's transaction: one consistent view, no writes.
    struct BeginSnapshot: ControlStatement { static let sql = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" }
    struct Commit: ControlStatement { static let sql = "COMMIT" }
    struct Rollback: ControlStatement { static let sql = "ROLLBACK" }
}
