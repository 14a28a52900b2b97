import BreakoutDomain
import BreakoutServer
import Foundation
import HTTPTypes
import PostgresNIO
import Testing

/// No database error message, table or constraint name reaches a client (ASVS 7.4.1): whatever
/// PostgreSQL refuses, the answer is one of our own codes with our own sentence.
@Suite("Database errors")
struct DatabaseErrorTests {
    /// A trigger makes PostgreSQL refuse one meeting's insert, with the given SQLSTATE and a message
    /// that names a table, a constraint and a marker, as a real error's message would.
    @Test("a refusal by the database answers with our code and sentence, never its message", arguments: [
        ("23514", 409, "conflict"),      // check_violation
        ("23505", 409, "conflict"),      // unique_violation
        ("22003", 422, "invalid_value"), // numeric_value_out_of_range
        ("P0001", 500, "internal_error"), // raise_exception: anything else
    ])
    func messageStaysInside(sqlState: String, status: Int, code: String) async throws {
        let marker = "secret-\(UUID().uuidString.prefix(8).lowercased())"
        let title = "Probe \(marker)"
        // A database of its own: a trigger on the shared one's `meetings` would lock the table
        // (DROP TRIGGER takes an exclusive lock) under every other test's requests.
        let name = "db_errors_\(marker.dropFirst(7))"
        guard var components = URLComponents(string: try TestDatabase.url) else { throw TestDatabase.Missing() }
        components.path = "/\(name)"
        let databaseURL = try #require(components.string)
        try await TestDatabase.withClient { admin in try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)")) }
        let reply: Result<Node.Reply, any Error>
        do {
            try await TestDatabase.withClient(url: databaseURL) { client in
                try await client.query(PostgresQuery(unsafeSQL: """
                    CREATE FUNCTION refuse_probe() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        RAISE EXCEPTION 'relation "meetings" violates constraint "meetings_title_check" (%)', '\(marker)'
                            USING ERRCODE = '\(sqlState)', CONSTRAINT = 'meetings_\(marker)_check', TABLE = 'meetings',
                                  DETAIL = 'Failing row contains (\(marker)).';
                    END $$;
                    """))
                try await client.query(PostgresQuery(unsafeSQL: """
                    CREATE TRIGGER refuse_probe BEFORE INSERT ON meetings FOR EACH ROW
                        WHEN (NEW.title = '\(title)') EXECUTE FUNCTION refuse_probe();
                    """))
            }
            reply = .success(try await withNode(databaseURL: databaseURL) { node in try await node.post("/v1/meetings", ["title": .string(title)]) })
        } catch {
            reply = .failure(error)
        }
        try await TestDatabase.withClient { admin in try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE \(name) WITH (FORCE)")) }
        let answer = try reply.get()
        #expect(Int(answer.status.code) == status, "\(answer.body)")
        #expect(answer.code == code)
        #expect(answer.contentType == "application/problem+json")
        for leak in [marker, "meetings", "constraint", "relation", "Failing row"] {
            #expect(!answer.body.contains(leak), "the answer carries '\(leak)': \(answer.body)")
        }
    }
}
