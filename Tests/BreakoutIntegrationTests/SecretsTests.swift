import BreakoutDomain
import Foundation
import NIOHTTP1
import PostgresNIO
import Testing

/// Tokens work as passwords: they must not appear in any log line, even at trace level, nor
/// anywhere in the database, where operators read with SQL.
@Suite("Secrets stay secret")
struct SecretsTests {
    @Test("a flow with Idempotency-Keys at LOG_LEVEL=trace: no token or key in any log line, none in any table, and retries still get their answer")
    func noTokenInLogsOrTables() async throws {
        let node = try await NodeProcess.start("secrets", environment: ["LOG_LEVEL": "trace", "LOG_FORMAT": "json"])
        defer { node.kill() }
        var secrets: [String] = []
        func key() -> String {
            let key = UUID().uuidString
            secrets.append(key)
            return key
        }

        let createKey = key()
        let created = try await node.request(.POST, "/v1/meetings", json: ["title": "Secrets"], headers: [("Idempotency-Key", createKey)])
        #expect(created.status == .created)
        let meetingId = try #require(created.json["meeting"]?["id"]?.stringValue)
        let code = try #require(created.json["meeting"]?["code"]?.stringValue)
        let hostToken = try #require(created.json["hostToken"]?.stringValue)
        secrets.append(hostToken)
        let path = "/v1/meetings/\(meetingId)"

        var participants: [(id: String, token: String)] = []
        for name in ["Ada", "Grace"] {
            let joinKey = key()
            let body: JSONValue = ["code": .string(code), "displayName": .string(name), "email": .string("\(name.lowercased())@uni.example")]
            let joined = try await node.request(.POST, "/v1/meetings/join", json: body, headers: [("Idempotency-Key", joinKey)])
            #expect(joined.status == .created)
            let token = try #require(joined.json["token"]?.stringValue)
            secrets.append(token)
            participants.append((try #require(joined.json["participantId"]?.stringValue), token))
            // The retry gets the same answer, token included, from the sealed stored answer.
            let retried = try await node.request(.POST, "/v1/meetings/join", json: body, headers: [("Idempotency-Key", joinKey)])
            #expect(retried.status == .created)
            #expect(retried.json == joined.json, "a retried join must answer what the first answered")
        }
        let retriedCreate = try await node.request(.POST, "/v1/meetings", json: ["title": "Secrets"], headers: [("Idempotency-Key", createKey)])
        #expect(retriedCreate.json == created.json, "a retried creation must answer what the first answered")

        // Live streams with the token in the query string, as browsers send it.
        let hostStream = try await StreamClient.connect("host", to: node, meetingId: meetingId, token: hostToken)
        let adaStream = try await StreamClient.connect("ada", to: node, meetingId: meetingId, token: participants[0].token)
        try await hostStream.waitUntil("snapshot") { $0.first?.type == "snapshot" }
        try await adaStream.waitUntil("snapshot") { $0.first?.type == "snapshot" }

        let breakout = try await node.request(.POST, "\(path)/breakout", token: hostToken, json: ["roomCount": 2, "mode": "automatic"],
                                              headers: [("Idempotency-Key", key())])
        #expect(breakout.status == .created)
        #expect(try await node.request(.POST, "\(path)/breakout/open", token: hostToken, headers: [("Idempotency-Key", key())]).status == .ok)
        #expect(try await node.request(.POST, "\(path)/broadcasts", token: hostToken, json: ["message": "Five minutes left"]).status.code < 300)
        #expect(try await node.request(.POST, "\(path)/moves", token: participants[1].token, json: ["roomId": .null],
                                       headers: [("Idempotency-Key", key())]).status.code < 500)
        // Refusals log too: a wrong token, another meeting's token, a participant on a manager endpoint.
        #expect(try await node.request(.GET, path, token: hostToken + "x").status == .unauthorized)
        #expect(try await node.request(.POST, "\(path)/breakout/close", token: participants[0].token).status == .forbidden)
        let elsewhere = try await node.post("/v1/meetings", ["title": "Elsewhere"])
        let elsewhereId = try #require(elsewhere.json["meeting"]?["id"]?.stringValue)
        #expect(try await node.request(.GET, "/v1/meetings/\(elsewhereId)", token: hostToken).status == .notFound)
        try await hostStream.waitUntil("the broadcast") { $0.contains { $0.type == "broadcast" } }
        hostStream.close()
        adaStream.close()

        // Logs: everything the node wrote, at trace level. Stopped first, so every line is out.
        node.stop()
        let log = try String(contentsOf: node.logFile, encoding: .utf8)
        let lines = log.split(separator: "\n")
        #expect(lines.count > 50, "trace logging wrote only \(lines.count) lines")
        let jsonLines = lines.filter { (try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8))) != nil }
        #expect(jsonLines.count == lines.count, "\(lines.count - jsonLines.count) log lines are not JSON")
        for secret in secrets {
            let found = lines.filter { $0.contains(secret) }
            #expect(found.isEmpty, "a token or key appears in the log: \(found.prefix(2))")
        }

        // Tables: every row of every table, as text.
        try await TestDatabase.withClient { client in
            var tables: [String] = []
            for try await name in try await client.query(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            ).decode(String.self) { tables.append(name) }
            #expect(tables.contains("idempotency_keys") && tables.contains("participants"))
            for table in tables {
                for try await row in try await client.query(PostgresQuery(unsafeSQL: "SELECT t::text FROM \"\(table)\" t")).decode(String.self) {
                    for secret in secrets where row.contains(secret) {
                        Issue.record("a token or key is stored in \(table): \(row.prefix(200))")
                    }
                }
            }
        }
    }
}
