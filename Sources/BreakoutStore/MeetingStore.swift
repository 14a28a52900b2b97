public import BreakoutDomain
public import Foundation
public import Logging
public import PostgresNIO

/// The meetings, their breakout rooms and their events, in PostgreSQL.
///
/// Every command is one transaction: lock the meeting row, load the facts the rule needs,
/// ask `BreakoutDomain`, write the changes, append the events with the next `seq`s and NOTIFY.
/// Nothing is visible unless the whole command commits.
public struct MeetingStore: Sendable {
    /// The pool, reachable only through its bounds (`withBoundedConnection`, `boundedTransaction`),
    /// so that no call can hang on a connection PostgreSQL closed.
    let database: BoundedClient
    public let limits: Limits
    public let logger: Logger
    /// Group commit: this node's lanes of commands waiting for their meeting.
    let batcher: CommandBatcher
    /// Group commit across meetings: batches of several meetings in one transaction.
    let commitGroup: CommitGroup<MeetingBatch, [CommandBatcher.Answer]>
    /// NOTIFY after commit, coalesced per node.
    let notifications: NotificationSender
    /// The longest a request waits for a pooled connection before it is refused with 503
    /// `database_unavailable`. Default 2 s.
    public let connectTimeout: Duration
    /// The longest the work on a leased connection may take before the request is answered 503
    /// `database_unavailable` (connection lost) and the work abandoned. Default 10 s; commands
    /// take milliseconds, so only a connection that died without telling hits it.
    public let workTimeout: Duration
    /// The channel that carries `meetingId:seq` after each committed command.
    public static let notifyChannel = "breakout_events"

    public init(
        client: PostgresClient, limits: Limits = .init(), logger: Logger, maxBatch: Int = 128,
        maxMeetingsPerTransaction: Int = 32, maxGroupTransactions: Int = 4,
        connectTimeout: Duration = .seconds(2), workTimeout: Duration = .seconds(10)
    ) {
        self.workTimeout = workTimeout
        self.database = BoundedClient(client: client, connectTimeout: connectTimeout, workTimeout: workTimeout, logger: logger)
        self.limits = limits
        self.logger = logger
        self.batcher = CommandBatcher(maxBatch: maxBatch)
        self.commitGroup = CommitGroup(
            maxWork: maxMeetingsPerTransaction, maxGroups: maxGroupTransactions,
            refusal: .init(
                isRefusal: { !$0.isEmpty && $0.allSatisfy(CommandBatcher.isRefusal) },
                refuse: { batch in batch.commands.map { _ in .failure(StoreError.databaseUnavailable) } }))
        self.notifications = NotificationSender(database: database, logger: logger)
        self.connectTimeout = connectTimeout
    }
}

/// Who asks, as the request says: the meeting of the path and the bearer token. The token is
/// checked by the command itself, in the statement that locks the meeting.
public struct Caller: Sendable {
    public var meetingId: UUID
    public var token: String
    /// The request's `Idempotency-Key`, if it carries one.
    public var claim: Idempotency.Claim?

    public init(meetingId: UUID, token: String, claim: Idempotency.Claim? = nil) {
        self.meetingId = meetingId
        self.token = token
        self.claim = claim
    }

    var tokenHash: Data { Tokens.hash(token) }
}

/// Who is calling, as established from a bearer token.
public struct Identity: Sendable, Equatable {
    public var participantId: UUID
    public var meetingId: UUID
    /// The role when the token was checked (commands re-read it under the meeting's lock).
    public var role: Role = .participant
}

extension MeetingStore {
    /// Resolves a bearer token. Unknown tokens are `invalid_token`; a token of an ended meeting is
    /// `meeting_ended`; a token used on another meeting is `meeting_not_found` (nothing leaks).
    public func identify(token: String, meetingId: UUID) async throws -> Identity {
        let logger = logger
        return try await withBoundedConnection { connection in
            let rows = try await connection.query(
                """
                SELECT p.id, p.meeting_id, m.status, p.role FROM participants p JOIN meetings m ON m.id = p.meeting_id
                WHERE p.token_hash = \(Tokens.hash(token))
                """, logger: logger)
            for try await (participantId, tokenMeeting, status, role) in rows.decode((UUID, UUID, String, Role).self) {
                guard tokenMeeting == meetingId else { throw DomainError.meetingNotFound }
                guard status == "active" else { throw DomainError.meetingEnded }
                return Identity(participantId: participantId, meetingId: meetingId, role: role)
            }
            throw DomainError.invalidToken
        }
    }
}

