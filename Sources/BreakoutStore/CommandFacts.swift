import BreakoutDomain
import Foundation
import Logging
import PostgresNIO

/// What a command knows when it starts: the meeting's row (locked), its breakout and rooms, the
/// members the batch is about, and stored answers to the batch's idempotency keys — read by
/// `breakout_command_facts_rows` (`sql/018_facts_as_columns.sql`) in one round trip, a row of typed
/// columns per meeting.
struct CommandFacts: Sendable {
    /// The breakout row.
    struct Breakout: Sendable {
        var status: BreakoutStatus
        var mode: BreakoutMode
        var options: BreakoutOptions
        var openedAtMicros: Int64?
        var timerEndsAtMicros: Int64?
        var closingEndsAtMicros: Int64?

        var state: BreakoutState { BreakoutState(status: status, mode: mode, options: options) }
    }

    struct MemberRow: Sendable {
        var id: UUID
        var role: Role
        var location: UUID?
        var assignedRoomId: UUID?
        var mutedByHost: Bool
        var tokenHash: Data

        var member: Member {
            Member(id: id, role: role, location: location, assignedRoomId: assignedRoomId, mutedByHost: mutedByHost)
        }
    }

    struct StoredAnswer: Sendable {
        var scope: Data
        var key: String
        var fingerprint: Data
        var result: JSONValue?
    }

    var exists: Bool
    var status: String?
    var breakoutRoomsEnabled: Bool?
    var lastSeq: Int64?
    var nowMicros: Int64?
    var breakout: Breakout?
    var rooms: [Room]?
    var members: [MemberRow]?
    var claims: [StoredAnswer]?

    /// Locks `meetingId` and reads the facts for commands by `callers` about `memberIds`.
    static func load(
        _ meetingId: UUID, callers: [Data], memberIds: [UUID], claims: [Idempotency.Claim],
        on connection: PostgresConnection, logger: Logger
    ) async throws -> CommandFacts {
        let request = Request(meetingId: meetingId, callers: callers, memberIds: memberIds, claims: claims)
        guard let facts = try await load([request], on: connection, logger: logger).first else { throw DomainError.meetingNotFound }
        return facts
    }
}

extension CommandFacts {
    /// What one meeting's batch asks the facts for.
    struct Request: Sendable {
        var meetingId: UUID
        var callers: [Data]
        var memberIds: [UUID]
        var claims: [Idempotency.Claim]
    }

    /// Locks the meetings of `requests` one after the other, in the order given (id order), and
    /// reads each one's facts: one statement for all.
    static func load(_ requests: [Request], on connection: PostgresConnection, logger: Logger) async throws -> [CommandFacts] {
        var statement = FactsStatement(meetingIds: requests.map(\.meetingId))
        for (index, request) in requests.enumerated() {
            let owner = Int32(index + 1)
            statement.tokenOwners += request.callers.map { _ in owner }
            statement.tokenHashes += request.callers.map { ByteBuffer(bytes: $0) }
            statement.memberOwners += request.memberIds.map { _ in owner }
            statement.memberIds += request.memberIds
            statement.claimOwners += request.claims.map { _ in owner }
            statement.scopes += request.claims.map { ByteBuffer(bytes: $0.scope) }
            statement.keys += request.claims.map(\.key)
        }
        var facts: [CommandFacts] = []
        for try await row in try await connection.execute(statement, logger: logger) { facts.append(row) }
        guard facts.count == requests.count else { throw DomainError.meetingNotFound }
        return facts
    }

