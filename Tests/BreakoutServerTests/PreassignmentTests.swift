import BreakoutDomain
import Foundation
import Hummingbird
import Testing

/// `PUT/GET …/preassignments` and the `preassigned` mode, through HTTP and PostgreSQL.
@Suite("Pre-assignments")
struct PreassignmentTests {
    static let csv = "\u{FEFF}Pre-assign Room Name,Email Address\r\nGroup A,Ada@Uni.example\r\n\"Group B, quiet\",grace@uni.example\r\nGroup A,alan@uni.example\r\n"

    @Test("host uploads Zoom's CSV, reads it back; preassigned mode makes the list's rooms and assigns by email; late joiners go to their room")
    func uploadCreateAndLateJoin() async throws {
        try await withNode { node in
            let meeting = try await TestMeeting.create(on: node)
            let p = meeting.path
            let h = meeting.hostToken
            let ada = try await meeting.join("Ada", email: "ADA@uni.example", on: node)
            let bob = try await meeting.join("Bob", email: "bob@uni.example", on: node)

            let put = try await node.request(.put, "\(p)/preassignments", token: h, raw: Self.csv, contentType: "text/csv; charset=utf-8")
            #expect(put.status == .ok, "\(put.body)")
            #expect(put.json.arrayValue?.count == 3)
            let got = try await node.get("\(p)/preassignments", token: h)
            #expect(got.status == .ok)
            #expect(got.json.arrayValue?.first?["email"]?.stringValue == "ada@uni.example")
            #expect(got.json.arrayValue?[1]["room"]?.stringValue == "Group B, quiet")

            let created = try await node.post("\(p)/breakout", token: h, ["roomCount": 3, "mode": "preassigned"])
            #expect(created.status == .created, "\(created.body)")
            let snapshot = try await meeting.snapshot(on: node)
            let names = snapshot.rooms.compactMap { $0["name"]?.stringValue }
            #expect(names == ["Group A", "Group B, quiet", "Breakout room 3"])
            let groupA = snapshot.rooms[0]["id"]
            let groupB = snapshot.rooms[1]["id"]
            #expect(snapshot.participant(ada.id)?["assignedRoomId"] == groupA)
            #expect(snapshot.participant(bob.id)?["assignedRoomId"] == .null)
            #expect(snapshot["breakout"]?["options"]?["assignLateJoiners"] == true)

            // Late joiners: Grace to her room (not the least populated), Alan likewise once open.
            let grace = try await meeting.join("Grace", email: "Grace@uni.example", on: node)
            #expect(try await meeting.snapshot(on: node).participant(grace.id)?["assignedRoomId"] == groupB)
            #expect(try await node.post("\(p)/breakout/open", token: h).status == .ok)
            let alan = try await meeting.join("Alan", email: "alan@uni.example", on: node)
            let after = try await meeting.snapshot(on: node)
            #expect(after.participant(alan.id)?["assignedRoomId"] == groupA)
            #expect(after.participant(alan.id)?["location"] == groupA)
        }
    }

    @Test("bad lines: one 422 naming each line, nothing saved; a wrong header names the header")
    func refusedUpload() async throws {
        try await withNode { node in
            let meeting = try await TestMeeting.create(on: node)
            let p = meeting.path
            let h = meeting.hostToken
            let ok = try await node.request(.put, "\(p)/preassignments", token: h, json: [["room": "Keep", "email": "keep@uni.example"]])
            #expect(ok.status == .ok, "\(ok.body)")

            let bad = "Pre-assign Room Name,Email Address\nGroup A,a@uni.example\nGroup A,\n,b@uni.example\nGroup C,A@uni.example\n"
            let refused = try await node.request(.put, "\(p)/preassignments", token: h, raw: bad, contentType: "text/csv")
            #expect(refused.status == .unprocessableContent)
            #expect(refused.contentType == "application/problem+json")
            #expect(refused.code == "validation_failed")
            #expect(refused.json["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } == ["line 3", "line 4", "line 5"])

            let header = try await node.request(.put, "\(p)/preassignments", token: h, raw: "Room,Email\nA,a@uni.example\n", contentType: "text/csv")
            #expect(header.status == .unprocessableContent)
            #expect(header.json["errors"]?.arrayValue?.first?["field"]?.stringValue == "line 1")
            #expect(header.json["detail"]?.stringValue?.contains("Pre-assign Room Name,Email Address") == true)

            let other = try await node.request(.put, "\(p)/preassignments", token: h, raw: "x", contentType: "text/plain")
            #expect(other.status == .unsupportedMediaType)

            // Nothing of the refused uploads was kept.
            let list = try await node.get("\(p)/preassignments", token: h)
            #expect(list.json.arrayValue?.compactMap { $0["room"]?.stringValue } == ["Keep"])
        }
    }

    @Test("only the host: a co-host and a participant get 403 not_the_host; without a list preassigned is 422 mode_unavailable")
    func hostOnly() async throws {
        try await withNode { node in
            let meeting = try await TestMeeting.create(on: node)
            let p = meeting.path
            let cohost = try await meeting.join("Co", on: node)
            _ = try await node.put("\(p)/participants/\(cohost.id)/role", token: meeting.hostToken, ["role": "cohost"])
            let participant = try await meeting.join("P", on: node)
            for token in [cohost.token, participant.token] {
                let put = try await node.request(.put, "\(p)/preassignments", token: token, raw: Self.csv, contentType: "text/csv")
                #expect(put.status == .forbidden)
                #expect(put.code == "not_the_host")
                #expect(try await node.get("\(p)/preassignments", token: token).code == "not_the_host")
            }
            let refused = try await node.post("\(p)/breakout", token: cohost.token, ["roomCount": 2, "mode": "preassigned"])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.code == "mode_unavailable")
        }
    }

    @Test("the web app is served at / with the right content types")
    func webApp() async throws {
        try await withNode { node in
            let index = try await node.get("/")
            #expect(index.status == .ok)
            #expect(index.contentType?.hasPrefix("text/html") == true)
            #expect(index.body.contains("/js/main.js"))
            let joinLink = try await node.get("/?code=K7XQ2M9RTA")
            #expect(joinLink.status == .ok)
            #expect(try await node.get("/js/main.js").contentType?.hasPrefix("text/javascript") == true)
            #expect(try await node.get("/app.css").contentType?.hasPrefix("text/css") == true)
            #expect(try await node.get("/preassign-template.csv").body.hasPrefix("Pre-assign Room Name,Email Address"))
            // The API keeps its own answers.
            #expect(try await node.get("/v1/meetings/not-a-uuid").status == .notFound)
            #expect(try await node.get("/no-such-file.js").status == .notFound)
        }
    }
}