extension MeetingStore {
    /// A batchable command by a member: authenticated with the meeting's lock and decided from the
    /// loaded facts alone, so it can share a transaction with other commands.
    func command<Answer: IdempotentResult>(
        _ caller: Caller, about memberIds: [UUID] = [],
        _ decide: @escaping @Sendable (inout MeetingTransaction, Member) throws -> Answer
    ) async throws -> Answer {
        let pending = PendingCommand(tokenHash: caller.tokenHash, memberIds: memberIds, claim: caller.claim, decide: .batchable { meeting, member in
            guard let member else { throw DomainError.meetingNotFound }
            return try decide(&meeting, member)
        })
        return try Self.answer(try await submit(caller.meetingId, pending), as: Answer.self)
    }

    /// An exclusive command by a member: alone in its transaction, it may query the database.
    func exclusiveCommand<Answer: IdempotentResult>(
        _ caller: Caller, about memberIds: [UUID] = [],
        _ decide: @escaping @Sendable (inout ExclusiveTransaction, Member) async throws -> Answer
    ) async throws -> Answer {
        let pending = PendingCommand(tokenHash: caller.tokenHash, memberIds: memberIds, claim: caller.claim, decide: .exclusive { transaction, member in
            guard let member else { throw DomainError.meetingNotFound }
            return try await decide(&transaction, member)
        })
        return try Self.answer(try await submit(caller.meetingId, pending), as: Answer.self)
    }

    /// A command without a member behind it (a join), run alone in its transaction.
    func anonymousCommand<Answer: IdempotentResult>(
        _ meetingId: UUID, claim: Idempotency.Claim?,
        _ decide: @escaping @Sendable (inout ExclusiveTransaction) async throws -> Answer
    ) async throws -> Answer {
        let pending = PendingCommand(tokenHash: nil, memberIds: [], claim: claim, decide: .exclusive { transaction, _ in
            try await decide(&transaction)
        })
        return try Self.answer(try await submit(meetingId, pending), as: Answer.self)
    }

    private func submit(_ meetingId: UUID, _ pending: PendingCommand) async throws -> any IdempotentResult {
        try await batcher.submit(meetingId, pending) { meetingId, batch in
            await execute(batch, on: meetingId)
        }
    }

    /// A fresh answer as it is; a replayed one (stored JSON) as the command's answer type.
    static func answer<Answer: IdempotentResult>(_ result: any IdempotentResult, as type: Answer.Type) throws -> Answer {
        if let answer = result as? Answer { return answer }
        return try Answer(storedForm: try result.storedForm())
    }

    /// Applies a meeting's batch: batchable commands in a transaction shared with other meetings'
    /// batches waiting on this node (`CommitGroup`), an exclusive command in its own.
    func execute(_ batch: [PendingCommand], on meetingId: UUID) async -> [CommandBatcher.Answer] {
        guard batch.allSatisfy(\.batchable) else { return await executeAlone(batch, on: meetingId) }
        return await commitGroup.submit(MeetingBatch(meetingId: meetingId, commands: batch)) { batches in
            await executeTogether(batches)
        }
    }

    /// One transaction for the batches of several meetings, locked in id order (as the timers
    /// lock them, so no two transactions wait for each other in a circle): two statements for all
    /// of them, as for one meeting (`applyTogether`). Batchable commands write nothing
    /// before their meeting's single write, so a refused command never spoils the transaction; if a
    /// statement fails anyway, the transaction is rolled back and every batch is applied again in a
    /// transaction of its own, so one meeting's failure refuses no other.
    func executeTogether(_ batches: [MeetingBatch]) async -> [[CommandBatcher.Answer]] {
        guard batches.count > 1 else { return await executeEachAlone(batches) }
        let order = batches.indices.sorted { batches[$0].meetingId.uuidString < batches[$1].meetingId.uuidString }
        let ordered = order.map { batches[$0] }
        do {
            let outcomes = try await boundedTransaction { connection in
                try await applyTogether(ordered, connection: connection)
            }
            var answers = batches.map { $0.commands.map { _ in CommandBatcher.Answer.failure(StoreError.notApplied) } }
            for (index, outcome) in zip(order, outcomes) {
                if let seq = outcome.appendedUpTo { notifications.notify(batches[index].meetingId, seq: seq) }
                answers[index] = outcome.answers
            }
            return answers
        } catch where Self.rolledBack(error) {
            return await executeEachAlone(batches)
        } catch {
            let error = Self.translate(error)
            return batches.map { $0.commands.map { _ in .failure(error) } }
        }
    }

    private func executeEachAlone(_ batches: [MeetingBatch]) async -> [[CommandBatcher.Answer]] {
        var answers: [[CommandBatcher.Answer]] = []
        for batch in batches { answers.append(await executeAlone(batch.commands, on: batch.meetingId)) }
        return answers
    }

