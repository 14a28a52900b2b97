import BreakoutDomain
import BreakoutServer
import BreakoutStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Courses over HTTP, signed in (docs/rules.md, "Courses"): owners and co-owners, a course's
/// weekly meetings whose rotation remembers earlier weeks by person and whose `keep` repeats last
/// week's groups, group sets saved, versioned, saved from a meeting's rooms and applied to the next.
@Suite("Courses and group sets")
struct CourseTests {
    typealias HTTP = SignInHTTPTests
    let origin = SignInHTTPTests.publicURL

    /// A person signed in (faculty may host; students may not), with a session and their email.
    struct Person {
        var session: String
        var email: String
    }

    static func person(_ affiliation: String, _ name: String) async throws -> Person {
        let email = "\(name)-\(UUID().uuidString.prefix(8))@uni.test".lowercased()
        return Person(session: try await HTTP.session(affiliation, email: email), email: email)
    }

    /// A student whose provider gives no email (or, with `unverifiedEmail`, one it did not
    /// verify): their session and the subject they are listed by, as `GET /v1/me` shows it.
    static func studentWithoutEmail(unverifiedEmail: String? = nil, on node: Node) async throws -> (session: String, subject: String) {
        let session = try await HTTP.session("student", email: unverifiedEmail, emailVerified: false)
        let me = try await HTTP.send(node, .get, "/v1/me", cookie: session)
        #expect(me.json["email"] == (unverifiedEmail.map(JSONValue.string) ?? .null) && me.json["emailVerified"] == false)
        return (session, try #require(me.json["subject"]?.stringValue, "\(me.body)"))
    }

    func post(_ node: Node, _ path: String, as person: Person, _ json: JSONValue) async throws -> (status: HTTPResponse.Status, json: JSONValue, body: String) {
        let answer = try await HTTP.send(node, .post, path, cookie: person.session, origin: origin, json: json)
        return (answer.status, answer.json, answer.body)
    }

    func get(_ node: Node, _ path: String, as person: Person) async throws -> (status: HTTPResponse.Status, json: JSONValue, body: String) {
        let answer = try await HTTP.send(node, .get, path, cookie: person.session)
        return (answer.status, answer.json, answer.body)
    }

    /// A call with a meeting token (the host's participant token).
    func call(_ node: Node, _ method: HTTPRequest.Method, _ path: String, token: String, _ json: JSONValue? = nil) async throws -> (status: HTTPResponse.Status, json: JSONValue, body: String) {
        let answer = try await HTTP.send(node, method, path, bearer: token, json: json)
        return (answer.status, answer.json, answer.body)
    }

    @Test("owners and co-owners reach a course; anyone else is told there is none; open mode has no courses")
    func access() async throws {
        let teacher = try await Self.person("faculty", "teacher")
        let colleague = try await Self.person("faculty", "colleague")
        let stranger = try await Self.person("faculty", "stranger")
        let student = try await Self.person("student", "student")
        try await withNode(configuration: HTTP.configuration) { node in
            let made = try await post(node, "/v1/courses", as: teacher,
                                      ["title": "IN1000 Seminar", "lmsReference": "canvas:4711", "coOwners": [.string(colleague.email.uppercased())]])
            #expect(made.status == .created, "\(made.body)")
            let id = try #require(made.json["id"]?.stringValue)
            #expect(made.json["coOwners"] == [.string(colleague.email)])
            #expect(try await get(node, "/v1/courses/\(id)", as: colleague).status == .ok)
            #expect(try await get(node, "/v1/courses", as: colleague).json["courses"]?.arrayValue?.count == 1)
            let refused = try await get(node, "/v1/courses/\(id)", as: stranger)
            #expect(refused.status == .notFound && refused.json["code"] == "course_not_found")
            #expect(try await get(node, "/v1/courses/not-a-uuid", as: teacher).json["code"] == "course_not_found")
            let notHost = try await post(node, "/v1/courses", as: student, ["title": "Mine"])
            #expect(notHost.status == .forbidden && notHost.json["code"] == "not_allowed_to_host")
            let bad = try await post(node, "/v1/courses", as: teacher, ["title": " ", "coOwners": ["not an email"]])
            #expect(bad.status == .unprocessableContent, "\(bad.body)")
            // A course's meeting is made by its owners only.
            let foreign = try await post(node, "/v1/meetings", as: stranger, ["title": "Week 1", "courseId": .string(id)])
            #expect(foreign.status == .notFound && foreign.json["code"] == "course_not_found")
        }
        try await withNode { node in
            let open = try await HTTP.send(node, .get, "/v1/courses")
            #expect(open.status == .unauthorized && open.json["code"] == "sign_in_off")
            let meeting = try await HTTP.send(node, .post, "/v1/meetings", json: ["title": "x", "courseId": .string(UUID().uuidString)])
            #expect(meeting.status == .unprocessableContent, "a course needs sign-in: \(meeting.body)")
        }
    }

    @Test("group sets: versions kept, read back by version, from JSON and from Zoom's CSV; bad input names the line")
    func groupSets() async throws {
        let teacher = try await Self.person("faculty", "teacher")
        try await withNode(configuration: HTTP.configuration) { node in
            let course = try #require(try await post(node, "/v1/courses", as: teacher, ["title": "Seminar"]).json["id"]?.stringValue)
            let path = "/v1/courses/\(course)/group-sets/Project%20groups"
            let first = try await post(node, path, as: teacher, [["room": "A", "email": "ada@uni.test"], ["room": "B", "email": "bob@uni.test"]])
            #expect(first.status == .created, "\(first.body)")
            #expect(first.json["groupSet"]?["version"] == 1 && first.json["groupSet"]?["name"] == "Project groups")
            #expect(first.json["groupSet"]?["source"] == "typed")
            var headers = HTTPFields()
            headers[.cookie] = "\(SignInHTTPTests.sessionCookie)=\(teacher.session)"
            headers[.origin] = origin
            headers[.contentType] = "text/csv"
            let csv = "Pre-assign Room Name,Email Address\nA,ada@uni.test\nA,bob@uni.test\n"
            let second = try await node.client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: csv)) {
                ($0.status, try JSONDecoder().decode(JSONValue.self, from: Data(String(buffer: $0.body).utf8)))
            }
            #expect(second.0 == .created && second.1["groupSet"]?["version"] == 2 && second.1["groupSet"]?["source"] == "zoom_csv")
            let latest = try await get(node, path, as: teacher)
            #expect(latest.json["version"] == 2 && latest.json["groups"]?.arrayValue?.count == 2)
            let old = try await get(node, path + "?version=1", as: teacher)
            #expect(old.json["groups"] == [["email": "ada@uni.test", "room": "A"], ["email": "bob@uni.test", "room": "B"]])
            #expect(try await get(node, path + "?version=3", as: teacher).json["code"] == "group_set_not_found")
            let broken = try await post(node, path, as: teacher, [["room": "A", "email": "nope"]])
            #expect(broken.status == .unprocessableContent && broken.json["errors"]?.arrayValue?.first?["field"] == "[0].email")
            #expect(try await get(node, path, as: teacher).json["version"] == 2, "a refused upload saves nothing")
            let detail = try await get(node, "/v1/courses/\(course)", as: teacher)
            let summary = detail.json["groupSets"]?.arrayValue?.first
            #expect(summary?["name"] == "Project groups" && summary?["latestVersion"] == 2)
            #expect(summary?["groups"] == 1 && summary?["members"] == 2)
        }
    }

    @Test("week 2 of a course: keep repeats week 1's groups by person, rotate meets new people, saved rooms apply to week 3")
    func weeks() async throws {
        let teacher = try await Self.person("faculty", "teacher")
        var people: [Person] = []
        for n in 1...6 { people.append(try await Self.person("student", "s\(n)")) }
        let students = people
        try await withNode(configuration: HTTP.configuration) { node in
            let course = try #require(try await post(node, "/v1/courses", as: teacher, ["title": "Seminar"]).json["id"]?.stringValue)

            /// A week's meeting: created in the course, everyone joined signed in. Its host token
            /// and each student's participant id by email.
            func week(_ title: String) async throws -> (meeting: String, host: String, ids: [String: String]) {
                let made = try await post(node, "/v1/meetings", as: teacher, ["title": .string(title), "courseId": .string(course)])
                #expect(made.status == .created, "\(made.body)")
                let meeting = try #require(made.json["meeting"]?["id"]?.stringValue)
                let code = try #require(made.json["meeting"]?["code"]?.stringValue)
                var ids: [String: String] = [:]
                for student in students {
                    let joined = try await post(node, "/v1/meetings/join", as: student, ["code": .string(code)])
                    ids[student.email] = try #require(joined.json["participantId"]?.stringValue, "\(joined.body)")
                }
                return (meeting, try #require(made.json["hostToken"]?.stringValue), ids)
            }

            /// The groups of the meeting's rooms as the host sees them now, as sets of emails.
            func groups(_ meeting: String, _ host: String, _ ids: [String: String]) async throws -> Set<Set<String>> {
                let emailOf = Dictionary(uniqueKeysWithValues: ids.map { ($0.value, $0.key) })
                let snapshot = try await call(node, .get, "/v1/meetings/\(meeting)", token: host)
                var rooms: [String: Set<String>] = [:]
                for person in snapshot.json["participants"]?.arrayValue ?? [] {
                    guard let room = person["assignedRoomId"]?.stringValue, let email = person["id"]?.stringValue.flatMap({ emailOf[$0] })
                    else { continue }
                    rooms[room, default: []].insert(email)
                }
                return Set(rooms.values)
            }

            let one = try await week("Week 1")
            let split = try await call(node, .post, "/v1/meetings/\(one.meeting)/breakout", token: one.host,
                                       ["roomSize": 2, "mode": "automatic"])
            #expect(split.status == .created, "\(split.body)")
            let weekOne = try await groups(one.meeting, one.host, one.ids)
            #expect(weekOne.count == 3 && weekOne.allSatisfy { $0.count == 2 })
            #expect(try await call(node, .post, "/v1/meetings/\(one.meeting)/breakout/open", token: one.host, [:]).status == .ok)
            #expect(try await call(node, .post, "/v1/meetings/\(one.meeting)/breakout/close", token: one.host, ["countdownSeconds": 0]).status == .ok)
            let saved = try await call(node, .post, "/v1/meetings/\(one.meeting)/group-sets", token: one.host,
                                       ["name": "Week 1 pairs", "from": "last_rooms"])
            #expect(saved.status == .created, "\(saved.body)")
            #expect(saved.json["groupSet"]?["source"] == "meeting_last_rooms" && saved.json["groupSet"]?["groups"]?.arrayValue?.count == 6)
            #expect(try await call(node, .post, "/v1/meetings/\(one.meeting)/end", token: one.host, [:]).status == .noContent)

            let two = try await week("Week 2")
            let kept = try await call(node, .post, "/v1/meetings/\(two.meeting)/breakout", token: two.host, ["mode": "keep"])
            #expect(kept.status == .created, "\(kept.body)")
            #expect(try await groups(two.meeting, two.host, two.ids) == weekOne, "keep repeats week 1's pairs, matched by person")
            #expect(try await call(node, .delete, "/v1/meetings/\(two.meeting)/breakout", token: two.host).status == .noContent)
            let rotated = try await call(node, .post, "/v1/meetings/\(two.meeting)/breakout", token: two.host,
                                         ["roomSize": 2, "mode": "rotate", "seed": 7])
            #expect(rotated.status == .created, "\(rotated.body)")
            #expect(rotated.json["rotation"]?["repeatedPairs"] == 0, "\(rotated.body)")
            #expect(try await groups(two.meeting, two.host, two.ids).isDisjoint(with: weekOne), "nobody meets week 1's partner again")

            let three = try await week("Week 3")
            let applied = try await call(node, .post, "/v1/meetings/\(three.meeting)/preassignments/from-group-set", token: three.host,
                                         ["name": "Week 1 pairs"])
            #expect(applied.status == .ok && applied.json.arrayValue?.count == 6, "\(applied.body)")
            let preassigned = try await call(node, .post, "/v1/meetings/\(three.meeting)/breakout", token: three.host,
                                             ["roomCount": 3, "mode": "preassigned"])
            #expect(preassigned.status == .created, "\(preassigned.body)")
            #expect(try await groups(three.meeting, three.host, three.ids) == weekOne, "the saved pairs, pre-assigned")
            let missing = try await call(node, .post, "/v1/meetings/\(three.meeting)/preassignments/from-group-set", token: three.host,
                                         ["name": "No such set"])
            #expect(missing.status == .notFound && missing.json["code"] == "group_set_not_found")

            // The course's attendance: week 1 (ended) with its six stays, week 2's and 3's with none yet.
            let report = try await get(node, "/v1/courses/\(course)/attendance", as: teacher)
            #expect(report.status == .ok, "\(report.body)")
            let meetings = report.json["meetings"]?.arrayValue ?? []
            #expect(meetings.map { $0["title"] } == ["Week 1", "Week 2", "Week 3"])
            #expect(meetings.first?["status"] == "ended" && meetings.first?["spans"]?.arrayValue?.count == 6)
            let emails = Set(meetings.first?["spans"]?.arrayValue?.compactMap { $0["email"]?.stringValue } ?? [])
            #expect(emails == Set(students.map(\.email)))
            var csvHeaders = HTTPFields()
            csvHeaders[.cookie] = "\(SignInHTTPTests.sessionCookie)=\(teacher.session)"
            csvHeaders[.accept] = "text/csv"
            let csv = try await node.client.execute(uri: "/v1/courses/\(course)/attendance", method: .get, headers: csvHeaders) {
                String(buffer: $0.body)
            }
            let lines = csv.split(separator: "\r\n")
            #expect(lines.first?.hasSuffix("meetingCode,meetingTitle,participantId,displayName,email,round,roomId,roomName,from,to,seconds") == true)
            #expect(lines.count == 1 + 6 && lines.dropFirst().allSatisfy { $0.contains(",Week 1,") })

            // A meeting outside any course has no group sets.
            let loose = try await post(node, "/v1/meetings", as: teacher, ["title": "Office hours"])
            let looseToken = try #require(loose.json["hostToken"]?.stringValue)
            let looseId = try #require(loose.json["meeting"]?["id"]?.stringValue)
            let refused = try await call(node, .post, "/v1/meetings/\(looseId)/group-sets", token: looseToken, ["name": "x"])
            #expect(refused.status == .conflict && refused.json["code"] == "meeting_not_in_course")
        }
    }
    /// The rooms of a meeting's snapshot by name, each with the participant ids assigned to it.
    func assigned(_ node: Node, meeting: String, host: String) async throws -> [String: Set<String>] {
        let snapshot = try await call(node, .get, "/v1/meetings/\(meeting)", token: host).json
        var names: [String: String] = [:]
        var rooms: [String: Set<String>] = [:]
        for room in snapshot.rooms {
            guard let id = room["id"]?.stringValue, let name = room["name"]?.stringValue else { continue }
            names[id] = name
            rooms[name] = []
        }
        for person in snapshot["participants"]?.arrayValue ?? [] {
            guard let room = person["assignedRoomId"]?.stringValue.flatMap({ names[$0] }), let id = person["id"]?.stringValue else { continue }
            rooms[room, default: []].insert(id)
        }
        return rooms
    }

    @Test("members by subject: a typed set names people by subject; Save these rooms keeps signed-in people without a (verified) email by subject; the set places them next week")
    func subjects() async throws {
        let teacher = try await Self.person("faculty", "teacher")
        let kari = try await Self.person("student", "kari")
        try await withNode(configuration: HTTP.configuration) { node in
            let ola = try await Self.studentWithoutEmail(on: node)
            let per = try await Self.studentWithoutEmail(unverifiedEmail: "per-\(UUID().uuidString.prefix(8))@uni.test".lowercased(), on: node)
            let course = try #require(try await post(node, "/v1/courses", as: teacher, ["title": "Seminar"]).json["id"]?.stringValue)

            // A typed set: by subject and by email, side by side.
            let typedGroups: JSONValue = [
                ["room": "A", "subject": .string(ola.subject)], ["room": "A", "email": .string(kari.email)],
                ["room": "B", "subject": .string(per.subject)],
            ]
            let typed = try await post(node, "/v1/courses/\(course)/group-sets/Typed", as: teacher, typedGroups)
            #expect(typed.status == .created, "\(typed.body)")
            #expect(typed.json["groupSet"]?["groups"] == typedGroups)
            let refused = try await post(node, "/v1/courses/\(course)/group-sets/Typed", as: teacher,
                                         [["room": "A", "email": "a@uni.test", "subject": "x"], ["room": "B", "subject": ""]])
            #expect(refused.status == .unprocessableContent && refused.json["code"] == "validation_failed", "\(refused.body)")
            #expect(refused.json["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } == ["[0].subject", "[1].subject"])
            let summary = try await get(node, "/v1/courses/\(course)", as: teacher).json["groupSets"]?.arrayValue?.first
            #expect(summary?["latestVersion"] == 1 && summary?["groups"] == 2 && summary?["members"] == 3)

            /// A week's meeting with the three students joined signed in, and a guest who did not
            /// sign in and gave no email.
            func week(_ title: String) async throws -> (meeting: String, host: String, kari: String, ola: String, per: String, guest: String) {
                let made = try await post(node, "/v1/meetings", as: teacher, ["title": .string(title), "courseId": .string(course)])
                let meeting = try #require(made.json["meeting"]?["id"]?.stringValue, "\(made.body)")
                let code = try #require(made.json["meeting"]?["code"]?.stringValue)
                var ids: [String] = []
                for session in [kari.session, ola.session, per.session] {
                    let joined = try await HTTP.send(node, .post, "/v1/meetings/join", cookie: session, origin: origin, json: ["code": .string(code)])
                    ids.append(try #require(joined.json["participantId"]?.stringValue, "\(joined.body)"))
                }
                let guest = try await HTTP.send(node, .post, "/v1/meetings/join", json: ["code": .string(code), "displayName": "Guest"])
                let guestId = try #require(guest.json["participantId"]?.stringValue, "\(guest.body)")
                return (meeting, try #require(made.json["hostToken"]?.stringValue), ids[0], ids[1], ids[2], guestId)
            }

            let one = try await week("Week 1")
            let applied = try await call(node, .post, "/v1/meetings/\(one.meeting)/preassignments/from-group-set", token: one.host, ["name": "Typed"])
            #expect(applied.status == .ok && applied.json == typedGroups, "\(applied.body)")
            #expect(try await call(node, .get, "/v1/meetings/\(one.meeting)/preassignments", token: one.host).json == typedGroups)
            let created = try await call(node, .post, "/v1/meetings/\(one.meeting)/breakout", token: one.host, ["roomCount": 2, "mode": "preassigned"])
            #expect(created.status == .created, "\(created.body)")
            // Per is placed by subject: his unverified email is never matched, his subject is.
            let rooms = try await assigned(node, meeting: one.meeting, host: one.host)
            #expect(rooms == ["A": [one.kari, one.ola], "B": [one.per]])
            let roomB = try #require(try await call(node, .get, "/v1/meetings/\(one.meeting)", token: one.host).json.rooms.last?["id"])
            let moved = try await call(node, .put, "/v1/meetings/\(one.meeting)/breakout/assignments/\(one.guest)", token: one.host, ["roomId": roomB])
            #expect(moved.status == .ok, "\(moved.body)")

            // Saved: Kari by email, Ola (no email) and Per (unverified) by subject; the guest left out.
            let saved = try await call(node, .post, "/v1/meetings/\(one.meeting)/group-sets", token: one.host, ["name": "Week 1"])
            #expect(saved.status == .created, "\(saved.body)")
            #expect(saved.json["groupSet"]?["groups"] == [
                ["room": "A", "email": .string(kari.email)], ["room": "A", "subject": .string(ola.subject)],
                ["room": "B", "subject": .string(per.subject)],
            ])
            #expect(saved.json["leftOut"] == ["Guest"])

            let two = try await week("Week 2")
            let next = try await call(node, .post, "/v1/meetings/\(two.meeting)/preassignments/from-group-set", token: two.host, ["name": "Week 1"])
            #expect(next.status == .ok, "\(next.body)")
            let again = try await call(node, .post, "/v1/meetings/\(two.meeting)/breakout", token: two.host, ["roomCount": 2, "mode": "preassigned"])
            #expect(again.status == .created, "\(again.body)")
            #expect(try await assigned(node, meeting: two.meeting, host: two.host) == ["A": [two.kari, two.ola], "B": [two.per]],
                    "week 1's rooms, by email and by subject")
        }
    }

    @Test("course commands on a meeting are the host's: a participant's token gets 403 not_the_host and changes nothing")
    func courseCommandsHostOnly() async throws {
        let teacher = try await Self.person("faculty", "teacher")
        try await withNode(configuration: HTTP.configuration) { node in
            let course = try #require(try await post(node, "/v1/courses", as: teacher, ["title": "Seminar"]).json["id"]?.stringValue)
            #expect(try await post(node, "/v1/courses/\(course)/group-sets/Pairs", as: teacher, [["room": "A", "email": "a@uni.test"]]).status == .created)
            let made = try await post(node, "/v1/meetings", as: teacher, ["title": "Week 1", "courseId": .string(course)])
            let meeting = try #require(made.json["meeting"]?["id"]?.stringValue, "\(made.body)")
            let host = try #require(made.json["hostToken"]?.stringValue)
            let code = try #require(made.json["meeting"]?["code"]?.stringValue)
            let joined = try await HTTP.send(node, .post, "/v1/meetings/join", json: ["code": .string(code), "displayName": "Sam"])
            let token = try #require(joined.json["token"]?.stringValue, "\(joined.body)")

            let save = try await call(node, .post, "/v1/meetings/\(meeting)/group-sets", token: token, ["name": "Mine"])
            #expect(save.status == .forbidden && save.json["code"] == "not_the_host", "\(save.body)")
            let apply = try await call(node, .post, "/v1/meetings/\(meeting)/preassignments/from-group-set", token: token, ["name": "Pairs"])
            #expect(apply.status == .forbidden && apply.json["code"] == "not_the_host", "\(apply.body)")
            #expect(try await get(node, "/v1/courses/\(course)/group-sets/Mine", as: teacher).json["code"] == "group_set_not_found")
            #expect(try await call(node, .get, "/v1/meetings/\(meeting)/preassignments", token: host).json == [])
        }
    }
}
