import BreakoutDomain
import Foundation
import Testing

/// Members named by the campus provider's subject as well as by email: reading both forms,
/// refusals naming the field, matching in `preassigned` mode, and what "Save these rooms" keeps.
@Suite("Members by subject")
struct MemberSubjectTests {
    func json(_ value: JSONValue) throws(DomainError) -> [Preassignment] {
        try PreassignmentList.parseJSON(value, maxRooms: 100)
    }

    @Test("JSON takes {room, email} and {room, subject}: subjects trimmed, their case kept")
    func bothForms() throws {
        let list = try json([["room": "A", "subject": " 248289761001 "], ["room": "A", "email": "Ada@X.example"],
                             ["room": "B", "subject": "AbC|xyz", "email": .null]])
        #expect(list == [
            Preassignment(room: "A", subject: "248289761001"), Preassignment(room: "A", email: "ada@x.example"),
            Preassignment(room: "B", subject: "AbC|xyz"),
        ])
        #expect(list.map(\.subject) == ["248289761001", nil, "AbC|xyz"])
        #expect(list.map(\.email) == [nil, "ada@x.example", nil])
    }

    @Test("both, neither, a bad subject or one listed twice: one refusal naming each field, nothing kept")
    func refusals() {
        let bad: JSONValue = [
            ["room": "A", "email": "a@x.example", "subject": "s1"],
            ["room": "A"],
            ["room": "A", "subject": ""],
            ["room": "A", "subject": .string(String(repeating: "x", count: 256))],
            ["room": "A", "subject": "bad\u{7}bell"],
            ["room": "A", "subject": "twice"],
            ["room": "B", "subject": "twice"],
            ["room": "A", "subject": 42],
            ["room": "", "subject": "fine"],
            ["room": "A", "subject": "ok"],
        ]
        let violations = Fixture.violations { try json(bad) }
        #expect(violations.map(\.field).sorted() == [
            "[0].subject", "[1].email", "[2].subject", "[3].subject", "[4].subject", "[6].subject", "[7].subject", "[8].room",
        ])
        let message = Dictionary(violations.map { ($0.field, $0.message) }, uniquingKeysWith: { a, _ in a })
        #expect(message["[0].subject"]?.contains("not both") == true)
        #expect(message["[1].email"]?.contains("subject") == true)
        #expect(message["[2].subject"]?.contains("empty") == true)
        #expect(message["[3].subject"]?.contains("255") == true)
        // Counted in code points, as the database counts: 128 "é" written as e + U+0301 are 256.
        let decomposed = String(repeating: "e\u{301}", count: 128)
        #expect(Fixture.violations { try json([["room": "A", "subject": .string(decomposed)]]) }.map(\.field) == ["[0].subject"])
        #expect(message["[4].subject"]?.contains("control") == true)
        #expect(message["[6].subject"]?.contains("already listed ([5])") == true)
        #expect(message["[7].subject"] == "must be a string")
        // 255 characters are fine; an email and a subject with the same text are two people.
        let longest = String(repeating: "y", count: 255)
        #expect((try? json([["room": "A", "subject": .string(longest)], ["room": "A", "subject": "a@x.example"],
                            ["room": "A", "email": "a@x.example"]]))?.count == 3)
    }

    @Test("stored JSON: {room, email} of earlier sets still reads; the key not named is left out; both or neither is refused")
    func codable() throws {
        let old = try JSONDecoder().decode([Preassignment].self, from: Data(#"[{"room":"A","email":"a@x.example"}]"#.utf8))
        #expect(old == [Preassignment(room: "A", email: "a@x.example")])
        let subject = Preassignment(room: "B", subject: "sub-1")
        #expect(try JSONValueEncoder().encode(subject) == ["room": "B", "subject": "sub-1"])
        #expect(try JSONValueEncoder().encode(old[0]) == ["room": "A", "email": "a@x.example"])
        let back = try JSONDecoder().decode(Preassignment.self, from: try JSONEncoder().encode(subject))
        #expect(back == subject)
        for text in [#"{"room":"A","email":"a@x.example","subject":"s"}"#, #"{"room":"A"}"#] {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(Preassignment.self, from: Data(text.utf8)) }
        }
    }

    @Test("Zoom's and Canvas's CSV stay email-based: a subject there is just a malformed email")
    func csvIsEmailOnly() {
        let violations = Fixture.violations {
            try PreassignmentList.parseCSV(Array("Pre-assign Room Name,Email Address\nA,248289761001\n".utf8), maxRooms: 100)
        }
        #expect(violations.map(\.field) == ["line 2"])
        #expect(violations.first?.message.contains("not an email address") == true)
    }

    @Test("preassigned mode: signed-in members placed by subject, others by email; a subject never matches an email")
    func planBySubject() {
        let list = [
            Preassignment(room: "Group A", subject: "sub-ada"),
            Preassignment(room: "Group B", email: "bob@x.example"),
            Preassignment(room: "Group B", subject: "sub-eve"),
            Preassignment(room: "Group A", email: "eve@x.example"),
            Preassignment(room: "Group B", subject: "mallory@x.example"),
        ]
        let members = [
            // Signed in without an email.
            PreassignedRooms.Person(id: Fixture.id(1), email: nil, subject: "sub-ada"),
            // Not signed in.
            PreassignedRooms.Person(id: Fixture.id(2), email: "Bob@x.example", subject: nil),
            // Listed both ways, in two rooms: the subject wins.
            PreassignedRooms.Person(id: Fixture.id(3), email: "eve@x.example", subject: "sub-eve"),
            // Joined without signing in, with an email that is listed as someone's subject.
            PreassignedRooms.Person(id: Fixture.id(4), email: "mallory@x.example", subject: nil),
            // A subject the list does not name.
            PreassignedRooms.Person(id: Fixture.id(5), email: nil, subject: "sub-ada-2"),
        ]
        let plan = PreassignedRooms.plan(list: list, members: members, roomCount: 2)
        #expect(plan.roomNames == ["Group A", "Group B"])
        #expect(plan.assignments == [[Fixture.id(1)], [Fixture.id(2), Fixture.id(3)]])
    }

    @Test("property: every member goes to the room the list names for them (subject first), once; the list reads back as stored", arguments: 0..<25)
    func property(seed: Int) throws {
        var random = SeededGenerator(seed: UInt64(seed))
        let rooms = ["R1", "R2", "R3", "R4"]
        var list: [Preassignment] = []
        for n in 0..<Int.random(in: 0...30, using: &random) {
            let room = rooms.randomElement(using: &random)!
            list.append(Bool.random(using: &random)
                ? Preassignment(room: room, email: "p\(n)@x.example") : Preassignment(room: room, subject: "Sub-\(n)"))
        }
        var members: [PreassignedRooms.Person] = []
        for n in 0..<40 {
            members.append(.init(
                id: Fixture.id(n), email: Bool.random(using: &random) ? "P\(n)@x.example" : nil,
                subject: Bool.random(using: &random) ? "Sub-\(n)" : nil))
        }
        let plan = PreassignedRooms.plan(list: list, members: members, roomCount: 1)
        var placed: [UUID: String] = [:]
        for (index, ids) in plan.assignments.enumerated() {
            for id in ids { #expect(placed.updateValue(plan.roomNames[index], forKey: id) == nil, "placed twice") }
        }
        for member in members {
            let bySubject = list.first { $0.subject != nil && $0.subject == member.subject }?.room
            let byEmail = list.first { $0.email != nil && $0.email == member.email?.lowercased() }?.room
            #expect(placed[member.id] == (bySubject ?? byEmail), "member \(member)")
        }
        // What is stored (jsonb for group sets, the API's answers) reads back as the same list.
        #expect(try json(try JSONValueEncoder().encode(list)) == list)
    }

    @Test("Save these rooms: by the email a list can match, else by subject, else left out")
    func savedMember() {
        #expect(GroupSet.member(matchableEmail: "Ada@X.example", subject: "sub") == .email("ada@x.example"))
        #expect(GroupSet.member(matchableEmail: nil, subject: "sub") == .subject("sub"))
        #expect(GroupSet.member(matchableEmail: nil, subject: nil) == nil)
        #expect(GroupSet.member(matchableEmail: nil, subject: String(repeating: "x", count: 256)) == nil,
                "a subject no list could hold is left out rather than saved")
    }
}