    /// One transaction for one meeting's batch: lock and load, decide each command in order,
    /// write once. A refused batchable command refuses only itself; an exclusive command is alone,
    /// and its refusal rolls back what it wrote.
    func executeAlone(_ batch: [PendingCommand], on meetingId: UUID) async -> [CommandBatcher.Answer] {
        do {
            let applied = try await boundedTransaction { connection in
                try await apply(batch, on: meetingId, connection: connection)
            }
            if let seq = applied.appendedUpTo { notifications.notify(meetingId, seq: seq) }
            return applied.answers
        } catch {
            let error = Self.translate(error)
            return batch.map { _ in .failure(error) }
        }
    }

    /// The steps of `execute` inside an open transaction (the timers run them in their own).
    /// What a batch did: each command's answer, and the meeting's newest `seq` if it appended events.
    struct Applied: Sendable {
        var answers: [CommandBatcher.Answer]
        var appendedUpTo: Int64?
    }

    func apply(_ batch: [PendingCommand], on meetingId: UUID, connection: PostgresConnection) async throws -> Applied {
        let facts = try await CommandFacts.load(
            meetingId, callers: batch.compactMap(\.tokenHash), memberIds: batch.flatMap(\.memberIds),
            claims: batch.compactMap(\.claim), on: connection, logger: logger)
        let decided = try await decide(batch, on: meetingId, facts: facts, connection: connection)
        if let transaction = decided.transaction {
            try await MeetingTransaction.write([transaction], on: connection, logger: logger)
        }
        return decided.applied
    }

    /// The steps of `executeTogether` inside an open transaction, for batches in meeting-id order:
    /// one statement locks the meetings (in that order) and reads their facts, the rules decide
    /// each batch, one statement writes them all. So each meeting's lock is held across two round
    /// trips, the write and the commit, as when it is alone.
    func applyTogether(_ batches: [MeetingBatch], connection: PostgresConnection) async throws -> [Applied] {
        let requests = batches.map { batch in
            CommandFacts.Request(
                meetingId: batch.meetingId, callers: batch.commands.compactMap(\.tokenHash),
                memberIds: batch.commands.flatMap(\.memberIds), claims: batch.commands.compactMap(\.claim))
        }
        let facts = try await CommandFacts.load(requests, on: connection, logger: logger)
        var decided: [Decided] = []
        for (batch, facts) in zip(batches, facts) {
            decided.append(try await decide(batch.commands, on: batch.meetingId, facts: facts, connection: connection))
        }
        try await MeetingTransaction.write(decided.compactMap(\.transaction), on: connection, logger: logger)
        return decided.map(\.applied)
    }

    /// What the rules decided for one meeting's batch: the transaction to write (none when the
    /// meeting does not exist) and each command's answer.
    struct Decided: Sendable {
        var transaction: MeetingTransaction?
        var applied: Applied
    }

    /// Decides a batch in arrival order from its meeting's facts.
    private func decide(
        _ batch: [PendingCommand], on meetingId: UUID, facts: CommandFacts, connection: PostgresConnection
    ) async throws -> Decided {
        let members = Dictionary((facts.members ?? []).map { ($0.tokenHash, $0.id) }, uniquingKeysWith: { first, _ in first })
        // Callers who are not members of this meeting: rare, so asked only when it happens.
        let strangers = batch.compactMap(\.tokenHash).filter { members[$0] == nil }
        let foreignTokens = strangers.isEmpty ? [] : try await tokensOfOtherMeetings(strangers, than: meetingId, on: connection)
        guard facts.exists else {
            let answers = batch.map { CommandBatcher.Answer.failure(Self.unknownCaller($0.tokenHash, foreignTokens: foreignTokens)) }
            return Decided(transaction: nil, applied: Applied(answers: answers))
        }
        let exclusive = batch.count == 1 && !batch[0].batchable
        var meeting = try MeetingTransaction(facts: facts, meetingId: meetingId)
        var answers: [CommandBatcher.Answer] = []
        for pending in batch {
            let before = meeting
            do {
                var caller: Member?
                if let tokenHash = pending.tokenHash {
                    guard let id = members[tokenHash] else { throw Self.unknownCaller(tokenHash, foreignTokens: foreignTokens) }
                    caller = try meeting.member(id)
                }
                guard facts.status == "active" else { throw DomainError.meetingEnded }
                if let claim = pending.claim, let stored = try meeting.storedAnswer(for: claim) {
                    answers.append(.success(stored))
                    continue
                }
                let answer: any IdempotentResult
                switch pending.decide {
                case .batchable(let decide):
                    answer = try decide(&meeting, caller)
                case .exclusive(let decide):
                    var transaction = ExclusiveTransaction(meeting: meeting, connection: connection, logger: logger)
                    answer = try await decide(&transaction, caller)
                    meeting = transaction.meeting
                }
                if let claim = pending.claim { meeting.store(try answer.storedForm(), for: claim) }
                answers.append(.success(answer))
            } catch {
                // An exclusive command may have written already: its whole transaction rolls back.
                if exclusive { throw error }
                meeting = before
                answers.append(.failure(Self.translate(error)))
            }
        }
        return Decided(transaction: meeting, applied: Applied(answers: answers, appendedUpTo: meeting.appendedUpTo))
    }

