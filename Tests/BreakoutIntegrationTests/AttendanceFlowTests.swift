import BreakoutDomain
import BreakoutTestSupport
import Foundation
import NIOHTTP1
import PostgresNIO
import Testing

/// Attendance on two real `breakoutd` processes (docs/rules.md, "Attendance"): rounds of
/// `automatic`, `rotate` and `keep`, with moves made through both nodes; the JSON, the CSV and the
/// SQL view `breakout_presence` all tell the stays that were made.
@Suite("Attendance across nodes", .serialized)
struct AttendanceFlowTests {
    /// One stay as the test expects it: who, where, which round, and whether it has ended.
    struct Stay: Hashable, CustomStringConvertible {
        var person: String
        var room: String
        var round: Int
        var ended: Bool
        var description: String { "\(person.prefix(8))@\(room.prefix(8)) r\(round)\(ended ? "" : " ongoing")" }
    }

    static let time = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    static func snapshot(_ meeting: TestMeeting, on node: NodeProcess) async throws -> JSONValue {
        let reply = try await node.request(.GET, meeting.path, token: meeting.hostToken)
        try #require(reply.status == .ok, "\(reply.body)")
        return reply.json
    }

    /// Each participant's assigned room in the current breakout.
    static func assignments(_ snapshot: JSONValue) -> [String: String] {
        var rooms: [String: String] = [:]
        for p in snapshot["participants"]?.arrayValue ?? [] {
            if let id = p["id"]?.stringValue, let room = p["assignedRoomId"]?.stringValue { rooms[id] = room }
        }
        return rooms
    }

    /// The fields of a span in CSV order, as text; `seconds` left out for a stay still going
    /// (it grows between two reads).
    static func row(_ fields: [String]) -> [String] { fields[7].isEmpty ? Array(fields.prefix(8)) : fields }

    static func jsonRows(_ spans: [JSONValue]) -> [[String]] {
        spans.map { span in
            row([
                span["participantId"]?.stringValue ?? "?", span["displayName"]?.stringValue ?? "?", span["email"]?.stringValue ?? "",
                String(span["round"]?.intValue ?? -1), span["roomId"]?.stringValue ?? "?", span["roomName"]?.stringValue ?? "?",
                span["from"]?.stringValue ?? "?", span["to"]?.stringValue ?? "", String(span["seconds"]?.intValue ?? -1),
            ])
        }
    }

