import BreakoutDomain
import Foundation
import Testing

/// Reading pre-assignment lists: Zoom's CSV template and JSON, all or nothing, every bad line named.
@Suite("Pre-assignment lists")
struct PreassignmentListTests {
    func csv(_ text: String, maxRooms: Int = 100) throws(DomainError) -> [Preassignment] {
        try PreassignmentList.parseCSV(Array(text.utf8), maxRooms: maxRooms)
    }

    @Test("Zoom's template: rooms trimmed, emails trimmed and lower-cased, in order")
    func template() throws {
        let list = try csv("Pre-assign Room Name,Email Address\nGroup A,Ada@Uni.example\n Group B , grace@uni.example \n")
        #expect(list == [Preassignment(room: "Group A", email: "ada@uni.example"), Preassignment(room: "Group B", email: "grace@uni.example")])
    }

    @Test("A byte order mark, CRLF line ends and quoted fields (commas, quotes) are read")
    func bomCrlfQuotes() throws {
        let text = "\u{FEFF}Pre-assign Room Name,Email Address\r\n\"Group, \"\"quiet\"\" one\",a@uni.example\r\nGroup B,\"b@uni.example\"\r\n"
        let list = try csv(text)
        #expect(list.map(\.room) == ["Group, \"quiet\" one", "Group B"])
        #expect(list.map(\.email) == ["a@uni.example", "b@uni.example"])
    }

    @Test("Formulas are defused in a file for spreadsheets, and such a file reads back as it was")
    func spreadsheetFormulas() throws {
        for value in ["=HYPERLINK(\"http://evil.example\")", "+1", "-2", "@SUM(A1)", "\tTab", "\rReturn"] {
            #expect(SpreadsheetText.defused(value) == "'" + value)
            #expect(SpreadsheetText.readBack(SpreadsheetText.defused(value)) == value)
        }
        for plain in ["Group A", "'quoted by its author", "", "a=b"] {
            #expect(SpreadsheetText.defused(plain) == plain)
            #expect(SpreadsheetText.readBack(plain) == plain)
        }
        // The web app's download of a list with a room named "=1+2" (its csvField writes the same).
        let list = try csv("Pre-assign Room Name,Email Address\r\n'=1+2,ada@uni.example\r\n'-Room,grace@uni.example\r\n")
        #expect(list.map(\.room) == ["=1+2", "-Room"])
    }

    @Test("The header is matched without regard to case or surrounding spaces; blank lines are skipped")
    func lenientHeaderAndBlankLines() throws {
        let list = try csv("pre-assign room name , EMAIL ADDRESS\n\nRoom 1,a@uni.example\n,\n\n")
        #expect(list.count == 1)
    }

    @Test("A wrong header is refused, naming the header")
    func wrongHeader() {
        let violations = Fixture.violations { try csv("Room,Email\nGroup A,a@uni.example\n") }
        #expect(violations.count == 1)
        #expect(violations.first?.field == "line 1")
        #expect(violations.first?.message.contains("Pre-assign Room Name,Email Address") == true)
        #expect(violations.first?.message.contains("Room,Email") == true)
    }

    @Test("An empty file is refused as a missing header")
    func emptyFile() {
        #expect(Fixture.violations { try csv("") }.first?.field == "line 1")
        #expect(Fixture.violations { try csv("\u{FEFF}") }.first?.field == "line 1")
    }

    @Test("Every bad line is named by its number: missing and malformed email, empty and long room, duplicate")
    func everyBadLine() {
        let long = String(repeating: "x", count: 65)
        let text = """
        Pre-assign Room Name,Email Address
        Group A,ada@uni.example
        Group A,
        Group B,not-an-email
        ,grace@uni.example
        \(long),alan@uni.example
        Group C,ADA@uni.example
        Group C,ok@uni.example

        """
        let violations = Fixture.violations { try csv(text) }
        #expect(violations.map(\.field) == ["line 3", "line 4", "line 5", "line 6", "line 7"])
        #expect(violations[0].message.contains("missing"))
        #expect(violations[1].message.contains("not an email"))
        #expect(violations[2].message.contains("empty"))
        #expect(violations[3].message.contains("64"))
        #expect(violations[4].message.contains("already listed (line 2)"))
    }

    @Test("Line numbers count blank lines and line breaks inside quoted fields")
    func lineNumbers() {
        let text = "Pre-assign Room Name,Email Address\r\n\r\n\"Two\r\nlines\",a@uni.example\r\nRoom,\r\n"
        let violations = Fixture.violations { try csv(text) }
        // Line 3 starts the quoted room name with a line break (refused); line 5 has no email.
        #expect(violations.map(\.field) == ["line 3", "line 5"])
    }

    @Test("Broken UTF-8 is named by line, and the other lines are still checked")
    func brokenUTF8() {
        var bytes = Array("Pre-assign Room Name,Email Address\nGroup A,a@uni.example\nGr".utf8)
        bytes += [0xC3, 0x28]  // an invalid two-byte sequence
        bytes += Array("up,b@uni.example\nGroup C,\n".utf8)
        let violations = Fixture.violations { try PreassignmentList.parseCSV(bytes, maxRooms: 100) }
        #expect(violations.map(\.field) == ["line 3", "line 4"])
        #expect(violations[0].message.contains("UTF-8"))
    }

    @Test("Extra non-empty columns are refused; empty trailing columns (from spreadsheets) are not")
    func extraColumns() throws {
        #expect(try csv("Pre-assign Room Name,Email Address,,\nA,a@uni.example,,\n").count == 1)
        #expect(Fixture.violations { try csv("Pre-assign Room Name,Email Address\nA,a@uni.example,extra\n") }.first?.field == "line 2")
    }

