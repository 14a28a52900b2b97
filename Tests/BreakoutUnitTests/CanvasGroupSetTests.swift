import BreakoutDomain
import Foundation
import Testing

/// Reading Canvas group-set exports: `group_name` is the room, `login_id` the email (completed
/// with the campus mail domain), students in no group reported, every bad line named.
@Suite("Canvas group-set exports")
struct CanvasGroupSetTests {
    /// Shaped like Canvas's "Export Groups to CSV": a byte order mark, CRLF, names with commas in
    /// quotes, one student in no group, logins with and without a domain.
    static let export = "\u{FEFF}name,canvas_user_id,user_id,login_id,sections,group_name,canvas_group_id,group_id\r\n"
        + "\"Nordmann, Kari\",101,SIS101,karinor,IN1000 H25,Gruppe 1,501,\r\n"
        + "\"Hansen, Ola\",102,SIS102,olah,\"IN1000 H25, IN1010 H25\",Gruppe 1,501,\r\n"
        + "\"Berg, Per\",103,SIS103,Per.Berg@Student.Example,IN1000 H25,\"Gruppe 2, tirsdag\",502,\r\n"
        + "\"Li, Mei\",104,SIS104,meili,IN1000 H25,,,\r\n"

    func read(_ text: String, domain: String? = "uio.no", maxRooms: Int = 100) throws(DomainError) -> PreassignmentUpload {
        try PreassignmentList.readCSV(Array(text.utf8), maxRooms: maxRooms, loginDomain: domain)
    }

    @Test("A real-shaped export: groups become rooms, logins emails, the student in no group is unassigned")
    func export() throws {
        let upload = try read(Self.export)
        #expect(upload.format == .canvasCSV)
        #expect(upload.list == [
            Preassignment(room: "Gruppe 1", email: "karinor@uio.no"),
            Preassignment(room: "Gruppe 1", email: "olah@uio.no"),
            Preassignment(room: "Gruppe 2, tirsdag", email: "per.berg@student.example"),
        ])
        #expect(upload.unassigned == [.init(line: 5, name: "Li, Mei", login: "meili")])
    }

    @Test("LF line ends, no byte order mark, columns in another order and in other case are read the same")
    func lfAndColumnOrder() throws {
        let text = "Group_Name , LOGIN_ID,name\nA,kari@uio.no,\"Nordmann, Kari\"\n\nB,ola,Ola\n"
        let upload = try read(text)
        #expect(upload.list == [Preassignment(room: "A", email: "kari@uio.no"), Preassignment(room: "B", email: "ola@uio.no")])
        #expect(upload.unassigned.isEmpty)
    }

    @Test("Without a campus mail domain, logins without one are errors naming their lines, not guesses")
    func noDomain() {
        let found = Fixture.violations { try read(Self.export, domain: nil) }
        #expect(found.map(\.field) == ["line 2", "line 3"])
        #expect(found[0].message.contains("karinor"))
        #expect(found[0].message.contains("BREAKOUT_LOGIN_DOMAIN"))
    }

    @Test("Logins that hold an @ need no domain")
    func fullLoginsWithoutDomain() throws {
        let text = "name,login_id,group_name\nKari,kari@uio.no,G1\nOla,,\n"
        let upload = try read(text, domain: nil)
        #expect(upload.list == [Preassignment(room: "G1", email: "kari@uio.no")])
        #expect(upload.unassigned == [.init(line: 3, name: "Ola", login: nil)])
    }

    @Test("Recognised with user_id or canvas_user_id only, but without login_id there is nothing to match: one error on line 1")
    func noLoginColumn() {
        let found = Fixture.violations { try read("name,canvas_user_id,user_id,group_name\nKari,1,S1,G1\n") }
        #expect(found.count == 1)
        #expect(found.first?.field == "line 1")
        #expect(found.first?.message.contains("login_id") == true)
    }

    @Test("A header with neither Zoom's nor Canvas's columns names both")
    func unknownHeader() {
        let found = Fixture.violations { try read("name,group_name\nKari,G1\n") }
        #expect(found.first?.field == "line 1")
        #expect(found.first?.message.contains("Pre-assign Room Name,Email Address") == true)
        #expect(found.first?.message.contains("group_name") == true)
    }

    @Test("Every bad line is named: empty login in a group, malformed login, long group name, the same person twice")
    func everyBadLine() {
        let long = String(repeating: "g", count: 65)
        let text = "name,login_id,group_name\nA,,G1\nB,a b@uio.no,G1\nC,c,\(long)\nD,d,G2\nE,D@uio.no,G2\n"
        let found = Fixture.violations { try read(text) }
        #expect(found.map(\.field) == ["line 2", "line 3", "line 4", "line 6"])
        #expect(found[0].message.contains("login_id is empty"))
        #expect(found[3].message.contains("already listed (line 5)"))
    }

    @Test("A line that is not UTF-8 is named, even in no group")
    func brokenUTF8() {
        var bytes = Array("name,login_id,group_name\nKari,kari,G1\n".utf8)
        bytes += [0x4F, 0x6C, 0xE5, 0x2C, 0x6F, 0x6C, 0x61, 0x2C, 0x0A]  // "Ol\xE5,ola," in Latin-1
        do {
            _ = try PreassignmentList.readCSV(bytes, maxRooms: 100, loginDomain: "uio.no")
            Issue.record("expected a refusal")
        } catch {
            #expect(error.violations.map(\.field) == ["line 3"])
            #expect(error.violations.first?.message.contains("UTF-8") == true)
        }
    }

    @Test("At most 1000 rows, counting students in no group; at most as many groups as a breakout has rooms")
    func limits() {
        let rows = (0..<1001).map { "S\($0),s\($0),\($0 % 2 == 0 ? "G" : "")" }.joined(separator: "\n")
        #expect(Fixture.violations { try read("name,login_id,group_name\n" + rows) }.first?.field == "body")
        let groups = "name,login_id,group_name\nA,a,G1\nB,b,G2\nC,c,G3\n"
        #expect(Fixture.violations { try read(groups, maxRooms: 2) }.first?.field == "body")
    }

    @Test("Zoom's template still reads as before, with nothing unassigned")
    func zoomStillWorks() throws {
        let upload = try read("Pre-assign Room Name,Email Address\nRoom 1,a@uni.example\n", domain: nil)
        #expect(upload.format == .zoomCSV)
        #expect(upload.list == [Preassignment(room: "Room 1", email: "a@uni.example")])
    }

    @Test("The campus mail domain is normalised; what cannot make an email is refused")
    func domains() {
        #expect(CanvasGroupSet.normalizedDomain(" @UiO.no ") == "uio.no")
        #expect(CanvasGroupSet.normalizedDomain("uio.no") == "uio.no")
        #expect(CanvasGroupSet.normalizedDomain("") == nil)
        #expect(CanvasGroupSet.normalizedDomain("a@b.no") == nil)
        #expect(CanvasGroupSet.normalizedDomain("uio no") == nil)
    }
}