    /// Whether `error` ended a transaction before its `COMMIT` was sent, so that it did not commit
    /// for certain. (After a failed commit, or a bound that abandoned the work, it may have.)
    static func rolledBack(_ error: any Error) -> Bool {
        if let transaction = error as? TransactionError { return transaction.closureError != nil }
        guard let transaction = error as? PostgresTransactionError else { return false }
        return transaction.closureError != nil && transaction.commitError == nil
    }

    /// A caller who is not a member of the meeting: a token of another meeting (or a meeting that
    /// does not exist) is "not found", so nothing about the meeting leaks; an unknown token is invalid.
    static func unknownCaller(_ tokenHash: Data?, foreignTokens: Set<Data>) -> DomainError {
        guard let tokenHash, !foreignTokens.contains(tokenHash) else { return .meetingNotFound }
        return .invalidToken
    }

    /// Which of `tokenHashes` belong to a participant of another meeting than `meetingId`.
    func tokensOfOtherMeetings(_ tokenHashes: [Data], than meetingId: UUID, on connection: PostgresConnection) async throws -> Set<Data> {
        let hashes = tokenHashes.map { ByteBuffer(bytes: $0) }
        let rows = try await connection.query(
            "SELECT token_hash FROM participants WHERE token_hash = ANY(\(hashes)::bytea[]) AND meeting_id <> \(meetingId)",
            logger: logger)
        var foreign = Set<Data>()
        for try await hash in rows.decode(ByteBuffer.self) { foreign.insert(Data(hash.readableBytesView)) }
        return foreign
    }

    /// Constraint violations that the rules should have prevented become clear refusals, not 500s.
    /// Errors of a connection that went away mid-request.
    static let lostConnection: [PSQLError.Code] = [.clientClosedConnection, .serverClosedConnection, .connectionError, .uncleanShutdown, .poolClosed]

    static func translate(_ error: any Error) -> any Error {
        if let transaction = error as? TransactionError { return translate(transaction.cause ?? error) }
        if let transaction = error as? PostgresTransactionError {
            return translate(transaction.closureError ?? transaction.commitError ?? transaction.beginError ?? error)
        }
        guard let psql = error as? PSQLError else { return error }
        if Self.lostConnection.contains(psql.code) { return StoreError.databaseConnectionLost }
        guard let sqlState = psql.serverInfo?[.sqlState] else { return error }
        let code = PostgresError.Code(raw: sqlState)
        let constraint = psql.serverInfo?[.constraintName] ?? ""
        switch code {
        case .uniqueViolation where constraint == "idempotency_keys_pkey":
            // Another request with the same key (and caller) committed while this one ran: two
            // different requests under one key, at the same moment (the same request would have
            // waited for the meeting's lock and found the stored answer).
            return StoreError.keyReused
        case .uniqueViolation where constraint.contains("name"):
            return DomainError.roomNameTaken
        // No database message or schema name reaches a client (ASVS 7.4.1).
        case .uniqueViolation, .foreignKeyViolation, .checkViolation:
            return StoreError(.conflict, "The change conflicts with the meeting's current state.")
        case _ where sqlState == "25006":
            // read_only_sql_transaction: a standby answered, the old primary of a switchover in the
            // second or two before HAProxy's check moves the connections to the new one. The
            // statement was refused and the transaction rolled back, so nothing was applied.
            return StoreError.databaseUnavailable
        case _ where sqlState.hasPrefix("08") || sqlState.hasPrefix("57P"):
            // Connection exceptions and the server shutting down or restarting.
            return StoreError.databaseConnectionLost
        case _ where sqlState.hasPrefix("22"):
            // A data exception (a value PostgreSQL cannot store): the input's fault, never a 500.
            return StoreError(.invalidValue, "A value in the request cannot be stored (SQLSTATE \(sqlState)).")
        default:
            return error
        }
    }
}

