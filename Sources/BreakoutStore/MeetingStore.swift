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
    public let client: PostgresClient
    public let limits: Limits
    public let logger: Logger
    /// The channel that carries `meetingId:seq` after each committed command.
    public static let notifyChannel = "breakout_events"

    public init(client: PostgresClient, limits: Limits = .init(), logger: Logger) {
        self.client = client
        self.limits = limits
        self.logger = logger
    }
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
        let rows = try await client.query(
            """
            SELECT p.id, p.meeting_id, m.status, p.role FROM participants p JOIN meetings m ON m.id = p.meeting_id
            WHERE p.token_hash = \(Tokens.hash(token))
            """, logger: logger)
        for try await (participantId, tokenMeeting, status, role) in rows.decode((UUID, UUID, String, String).self) {
            guard tokenMeeting == meetingId else { throw DomainError.notFound("meeting") }
            guard status == "active" else { throw DomainError.meetingEnded }
            return Identity(participantId: participantId, meetingId: meetingId, role: Role(rawValue: role) ?? .participant)
        }
        throw DomainError(status: 401, code: "invalid_token", detail: "The bearer token is not valid.")
    }
}

/// The facts loaded under the meeting's lock at the start of a command, and the events it appends.
struct Command {
    let connection: PostgresConnection
    let logger: Logger
    let meetingId: UUID
    let breakoutRoomsEnabled: Bool
    let lastSeq: Int64
    var breakout: BreakoutState
    let openedAt: Date?
    /// When the room timer and the close countdown end, as the breakout row says.
    let timerEndsAt: Date?
    let closingEndsAt: Date?
    /// The caller, when the command has one (timers have none).
    let actor: Member?
    let now: Date
    private(set) var events: [DomainEvent] = []

    init(connection: PostgresConnection, logger: Logger, meetingId: UUID, breakoutRoomsEnabled: Bool, lastSeq: Int64,
         breakout: BreakoutState, openedAt: Date?, timerEndsAt: Date?, closingEndsAt: Date?, actor: Member?, now: Date) {
        self.connection = connection
        self.logger = logger
        self.meetingId = meetingId
        self.breakoutRoomsEnabled = breakoutRoomsEnabled
        self.lastSeq = lastSeq
        self.breakout = breakout
        self.openedAt = openedAt
        self.timerEndsAt = timerEndsAt
        self.closingEndsAt = closingEndsAt
        self.actor = actor
        self.now = now
    }

    var caller: Member { actor! }

    mutating func emit(_ event: DomainEvent) { events.append(event) }

    @discardableResult
    func query(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try await connection.query(query, logger: logger)
    }
}

extension MeetingStore {
    /// Runs `body` as one command on `meetingId` by `actorId` (nil for the server's own timers).
    /// Returns what `body` returns and the `seq` of the meeting after the command.
    func command<Result: Sendable>(
        _ meetingId: UUID, actor actorId: UUID?,
        _ body: (inout Command) async throws -> Result
    ) async throws -> Result {
        try await transaction { connection in
            try await command(meetingId, actor: actorId, on: connection, body)
        }
    }

    /// The command's steps inside an open transaction on `connection`: lock, load, decide, write, append.
    func command<Result: Sendable>(
        _ meetingId: UUID, actor actorId: UUID?, on connection: PostgresConnection,
        _ body: (inout Command) async throws -> Result
    ) async throws -> Result {
            let rows = try await connection.query(
                """
                SELECT m.status, m.breakout_rooms_enabled, m.last_seq,
                       \(unescaped: BreakoutRow.columns), b.opened_at, b.timer_ends_at, b.closing_ends_at,
                       a.id, a.role, a.location_room_id, a.assigned_room_id, a.muted_by_host, now()
                FROM meetings m
                LEFT JOIN breakouts b ON b.meeting_id = m.id
                LEFT JOIN participants a ON a.meeting_id = m.id AND a.id = \(actorId)
                WHERE m.id = \(meetingId)
                FOR UPDATE OF m
                """, logger: logger)
            var command: Command?
            for try await row in rows {
                let cells = row.makeRandomAccess()
                let status = try cells[0].decode(String.self)
                guard status == "active" else { throw DomainError.meetingEnded }
                let breakout = try BreakoutRow.decode(cells, at: 3)
                var actor: Member?
                if let id = try cells[16].decode(UUID?.self) {
                    actor = Member(
                        id: id, role: Role(rawValue: try cells[17].decode(String.self))!,
                        location: try cells[18].decode(UUID?.self), assignedRoomId: try cells[19].decode(UUID?.self),
                        mutedByHost: try cells[20].decode(Bool.self))
                } else if actorId != nil {
                    // The caller left or was removed after its token was checked.
                    throw DomainError.notFound("meeting")
                }
                command = Command(
                    connection: connection, logger: logger, meetingId: meetingId,
                    breakoutRoomsEnabled: try cells[1].decode(Bool.self), lastSeq: try cells[2].decode(Int64.self),
                    breakout: breakout, openedAt: try cells[13].decode(Date?.self), timerEndsAt: try cells[14].decode(Date?.self),
                    closingEndsAt: try cells[15].decode(Date?.self), actor: actor, now: try cells[21].decode(Date.self))
            }
            guard var command else { throw DomainError.notFound("meeting") }
            let result = try await body(&command)
            try await EventLog.append(command.events, meetingId: meetingId, after: command.lastSeq,
                                      on: connection, logger: logger)
            return result
    }

    /// BEGIN … COMMIT on one pooled connection; any error rolls back and is rethrown as it is.
    ///
    /// When the request carries an idempotency key (`Idempotency.claim`), the key is claimed first
    /// and the result stored before COMMIT; a repeated request gets the stored result back and
    /// applies nothing.
    func transaction<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        let claim = Idempotency.claim
        return try await client.withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                if let claim, let stored = try await claimIdempotencyKey(claim, on: connection) {
                    try await connection.query("ROLLBACK", logger: logger)
                    return try Self.replay(stored, as: Result.self)
                }
                let result = try await body(connection)
                if let claim {
                    try await storeIdempotentResult(claim, result: (result as? any IdempotentResult)?.storedForm ?? .null, on: connection)
                }
                try await connection.query("COMMIT", logger: logger)
                return result
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw Self.translate(error)
            }
        }
    }

    /// The result of the first request with the same idempotency key, as the command's result type.
    static func replay<Result>(_ stored: JSONValue, as type: Result.Type) throws -> Result {
        if let empty = () as? Result { return empty }
        if let resultType = type as? any IdempotentResult.Type, let result = try resultType.init(storedForm: stored) as? Result {
            return result
        }
        throw DomainError(status: 409, code: "idempotency_replay_failed", detail: "The stored answer to this key cannot be replayed.")
    }

    /// Constraint violations that the rules should have prevented become clear refusals, not 500s.
    static func translate(_ error: any Error) -> any Error {
        guard let psql = error as? PSQLError, let sqlState = psql.serverInfo?[.sqlState] else { return error }
        let constraint = psql.serverInfo?[.constraintName] ?? ""
        switch sqlState {
        case "23505" where constraint.contains("name"):
            return DomainError.roomNameTaken
        case "23505", "23503", "23514":
            return DomainError(status: 409, code: "conflict",
                               detail: "The change conflicts with the meeting's current state (\(constraint)).")
        case let state where state.hasPrefix("22"):
            // A data exception (a value PostgreSQL cannot store): the input's fault, never a 500.
            return DomainError(status: 422, code: "invalid_value", detail: "A value cannot be stored: \(psql.serverInfo?[.message] ?? state).")
        default:
            return error
        }
    }
}
