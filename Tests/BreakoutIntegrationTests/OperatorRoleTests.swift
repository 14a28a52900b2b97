import Foundation
import PostgresNIO
import Testing

/// Operators read, and only read: the `breakout_readonly` role answers "where is student X" from
/// the views, and cannot read token hashes or write anything.
@Suite("Operator role")
struct OperatorRoleTests {
    @Test("breakout_readonly reads the views, not the tables, and writes nothing")
    func readOnlyRole() async throws {
        try await withNode { node in
            let meeting = try await TestMeeting.create(on: node)
            let student = try await meeting.join("Student X", on: node)
            try await TestDatabase.withClient { client in
                try await client.withConnection { connection in
                    let logger = TestDatabase.logger
                    try await connection.query("BEGIN", logger: logger)
                    try await connection.query("SET LOCAL ROLE breakout_readonly", logger: logger)
                    let meetingId = try #require(UUID(uuidString: meeting.id))
                    var found: [(String, String?)] = []
                    for try await row in try await connection.query(
                        "SELECT location, meeting_code FROM breakout_room_members WHERE participant = 'Student X' AND meeting_id = \(meetingId)",
                        logger: logger
                    ).decode((String, String?).self) { found.append(row) }
                    #expect(found.map(\.0) == ["main"], "where is student X")
                    #expect(found.map(\.1) == [nil], "no join code for breakout_readonly")
                    // Attendance (sql/014) is one of the views it reads.
                    for try await _ in try await connection.query(
                        "SELECT participant, room, seconds FROM breakout_presence WHERE meeting_id = \(meetingId)", logger: logger
                    ).decode((String, String, Int).self) {}
                    try await connection.query("SAVEPOINT s", logger: logger)
                    for statement in [
                        "SELECT token_hash FROM participants LIMIT 1",
                        "SELECT result FROM idempotency_keys LIMIT 1",
                        "UPDATE participants SET muted_by_host = true WHERE id = '\(student.id)'",
                        "DELETE FROM nodes",
                    ] {
                        await #expect(throws: PSQLError.self, "\(statement) must be refused") {
                            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                        }
                        try await connection.query("ROLLBACK TO SAVEPOINT s", logger: logger)
                    }
                    try await connection.query("ROLLBACK", logger: logger)
                }
            }
        }
    }

    @Test("join codes and media ids: NULL to breakout_readonly, shown with breakout_readonly_codes and to the owner")
    func codesNeedTheSecondRole() async throws {
        try await withNode { node in
            let meeting = try await TestMeeting.create(on: node, title: "Codes for \(UUID())")
            let meetingId = try #require(UUID(uuidString: meeting.id))
            try await TestDatabase.withClient { client in
                try await client.withConnection { connection in
                    let logger = TestDatabase.logger
                    @Sendable func codes(as role: String?) async throws -> [String?] {
                        try await connection.query("BEGIN", logger: logger)
                        if let role { try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL ROLE \(role)"), logger: logger) }
                        var codes: [String?] = []
                        for view in ["breakout_status", "breakout_meetings"] {
                            for try await code in try await connection.query(
                                PostgresQuery(unsafeSQL: "SELECT code FROM \(view) WHERE meeting_id = '\(meetingId)'"), logger: logger
                            ).decode(String?.self) { codes.append(code) }
                        }
                        try await connection.query("ROLLBACK", logger: logger)
                        return codes
                    }
                    // An operator's login with both roles (made once; roles belong to the cluster).
                    try await connection.query("""
                        DO $$ BEGIN
                            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'operator_with_codes') THEN
                                CREATE ROLE operator_with_codes NOLOGIN;
                            END IF;
                        END $$
                        """, logger: logger)
                    try await connection.query("GRANT breakout_readonly, breakout_readonly_codes TO operator_with_codes", logger: logger)
                    #expect(try await codes(as: "breakout_readonly") == [nil, nil])
                    #expect(try await codes(as: "operator_with_codes") == [meeting.code, meeting.code])
                    #expect(try await codes(as: nil) == [meeting.code, meeting.code], "the database's owner")
                }
            }
        }
    }
}