    @Test("At most 1000 rows")
    func tooManyRows() throws {
        let rows = (1...1000).map { "Room \($0 % 10),p\($0)@uni.example" }
        #expect(try csv("Pre-assign Room Name,Email Address\n" + rows.joined(separator: "\n")).count == 1000)
        let violations = Fixture.violations { try csv("Pre-assign Room Name,Email Address\n" + (rows + ["Room 1,x@uni.example"]).joined(separator: "\n")) }
        #expect(violations.first?.message.contains("1000") == true)
    }

    @Test("A list naming more rooms than a breakout may have is refused")
    func tooManyRooms() {
        let violations = Fixture.violations { try csv("Pre-assign Room Name,Email Address\nA,a@x.example\nB,b@x.example\nC,c@x.example\n", maxRooms: 2) }
        #expect(violations.first?.message.contains("3 rooms") == true)
    }

    @Test("JSON [{room, email}]: the same checks, errors named by path")
    func json() throws {
        let good: JSONValue = [["room": "A", "email": "A@x.example"], ["room": "B", "email": "b@x.example"]]
        #expect(try PreassignmentList.parseJSON(good, maxRooms: 100) == [
            Preassignment(room: "A", email: "a@x.example"), Preassignment(room: "B", email: "b@x.example"),
        ])
        let bad: JSONValue = [["room": "A"], ["room": "", "email": "b@x.example"], ["room": "C", "email": "c@x.example", "colour": "red"], "x"]
        let violations = Fixture.violations { try PreassignmentList.parseJSON(bad, maxRooms: 100) }
        #expect(Set(violations.map(\.field)) == ["[0].email", "[1].room", "[2].colour", "[3]"])
        #expect(Fixture.violations { try PreassignmentList.parseJSON(["room": "A"], maxRooms: 100) }.first?.field == "body")
        #expect(try PreassignmentList.parseJSON([], maxRooms: 100).isEmpty)
    }
}

/// Rule 1 in `preassigned` mode and late joiners with a pre-assigned room.
@Suite("Preassigned rooms")
struct PreassignedRoomsTests {
    let list = [
        Preassignment(room: "Group B", email: "b1@x.example"),
        Preassignment(room: "Group A", email: "a1@x.example"),
        Preassignment(room: "Group B", email: "b2@x.example"),
    ]

    @Test("One room per distinct name in first-seen order, then Breakout room N up to roomCount; matching members assigned")
    func plan() throws {
        let members = [PreassignedRooms.Person(id: Fixture.id(1), email: "a1@x.example", subject: nil),
                       PreassignedRooms.Person(id: Fixture.id(2), email: "B2@x.example", subject: nil),
                       PreassignedRooms.Person(id: Fixture.id(3), email: "nobody@x.example", subject: nil)]
        let plan = try BreakoutRules.create(
            actor: .host, breakoutRoomsEnabled: true, current: .none, roomCount: 4, mode: .preassigned, options: .init(),
            participants: [], limits: .init(), preassignments: list, members: members)
        #expect(plan.roomNames == ["Group B", "Group A", "Breakout room 3", "Breakout room 4"])
        #expect(plan.assignments == [[Fixture.id(2)], [Fixture.id(1)], [], []])
        #expect(plan.options.assignLateJoiners)
    }

    @Test("roomCount below the number of listed rooms keeps every listed room")
    func fewerRoomsThanNames() throws {
        let plan = PreassignedRooms.plan(list: list, members: [], roomCount: 1)
        #expect(plan.roomNames == ["Group B", "Group A"])
    }

    @Test("A filler name already used by the list is skipped")
    func fillerNamesAreUnique() {
        let plan = PreassignedRooms.plan(list: [Preassignment(room: "Breakout room 2", email: "a@x.example")], members: [], roomCount: 3)
        #expect(plan.roomNames == ["Breakout room 2", "Breakout room 3", "Breakout room 4"])
    }

    @Test("Without a list the mode is unavailable (422 mode_unavailable)")
    func noList() {
        #expect(throws: DomainError.modeUnavailable) {
            try BreakoutRules.create(
                actor: .host, breakoutRoomsEnabled: true, current: .none, roomCount: 2, mode: .preassigned, options: .init(),
                participants: [], limits: .init())
        }
    }

    @Test("More rooms than allowed is refused naming roomCount")
    func tooManyRooms() {
        let error = #expect(throws: DomainError.self) {
            try BreakoutRules.create(
                actor: .host, breakoutRoomsEnabled: true, current: .none, roomCount: 1, mode: .preassigned, options: .init(),
                participants: [], limits: Limits(maxRooms: 1), preassignments: list)
        }
        #expect(error?.violations.first?.field == "roomCount")
    }

    @Test("A late joiner goes to their pre-assigned room rather than the least populated one")
    func lateJoiner() {
        let breakout = Fixture.breakout(.open, mode: .preassigned)
        let rooms = [(id: Fixture.roomA, assigned: 0), (id: Fixture.roomB, assigned: 5)]
        let placed = BreakoutRules.lateJoiner(role: .participant, breakout: breakout, rooms: rooms, preassignedRoom: Fixture.roomB)
        #expect(placed?.room == Fixture.roomB)
        #expect(placed?.effect == .move(to: Fixture.roomB))
        #expect(BreakoutRules.lateJoiner(role: .participant, breakout: breakout, rooms: rooms)?.room == Fixture.roomA)
        let off = Fixture.breakout(.open, mode: .preassigned) { $0.assignLateJoiners = false }
        #expect(BreakoutRules.lateJoiner(role: .participant, breakout: off, rooms: rooms, preassignedRoom: Fixture.roomB) == nil)
    }
}