    /// The columns of `breakout_command_facts_rows`, in order.
    init(_ row: PostgresRow) throws {
        let cells = row.makeRandomAccess()
        var column = 1  // 0 is `ord`: the rows come in its order.
        func next<Value: PostgresDecodable>(_ type: Value.Type = Value.self) throws -> Value {
            defer { column += 1 }
            return try cells[column].decode(Value.self)
        }
        self.init(exists: try next(Bool.self))
        guard exists else { return }
        status = try next(String.self)
        breakoutRoomsEnabled = try next(Bool.self)
        lastSeq = try next(Int64.self)
        nowMicros = try next(Int64.self)
        let breakoutStatus = try next(String?.self), breakoutMode = try next(String?.self)
        if let breakoutStatus, let breakoutMode {
            guard let status = BreakoutStatus(rawValue: breakoutStatus), let mode = BreakoutMode(rawValue: breakoutMode) else {
                throw MalformedFacts(what: "breakout_status \(breakoutStatus), breakout_mode \(breakoutMode)")
            }
            var options = BreakoutOptions()
            options.moveAutomatically = try next(Bool.self)
            options.allowChooseRoom = try next(Bool.self)
            options.allowReturnToMain = try next(Bool.self)
            options.timerSeconds = try next(Int?.self)
            options.closeWhenTimeUp = try next(Bool.self)
            options.notifyHostWhenTimeUp = try next(Bool.self)
            options.closeCountdownSeconds = try next(Int.self)
            options.assignLateJoiners = try next(Bool.self)
            breakout = Breakout(
                status: status, mode: mode, options: options,
                openedAtMicros: try next(Int64?.self), timerEndsAtMicros: try next(Int64?.self),
                closingEndsAtMicros: try next(Int64?.self))
        } else {
            column = Self.firstRoomColumn
        }
        let roomIds = try next([UUID].self), roomNames = try next([String].self), roomPositions = try next([Int].self)
        rooms = try Self.zipped(roomIds.count, roomNames.count, roomPositions.count).map { index in
            Room(id: roomIds[index], name: roomNames[index], position: roomPositions[index])
        }
        let ids = try next([UUID].self), roles = try next([String].self)
        let locations = try next([UUID].self), assigned = try next([UUID].self)
        let muted = try next([Bool].self), hashes = try next([ByteBuffer].self)
        members = try Self.zipped(ids.count, roles.count, locations.count, assigned.count, muted.count, hashes.count).map { index in
            guard let role = Role(rawValue: roles[index]) else { throw MalformedFacts(what: "member_roles") }
            return MemberRow(
                id: ids[index], role: role, location: Self.room(locations[index]), assignedRoomId: Self.room(assigned[index]),
                mutedByHost: muted[index], tokenHash: Data(hashes[index].readableBytesView))
        }
        let scopes = try next([ByteBuffer].self), keys = try next([String].self)
        let fingerprints = try next([ByteBuffer].self), results = try next([String].self)
        claims = try Self.zipped(scopes.count, keys.count, fingerprints.count, results.count).map { index in
            StoredAnswer(
                scope: Data(scopes[index].readableBytesView), key: keys[index],
                fingerprint: Data(fingerprints[index].readableBytesView),
                result: results[index].isEmpty ? nil : try JSONDecoder().decode(JSONValue.self, from: Data(results[index].utf8)))
        }
    }

    private init(exists: Bool) { self.exists = exists }

    /// `room_ids`: where the columns go on when there is no breakout row.
    private static let firstRoomColumn = 19

    /// The nil UUID stands for "no room" in the arrays (which hold no NULLs).
    private static func room(_ id: UUID) -> UUID? { id == nilUUID ? nil : id }
    private static let nilUUID = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    /// The indices of parallel arrays, which the function builds with one length.
    private static func zipped(_ counts: Int...) throws -> Range<Int> {
        guard let first = counts.first, counts.allSatisfy({ $0 == first }) else { throw MalformedFacts(what: "arrays of unequal length") }
        return 0..<first
    }

}

/// A facts row the node cannot read: a database whose function does not match this version.
struct MalformedFacts: Error, CustomStringConvertible {
    var what: String
    var description: String { "breakout_command_facts_rows: \(what)" }
}

/// The call of `breakout_command_facts_rows`, prepared once per connection.
struct FactsStatement: PostgresPreparedStatement {
    static let sql = """
        SELECT * FROM breakout_command_facts_rows(
            $1::uuid[], $2::int[], $3::bytea[], $4::int[], $5::uuid[], $6::int[], $7::bytea[], $8::text[]) ORDER BY ord
        """
    typealias Row = CommandFacts

    var meetingIds: [UUID]
    var tokenOwners: [Int32] = []
    var tokenHashes: [ByteBuffer] = []
    var memberOwners: [Int32] = []
    var memberIds: [UUID] = []
    var claimOwners: [Int32] = []
    var scopes: [ByteBuffer] = []
    var keys: [String] = []

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 8)
        bindings.append(meetingIds)
        bindings.append(tokenOwners)
        bindings.append(tokenHashes)
        bindings.append(memberOwners)
        bindings.append(memberIds)
        bindings.append(claimOwners)
        bindings.append(scopes)
        bindings.append(keys)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> CommandFacts { try CommandFacts(row) }
}

extension Date {
    init(microsecondsSince1970 micros: Int64) {
        self.init(timeIntervalSince1970: Double(micros) / 1_000_000)
    }
}

extension Data {
    /// Lower-case hex, as PostgreSQL's `encode(…, 'hex')` writes it.
    /// Written into one buffer: two strings and an array per byte were 3 % of a node's CPU under
    /// load (a token hash is formatted twice per command, many-meetings profile).
    var hexString: String {
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: count * 2) { buffer in
            digits.withUTF8Buffer { digits in
                var index = 0
                for byte in self {
                    buffer[index] = digits[Int(byte >> 4)]
                    buffer[index + 1] = digits[Int(byte & 0x0f)]
                    index += 2
                }
            }
            return count * 2
        }
    }
}
