import BreakoutDomain
import BreakoutServer
import BreakoutStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `PUT/GET …/preassignments` and the `preassigned` mode, through HTTP and PostgreSQL.
@Suite("Pre-assignments")
struct PreassignmentTests {
    static let csv = "\u{FEFF}Pre-assign Room Name,Email Address\r\nGroup A,Ada@Uni.example\r\n\"Group B, quiet\",grace@uni.example\r\nGroup A,alan@uni.example\r\n"

    /// A meeting whose host saved a list by hand, one room "Keep": a refused upload must leave it.
    static func meetingWithKeptList(on node: Node) async throws -> TestMeeting {
        let meeting = try await TestMeeting.create(on: node)
        let byHand = try await node.request(
            .put, "\(meeting.path)/preassignments", token: meeting.hostToken, json: [["room": "Keep", "email": "keep@uni.example"]])
        #expect(byHand.status == .ok, "\(byHand.body)")
        #expect(byHand.json["format"]?.stringValue == "json")
        return meeting
    }

    /// The rooms of the meeting's saved list, in order.
    static func listedRooms(_ meeting: TestMeeting, on node: Node) async throws -> [String]? {
        try await node.get("\(meeting.path)/preassignments", token: meeting.hostToken).json.arrayValue?.compactMap { $0["room"]?.stringValue }
    }

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
            #expect(put.json["preassignments"]?.arrayValue?.count == 3)
            #expect(put.json["format"]?.stringValue == "zoom_csv")
            #expect(put.json["unassigned"]?.arrayValue?.isEmpty == true)
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
            let meeting = try await Self.meetingWithKeptList(on: node)
            let p = meeting.path
            let h = meeting.hostToken

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
            #expect(try await Self.listedRooms(meeting, on: node) == ["Keep"])
        }
    }

    /// Shaped like Canvas's "Export Groups to CSV": byte order mark, CRLF, quoted names with
    /// commas, a student in no group, logins with and without a domain.
    static let canvas = "\u{FEFF}name,canvas_user_id,user_id,login_id,sections,group_name,canvas_group_id,group_id\r\n"
        + "\"Nordmann, Kari\",101,SIS101,karinor,IN1000 H25,Gruppe 1,501,\r\n"
        + "\"Hansen, Ola\",102,SIS102,olah,\"IN1000 H25, IN1010 H25\",Gruppe 1,501,\r\n"
        + "\"Berg, Per\",103,SIS103,Per.Berg@Student.Example,IN1000 H25,\"Gruppe 2, tirsdag\",502,\r\n"
        + "\"Li, Mei\",104,SIS104,meili,IN1000 H25,,,\r\n"

    @Test("a Canvas group-set export: groups become rooms, logins get the campus domain, students in no group are listed as unassigned")
    func canvasExport() async throws {
        try await withNode(configuration: .init(nodeId: "test", loginDomain: "uio.no", databaseConnectTimeout: TestDatabase.leaseBound)) { node in
            let meeting = try await TestMeeting.create(on: node)
            let p = meeting.path
            let h = meeting.hostToken
            let kari = try await meeting.join("Kari", email: "KariNor@uio.no", on: node)
            let per = try await meeting.join("Per", email: "per.berg@student.example", on: node)
            let mei = try await meeting.join("Mei", email: "meili@uio.no", on: node)

            let put = try await node.request(.put, "\(p)/preassignments", token: h, raw: Self.canvas, contentType: "text/csv")
            #expect(put.status == .ok, "\(put.body)")
            #expect(put.json["format"]?.stringValue == "canvas_csv")
            #expect(put.json["preassignments"]?.arrayValue?.compactMap { $0["email"]?.stringValue }
                == ["karinor@uio.no", "olah@uio.no", "per.berg@student.example"])
            let unassigned = put.json["unassigned"]?.arrayValue ?? []
            #expect(unassigned.count == 1)
            #expect(unassigned.first?["line"]?.intValue == 5)
            #expect(unassigned.first?["name"]?.stringValue == "Li, Mei")
            #expect(unassigned.first?["login"]?.stringValue == "meili")
            let got = try await node.get("\(p)/preassignments", token: h)
            #expect(got.json.arrayValue?.compactMap { $0["room"]?.stringValue } == ["Gruppe 1", "Gruppe 1", "Gruppe 2, tirsdag"])

            let created = try await node.post("\(p)/breakout", token: h, ["roomCount": 1, "mode": "preassigned"])
            #expect(created.status == .created, "\(created.body)")
            let snapshot = try await meeting.snapshot(on: node)
            #expect(snapshot.rooms.compactMap { $0["name"]?.stringValue } == ["Gruppe 1", "Gruppe 2, tirsdag"])
            #expect(snapshot.participant(kari.id)?["assignedRoomId"] == snapshot.rooms[0]["id"])
            #expect(snapshot.participant(per.id)?["assignedRoomId"] == snapshot.rooms[1]["id"])
            #expect(snapshot.participant(mei.id)?["assignedRoomId"] == .null)
        }
    }

    @Test("a Canvas export without the campus domain set: logins without one are refused line by line, nothing saved")
    func canvasWithoutDomain() async throws {
        try await withNode { node in
            let meeting = try await Self.meetingWithKeptList(on: node)
            let p = meeting.path
            let h = meeting.hostToken

            let refused = try await node.request(.put, "\(p)/preassignments", token: h, raw: Self.canvas, contentType: "text/csv")
            #expect(refused.status == .unprocessableContent)
            #expect(refused.code == "validation_failed")
            let errors = refused.json["errors"]?.arrayValue ?? []
            #expect(errors.compactMap { $0["field"]?.stringValue } == ["line 2", "line 3"])
            #expect(errors.first?["message"]?.stringValue?.contains("BREAKOUT_LOGIN_DOMAIN") == true)
            #expect(try await Self.listedRooms(meeting, on: node) == ["Keep"])

            // Logins that are whole addresses need no domain.
            let full = "name,login_id,group_name\n\"Nordmann, Kari\",kari@uio.no,Gruppe 1\nOla,,\n"
            let accepted = try await node.request(.put, "\(p)/preassignments", token: h, raw: full, contentType: "text/csv; charset=utf-8")
            #expect(accepted.status == .ok, "\(accepted.body)")
            #expect(accepted.json["unassigned"]?.arrayValue?.first?["login"] == .null)
            #expect(accepted.json["unassigned"]?.arrayValue?.first?["name"]?.stringValue == "Ola")
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

    @Test("listed by subject, on two nodes: invited people join signed in, preassigned mode places them by subject, a late joiner by subject too; an unverified email or an anonymous joiner counts for nothing")
    func bySubject() async throws {
        typealias HTTP = SignInHTTPTests
        let origin = HTTP.publicURL
        let teacher = try await HTTP.session("faculty", email: "teacher-\(UUID().uuidString.prefix(8))@uni.test".lowercased())
        let kariEmail = "kari-\(UUID().uuidString.prefix(8))@uni.test".lowercased()
        let kari = try await HTTP.session("student", email: kariEmail)
        let eveEmail = "eve-\(UUID().uuidString.prefix(8))@uni.test".lowercased()
        let miaEmail = "mia-\(UUID().uuidString.prefix(8))@uni.test".lowercased()
        let mia = try await HTTP.session("student", email: miaEmail)
        try await withNode(configuration: HTTP.configuration(nodeId: "a")) { a in
            try await withNode(configuration: HTTP.configuration(nodeId: "b")) { b in
                let ola = try await CourseTests.studentWithoutEmail(on: a)
                let per = try await CourseTests.studentWithoutEmail(on: b)
                let late = try await CourseTests.studentWithoutEmail(on: a)
                let eve = try await CourseTests.studentWithoutEmail(unverifiedEmail: eveEmail, on: b)
                let stranger = try await CourseTests.studentWithoutEmail(on: a)
                let miaSubject = try #require(try await HTTP.send(a, .get, "/v1/me", cookie: mia).json["subject"]?.stringValue)

                let made = try await HTTP.send(a, .post, "/v1/meetings", cookie: teacher, origin: origin,
                                               json: ["title": "Invited", "settings": ["whoMayJoin": "invited"]])
                #expect(made.status == .created, "\(made.body)")
                let meeting = try TestMeeting(created: made.json)
                let list: JSONValue = [
                    ["room": "Group A", "subject": .string(ola.subject)], ["room": "Group B", "subject": .string(per.subject)],
                    ["room": "Group A", "email": .string(kariEmail)], ["room": "Group A", "subject": .string(late.subject)],
                    ["room": "Group A", "email": .string(eveEmail)],
                    // Mia is listed both ways: her subject says where she goes.
                    ["room": "Group B", "email": .string(miaEmail)], ["room": "Group A", "subject": .string(miaSubject)],
                ]
                let put = try await b.put("\(meeting.path)/preassignments", token: meeting.hostToken, list)
                #expect(put.status == .ok && put.json["preassignments"] == list, "\(put.body)")
                #expect(try await a.get("\(meeting.path)/preassignments", token: meeting.hostToken).json == list)

                func join(_ node: Node, _ session: String?, name: String? = nil) async throws -> (status: HTTPResponse.Status, id: String?, code: String?) {
                    var body: [String: JSONValue] = ["code": .string(meeting.code)]
                    if let name { body["displayName"] = .string(name) }
                    let answer = try await HTTP.send(node, .post, "/v1/meetings/join", cookie: session, origin: session == nil ? nil : origin,
                                                     json: .object(body))
                    return (answer.status, answer.json["participantId"]?.stringValue, answer.json["code"]?.stringValue)
                }
                // Invited: by subject (Ola, Per) or verified email (Kari). Eve's email is listed but
                // not verified; a stranger is not listed; someone not signed in has no subject.
                let olaId = try #require(try await join(b, ola.session).id)
                let perId = try #require(try await join(a, per.session).id)
                let kariId = try #require(try await join(b, kari).id)
                #expect(try await join(a, eve.session).code == "not_invited")
                #expect(try await join(b, stranger.session).code == "not_invited")
                #expect(try await join(a, nil, name: ola.subject).code == "sign_in_required")

                let created = try await a.post("\(meeting.path)/breakout", token: meeting.hostToken, ["roomCount": 2, "mode": "preassigned"])
                #expect(created.status == .created, "\(created.body)")
                let snapshot = try await meeting.snapshot(on: b)
                #expect(snapshot.rooms.compactMap { $0["name"]?.stringValue } == ["Group A", "Group B"])
                let groupA = snapshot.rooms[0]["id"]
                let groupB = snapshot.rooms[1]["id"]
                #expect(snapshot.participant(olaId)?["assignedRoomId"] == groupA)
                #expect(snapshot.participant(kariId)?["assignedRoomId"] == groupA)
                #expect(snapshot.participant(perId)?["assignedRoomId"] == groupB)

                // A late joiner listed by subject goes to their room, not the least populated one (B).
                #expect(try await b.post("\(meeting.path)/breakout/open", token: meeting.hostToken).status == .ok)
                let lateId = try #require(try await join(b, late.session).id)
                let after = try await meeting.snapshot(on: a)
                #expect(after.participant(lateId)?["assignedRoomId"] == groupA)
                #expect(after.participant(lateId)?["location"] == groupA)
                let miaId = try #require(try await join(a, mia).id)
                #expect(try await meeting.snapshot(on: b).participant(miaId)?["assignedRoomId"] == groupA, "by subject, before her email")
            }
        }
    }

    @Test("a meeting open to anyone: a late joiner who did not sign in is not placed by a subject that equals what they typed")
    func anonymousHasNoSubject() async throws {
        try await withNode { node in
            let meeting = try await TestMeeting.create(on: node)
            let put = try await node.put("\(meeting.path)/preassignments", token: meeting.hostToken, [
                ["room": "Listed", "subject": "ada@uni.example"], ["room": "Listed", "email": "carl@uni.example"],
            ])
            #expect(put.status == .ok, "\(put.body)")
            let created = try await node.post("\(meeting.path)/breakout", token: meeting.hostToken, ["roomCount": 2, "mode": "preassigned"])
            #expect(created.status == .created, "\(created.body)")
            let carl = try await meeting.join("Carl", email: "carl@uni.example", on: node)
            let ada = try await meeting.join("Ada", email: "ada@uni.example", on: node)
            let snapshot = try await meeting.snapshot(on: node)
            #expect(snapshot.participant(carl.id)?["assignedRoomId"] == snapshot.rooms[0]["id"])
            // The least populated room, not "Listed": nobody is placed by a subject they typed.
            #expect(snapshot.participant(ada.id)?["assignedRoomId"] == snapshot.rooms[1]["id"])
            let bad = try await node.put("\(meeting.path)/preassignments", token: meeting.hostToken, [
                ["room": "A", "email": "a@uni.example", "subject": "s"], ["room": "A", "subject": .string("x\u{0}y")],
            ])
            #expect(bad.status == .unprocessableContent && bad.contentType == "application/problem+json", "\(bad.body)")
            #expect(bad.json["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } == ["[0].subject", "[1].subject"])
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