    /// RFC 4180, enough for the answer: quoted fields with doubled quotes, CRLF line ends.
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var characters = Array(text.unicodeScalars)[...]
        while let c = characters.popFirst() {
            if quoted {
                if c == "\"" {
                    if characters.first == "\"" { field.unicodeScalars.append(c); characters.removeFirst() } else { quoted = false }
                } else { field.unicodeScalars.append(c) }
            } else if c == "\"" { quoted = true }
            else if c == "," { row.append(field); field = "" }
            else if c == "\r" { continue }
            else if c == "\n" { row.append(field); rows.append(row); row = []; field = "" }
            else { field.unicodeScalars.append(c) }
        }
        return rows
    }

    @Test("rounds of automatic, rotate and keep through two nodes: JSON, CSV and breakout_presence tell the stays made")
    func roundsThroughTwoNodes() async throws {
        try await withNodeProcesses(2) { nodes in
            let (a, b) = (nodes[0], nodes[1])
            let meeting = try await TestMeeting.create(on: a, title: "Seminar")
            let breakout = "\(meeting.path)/breakout"
            let names = ["Ada", "Nordmann, \"Kari\"", "Bjørn", "=Grace", "Alan", "Edsger"]
            var students: [(id: String, token: String)] = []
            for (index, name) in names.enumerated() {
                let node = index.isMultiple(of: 2) ? a : b
                let email = index == 0 ? "ada@uni.example" : nil
                students.append(try await meeting.join(name, email: email, on: node))
            }
            let host = meeting.hostId
            var expected: [Stay] = []

            // Round 1: automatic, rooms of 3, through A; Ada goes back to main through B; the host
            // hops into a room through A; closed at once through B.
            var reply = try await a.post(breakout, token: meeting.hostToken,
                                         ["roomSize": 3, "mode": "automatic", "options": ["closeCountdownSeconds": 0]])
            #expect(reply.status == .created, "\(reply.body)")
            var rooms = try #require(reply.json["rooms"]?.arrayValue?.compactMap { $0["id"]?.stringValue })
            #expect(try await a.post("\(breakout)/open", token: meeting.hostToken).status == .ok)
            var assigned = Self.assignments(try await Self.snapshot(meeting, on: b))
            #expect(assigned.count == 6)
            #expect(try await b.post("\(meeting.path)/moves", token: students[0].token, ["roomId": nil]).status == .ok)
            #expect(try await a.post("\(meeting.path)/moves", token: meeting.hostToken, ["roomId": .string(rooms[1])]).status == .ok)
            #expect(try await b.post("\(breakout)/close", token: meeting.hostToken).status == .ok)
            for (person, room) in assigned { expected.append(Stay(person: person, room: room, round: 1, ended: true)) }
            expected.append(Stay(person: host, room: rooms[1], round: 1, ended: true))
            #expect(try await b.request(.DELETE, breakout, token: meeting.hostToken).status == .noContent)

            // Round 2: rotate through B, opened through A; Bjørn is reassigned (and so moved) through
            // B; the 1-second countdown ends it.
            reply = try await b.post(breakout, token: meeting.hostToken,
                                     ["roomSize": 3, "mode": "rotate", "seed": 7, "options": ["closeCountdownSeconds": 1]])
            #expect(reply.status == .created, "\(reply.body)")
            #expect(reply.json["rotation"]?["repeatedPairs"]?.intValue != nil)
            rooms = try #require(reply.json["rooms"]?.arrayValue?.compactMap { $0["id"]?.stringValue })
            #expect(try await a.post("\(breakout)/open", token: meeting.hostToken).status == .ok)
            assigned = Self.assignments(try await Self.snapshot(meeting, on: a))
            let bjorn = students[2].id
            let bjornsFirst = try #require(assigned[bjorn])
            let bjornsSecond = rooms.first { $0 != bjornsFirst }!
            #expect(try await b.request(.PUT, "\(breakout)/assignments/\(bjorn)", token: meeting.hostToken,
                                        json: ["roomId": .string(bjornsSecond)]).status == .ok)
            #expect(try await a.post("\(breakout)/close", token: meeting.hostToken).status == .ok)
            try await poll("the countdown to end", timeout: .seconds(15)) {
                try await Self.snapshot(meeting, on: b)["breakout"]?["status"]?.stringValue == "ready" ? true : nil
            }
            for (person, room) in assigned {
                expected.append(Stay(person: person, room: person == bjorn ? bjornsFirst : room, round: 2, ended: true))
            }
            expected.append(Stay(person: bjorn, room: bjornsSecond, round: 2, ended: true))
            #expect(try await a.request(.DELETE, breakout, token: meeting.hostToken).status == .noContent)

            // Round 3: keep through A (Bjørn's second room is his), opened through B, room 1 renamed
            // through A while open, closed through B. Round 4: the same rooms opened again through
            // A and left open; Edsger leaves through B.
            reply = try await a.post(breakout, token: meeting.hostToken, ["mode": "keep", "options": ["closeCountdownSeconds": 0]])
            #expect(reply.status == .created, "\(reply.body)")
            rooms = try #require(reply.json["rooms"]?.arrayValue?.compactMap { $0["id"]?.stringValue })
            assigned = Self.assignments(try await Self.snapshot(meeting, on: a))
            #expect(assigned.count == 6)
            #expect(try await b.post("\(breakout)/open", token: meeting.hostToken).status == .ok)
            #expect(try await a.request(.PATCH, "\(breakout)/rooms/\(rooms[0])", token: meeting.hostToken,
                                        json: ["name": "Poets"]).status == .ok)
            #expect(try await b.post("\(breakout)/close", token: meeting.hostToken).status == .ok)
            #expect(try await a.post("\(breakout)/open", token: meeting.hostToken).status == .ok)
            let edsger = students[5].id
            #expect(try await b.request(.DELETE, "\(meeting.path)/participants/\(edsger)", token: students[5].token).status == .noContent)
            for (person, room) in assigned {
                expected.append(Stay(person: person, room: room, round: 3, ended: true))
                expected.append(Stay(person: person, room: room, round: 4, ended: person == edsger))
            }

            // Managers only.
            let refused = try await b.request(.GET, "\(meeting.path)/attendance", token: students[1].token)
            #expect(refused.status == .forbidden)
            #expect(refused.json["code"]?.stringValue == "not_a_manager")

            // The JSON, from both nodes.
            let readAt = ContinuousClock.now
            let fromA = try await a.request(.GET, "\(meeting.path)/attendance", token: meeting.hostToken)
            #expect(fromA.status == .ok, "\(fromA.body)")
            #expect(fromA.headers.first(name: "content-type") == "application/json")
            let spans = try #require(fromA.json["spans"]?.arrayValue)
            let got = spans.map { span in
                Stay(person: span["participantId"]?.stringValue ?? "?", room: span["roomId"]?.stringValue ?? "?",
                     round: span["round"]?.intValue ?? -1, ended: span["to"] != .null)
            }
            #expect(got.sorted { $0.description < $1.description } == expected.sorted { $0.description < $1.description })
            for span in spans where span["roomId"]?.stringValue == rooms[0] {
                #expect(span["roomName"]?.stringValue == "Poets", "a renamed room keeps its id and takes its new name")
            }
            let ada = try #require(spans.first { $0["participantId"]?.stringValue == students[0].id })
            #expect(ada["email"]?.stringValue == "ada@uni.example")
            #expect(ada["displayName"]?.stringValue == "Ada")
            for span in spans where span["to"] != .null {
                let from = try #require(span["from"]?.stringValue.flatMap { try? Date($0, strategy: Self.time) })
                let to = try #require(span["to"]?.stringValue.flatMap { try? Date($0, strategy: Self.time) })
                #expect(abs(to.timeIntervalSince(from) - Double(span["seconds"]?.intValue ?? -1)) <= 1.01)
            }
            let fromB = try await b.request(.GET, "\(meeting.path)/attendance", token: meeting.hostToken)
            #expect(Self.jsonRows(try #require(fromB.json["spans"]?.arrayValue)) == Self.jsonRows(spans), "both nodes answer the same")

            // The CSV: the same rows, names defused for spreadsheets.
            let csv = try await b.request(.GET, "\(meeting.path)/attendance", token: meeting.hostToken, headers: [("Accept", "text/csv")])
            #expect(csv.status == .ok)
            #expect(csv.headers.first(name: "content-type") == "text/csv; charset=utf-8; header=present")
            #expect(csv.body.unicodeScalars.first == "\u{FEFF}")
            #expect(csv.body.contains("\r\n"))
            var lines = Self.parseCSV(String(csv.body.unicodeScalars.dropFirst()))
            #expect(lines.removeFirst() == AttendanceCSV.header)
            let defused = Self.jsonRows(spans).map { row in
                var row = row
                if row[1] == "=Grace" { row[1] = "'=Grace" }
                return row
            }
            #expect(lines.map(Self.row) == defused)
            #expect(csv.body.contains("\"Nordmann, \"\"Kari\"\"\""), "quoted, quotes doubled")

            // The operators' view: the same rows.
            let viewRows = try await TestDatabase.rows(
                """
                SELECT participant_id::text, participant, email, round, room_id::text, room, from_at, to_at, seconds, meeting_code
                FROM breakout_presence WHERE meeting_id = \(UUID(uuidString: meeting.id)!)
                """, as: (String, String, String?, Int, String, String, Date, Date?, Int, String).self)
            #expect(viewRows.allSatisfy { $0.9 == meeting.code })
            let fromView = viewRows.map { r in
                Self.row([r.0, r.1, r.2 ?? "", String(r.3), r.4, r.5, JSONValueEncoder.date(r.6), r.7.map(JSONValueEncoder.date) ?? "", String(r.8)])
            }
            #expect(fromView.sorted { $0.joined() < $1.joined() } == Self.jsonRows(spans).sorted { $0.joined() < $1.joined() })
            // A stay still going counts up to now in both: the view's later read adds at most the
            // time since the API's read (measured, plus a second of rounding) to each.
            let elapsed = Int((ContinuousClock.now - readAt).components.seconds) + 2
            let ongoing = spans.filter { $0["to"] == .null }
            let ongoingAPI = ongoing.compactMap { $0["seconds"]?.intValue }.reduce(0, +)
            let ongoingView = viewRows.filter { $0.7 == nil }.map(\.8).reduce(0, +)
            #expect(ongoingView >= ongoingAPI && ongoingView <= ongoingAPI + ongoing.count * elapsed,
                    "view \(ongoingView) s, API \(ongoingAPI) s, \(ongoing.count) stays going, \(elapsed) s apart at most")
        }
    }
}
