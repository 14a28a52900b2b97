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
                    var found: [String] = []
                    for try await location in try await connection.query(
                        "SELECT location FROM breakout_room_members WHERE participant = 'Student X' AND meeting_code = \(meeting.code)",
                        logger: logger
                    ).decode(String.self) { found.append(location) }
                    #expect(found == ["main"], "where is student X")
                    // Attendance (sql/014) is one of the views it reads.
                    for try await _ in try await connection.query(
                        "SELECT participant, room, seconds FROM breakout_presence WHERE meeting_code = \(meeting.code)", logger: logger
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
}
