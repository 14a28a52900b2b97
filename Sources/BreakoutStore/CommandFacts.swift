import BreakoutDomain
import Foundation
import Logging
import PostgresNIO

/// What a command knows when it starts: the meeting's row (locked), its breakout and rooms, the
/// members the batch is about, and stored answers to the batch's idempotency keys — read by the
/// `breakout_command_facts` function (`sql/005_command_facts.sql`, `sql/009_cheaper_command_facts.sql`) in one round trip, and decoded
/// by name.
struct CommandFacts: Decodable, Sendable {
    /// The breakout row: its options are read by `BreakoutOptions` itself, from the same object.
    struct Breakout: Decodable, Sendable {
        var status: BreakoutStatus
        var mode: BreakoutMode
        var options: BreakoutOptions
        var openedAtMicros: Int64?
        var timerEndsAtMicros: Int64?
        var closingEndsAtMicros: Int64?

        enum CodingKeys: String, CodingKey { case status, mode, openedAtMicros, timerEndsAtMicros, closingEndsAtMicros }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            status = try container.decode(BreakoutStatus.self, forKey: .status)
            mode = try container.decode(BreakoutMode.self, forKey: .mode)
            options = try BreakoutOptions(from: decoder)
            openedAtMicros = try container.decodeIfPresent(Int64.self, forKey: .openedAtMicros)
            timerEndsAtMicros = try container.decodeIfPresent(Int64.self, forKey: .timerEndsAtMicros)
            closingEndsAtMicros = try container.decodeIfPresent(Int64.self, forKey: .closingEndsAtMicros)
        }

        var state: BreakoutState { BreakoutState(status: status, mode: mode, options: options) }
    }

    struct MemberRow: Decodable, Sendable {
        var id: UUID
        var role: Role
        var location: UUID?
        var assignedRoomId: UUID?
        var mutedByHost: Bool
        var tokenHash: String

        var member: Member {
            Member(id: id, role: role, location: location, assignedRoomId: assignedRoomId, mutedByHost: mutedByHost)
        }
    }

    struct StoredAnswer: Decodable, Sendable {
        var scope: String
        var key: String
        var fingerprint: String
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
        let tokenHashes = callers.map { ByteBuffer(bytes: $0) }
        let scopes = claims.map { ByteBuffer(bytes: $0.scope) }
        let keys = claims.map(\.key)
        let statement = FactsStatement(meetingId: meetingId, tokenHashes: tokenHashes, memberIds: memberIds, scopes: scopes, keys: keys)
        for try await text in try await connection.execute(statement, logger: logger) {
            return try JSONDecoder().decode(CommandFacts.self, from: Data(text.utf8))
        }
        throw DomainError.meetingNotFound
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
    /// reads each one's facts: one statement for all (`sql/010_group_command_facts.sql`).
    static func load(_ requests: [Request], on connection: PostgresConnection, logger: Logger) async throws -> [CommandFacts] {
        var statement = GroupFactsStatement(meetingIds: requests.map(\.meetingId))
        for (index, request) in requests.enumerated() {
            let owner = index + 1
            statement.tokenOwners += request.callers.map { _ in Int32(owner) }
            statement.tokenHashes += request.callers.map { ByteBuffer(bytes: $0) }
            statement.memberOwners += request.memberIds.map { _ in Int32(owner) }
            statement.memberIds += request.memberIds
            statement.claimOwners += request.claims.map { _ in Int32(owner) }
            statement.scopes += request.claims.map { ByteBuffer(bytes: $0.scope) }
            statement.keys += request.claims.map(\.key)
        }
        var facts: [CommandFacts] = []
        for try await text in try await connection.execute(statement, logger: logger) {
            facts.append(try JSONDecoder().decode(CommandFacts.self, from: Data(text.utf8)))
        }
        guard facts.count == requests.count else { throw DomainError.meetingNotFound }
        return facts
    }
}

/// The call of `breakout_group_command_facts`, prepared once per connection.
struct GroupFactsStatement: PostgresPreparedStatement {
    static let sql = """
        SELECT facts::text FROM breakout_group_command_facts(
            $1::uuid[], $2::int[], $3::bytea[], $4::int[], $5::uuid[], $6::int[], $7::bytea[], $8::text[]) ORDER BY ord
        """
    typealias Row = String

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

    func decodeRow(_ row: PostgresRow) throws -> String { try row.decode(String.self) }
}

/// The call of `breakout_command_facts`, prepared once per connection.
struct FactsStatement: PostgresPreparedStatement {
    static let sql = "SELECT breakout_command_facts($1::uuid, $2::bytea[], $3::uuid[], $4::bytea[], $5::text[])::text AS facts"
    typealias Row = String

    var meetingId: UUID
    var tokenHashes: [ByteBuffer]
    var memberIds: [UUID]
    var scopes: [ByteBuffer]
    var keys: [String]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 5)
        bindings.append(meetingId)
        bindings.append(tokenHashes)
        bindings.append(memberIds)
        bindings.append(scopes)
        bindings.append(keys)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> String { try row.decode(String.self) }
}

extension Date {
    init(microsecondsSince1970 micros: Int64) {
        self.init(timeIntervalSince1970: Double(micros) / 1_000_000)
    }
}

extension Data {
    /// Lower-case hex, as PostgreSQL's `encode(…, 'hex')` writes it.
    var hexString: String {
        map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
        }.joined()
    }
}
