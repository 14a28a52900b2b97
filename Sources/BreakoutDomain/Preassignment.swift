internal import CSV
import Foundation

/// One entry of a meeting's pre-assignment list (or of a course's group set): the person it names
/// goes to the room with this name when rooms are created in `preassigned` mode (or when they join
/// late).
///
/// A person is named by exactly one of an email or the campus provider's `subject`: the subject
/// reaches people whose provider gives no email, or whose email changes, and is matched only to a
/// participant who signed in with it. In JSON an entry is `{room, email}` or `{room, subject}`,
/// the other key left out, so lists and group sets stored before subjects existed read as before.
public struct Preassignment: Sendable, Equatable, Codable {
    /// Who an entry names.
    public enum Member: Sendable, Hashable {
        /// Trimmed and lower-cased: matched case-insensitively, to a signed-in person's email only
        /// when their provider verified it.
        case email(String)
        /// The provider's `sub` claim, trimmed, otherwise as the provider gives it (it is
        /// case-sensitive): matched to the person who signed in with it.
        case subject(String)
    }

    /// The room's name, trimmed (1–64 characters).
    public var room: String
    public var member: Member

    public init(room: String, member: Member) {
        self.room = room
        self.member = member
    }

    public init(room: String, email: String) { self.init(room: room, member: .email(email)) }
    public init(room: String, subject: String) { self.init(room: room, member: .subject(subject)) }

    /// The email the entry names, if it names one.
    public var email: String? {
        if case .email(let email) = member { email } else { nil }
    }

    /// The subject the entry names, if it names one.
    public var subject: String? {
        if case .subject(let subject) = member { subject } else { nil }
    }

    enum CodingKeys: String, CodingKey { case room, email, subject }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        room = try container.decode(String.self, forKey: .room)
        switch (try container.decodeIfPresent(String.self, forKey: .email),
                try container.decodeIfPresent(String.self, forKey: .subject)) {
        case (let email?, nil): member = .email(email)
        case (nil, let subject?): member = .subject(subject)
        default:
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath, debugDescription: "an entry names exactly one of email and subject"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(room, forKey: .room)
        switch member {
        case .email(let email): try container.encode(email, forKey: .email)
        case .subject(let subject): try container.encode(subject, forKey: .subject)
        }
    }
}

extension Preassignment.Member {
    var isSubject: Bool {
        if case .subject = self { true } else { false }
    }

    /// As error messages name it.
    var text: String {
        switch self {
        case .email(let email): email
        case .subject(let subject): "subject \"\(subject)\""
        }
    }
}

/// Reading a pre-assignment list as the host uploads it: Zoom's CSV template or JSON.
///
/// All or nothing: every bad entry is named (`line 3` of a CSV, `[2].email` of JSON) in one
/// `validation_failed`, and nothing is kept unless every entry is good. Only JSON may name people
/// by subject: Zoom's template and Canvas's export have an email (or login) column and nothing
/// else, so their rows stay emails.
public enum PreassignmentList {
    /// The most entries a list may have.
    public static let maxRows = 1000
    /// The header of Zoom's template, the first line of every CSV.
    public static let csvHeader = ["Pre-assign Room Name", "Email Address"]

    /// One entry before validation: its raw fields and where it came from.
    struct Entry {
        /// How errors name the entry's room field, its email field, and the entry as a whole.
        var roomField: String
        var emailField: String
        var wholeField: String
        var room: String?
        var email: String?
        /// How errors name the subject field; nil where the format has none (CSV).
        var subjectField: String?
        var subject: String?
        /// Problems found while reading (broken UTF-8, extra columns).
        var problems: [String] = []
        /// Already refused while reading, field by field (a JSON field of the wrong type): not
        /// checked again, so that it is not also reported missing.
        var refused = false
    }

    // MARK: CSV

    /// Reads an uploaded CSV file, Zoom's template or a Canvas group-set export, and answers the
    /// list only (see `readCSV` for the rows left unassigned).
    public static func parseCSV(
        _ bytes: some Collection<UInt8>, maxRooms: Int, loginDomain: String? = nil
    ) throws(DomainError) -> [Preassignment] {
        try readCSV(bytes, maxRooms: maxRooms, loginDomain: loginDomain).list
    }

    /// Reads an uploaded CSV file, recognised by its header: Zoom's template
    /// (`Pre-assign Room Name,Email Address`) or a Canvas group-set export (`group_name` and a
    /// login column, see `CanvasGroupSet`). UTF-8 with or without a byte order mark, CRLF or LF
    /// line ends, quoted fields (with `""` for a quote, and line breaks inside quotes). Blank lines
    /// are skipped. Lines are numbered as a text editor shows them, the header being line 1.
    ///
    /// `loginDomain` is the campus mail domain added to Canvas logins without one (`uio.no`);
    /// without it such rows are errors.
    public static func readCSV(
        _ bytes: some Collection<UInt8>, maxRooms: Int, loginDomain: String? = nil
    ) throws(DomainError) -> PreassignmentUpload {
        let (text, brokenLines) = decodeLines(Array(bytes))
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: false)
        } catch {
            throw headerError(found: nil)
        }
        guard let header = reader.next(), !isBlank(header) else { throw headerError(found: nil) }
        let headerFields = header.map { $0.trimmingWhitespace() }
        var rows: [Row] = []
        var line = 1 + lineBreaks(in: header) + 1
        while let fields = reader.next() {
            let first = line
            line += 1 + lineBreaks(in: fields)
            if isBlank(fields) { continue }
            rows.append(Row(line: first, fields: fields, brokenUTF8: (first..<line).contains(where: brokenLines.contains)))
        }
        if let canvas = CanvasGroupSet(header: headerFields) {
            return try canvas.read(rows, maxRooms: maxRooms, loginDomain: loginDomain)
        }
        guard headerFields.count >= 2,
              zip(headerFields, csvHeader).allSatisfy({ $0.caseInsensitiveCompare($1) == .orderedSame }),
              headerFields.dropFirst(2).allSatisfy(\.isEmpty)
        else { throw headerError(found: header.joined(separator: ",")) }

        var entries: [Entry] = []
        for row in rows {
            let label = "line \(row.line)"
            // The download of the web app defuses formulas (SpreadsheetText): its file reads back as it was.
            var entry = Entry(roomField: label, emailField: label, wholeField: label, room: SpreadsheetText.readBack(row.fields[0]),
                              email: row.fields.count > 1 ? SpreadsheetText.readBack(row.fields[1]) : nil)
            if row.brokenUTF8 { entry.problems.append(brokenUTF8Problem) }
            let extra = row.fields.dropFirst(2).filter { !$0.trimmingWhitespace().isEmpty }
            if !extra.isEmpty {
                entry.problems.append("has \(2 + extra.count) columns; the template has two (room name, email address)")
            }
            entries.append(entry)
        }
        return PreassignmentUpload(format: .zoomCSV, list: try validate(entries, maxRooms: maxRooms), unassigned: [])
    }

    /// One non-blank data line of a CSV file: where it starts and its fields.
    struct Row {
        var line: Int
        var fields: [String]
        var brokenUTF8: Bool
    }

    static let brokenUTF8Problem = "is not valid UTF-8 (save the file as \"CSV UTF-8\")"

    /// The bytes as text, without a byte order mark, and the (1-based) lines that were not valid
    /// UTF-8; their bad bytes become U+FFFD so the rest of the file can still be read and checked.
    static func decodeLines(_ bytes: [UInt8]) -> (text: String, brokenLines: Set<Int>) {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        var text = ""
        text.reserveCapacity(body.count)
        var broken = Set<Int>()
        for (index, line) in body.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            if index > 0 { text += "\n" }
            if let valid = String(validating: line, as: UTF8.self) {
                text += valid
            } else {
                broken.insert(index + 1)
                text += String(decoding: line, as: UTF8.self)
            }
        }
        return (text, broken)
    }

    static func lineBreaks(in row: [String]) -> Int {
        row.reduce(0) { count, field in count + field.reduce(0) { $0 + ($1.isNewline ? 1 : 0) } }
    }

    static func isBlank(_ row: [String]) -> Bool { row.allSatisfy { $0.trimmingWhitespace().isEmpty } }

    static func headerError(found: String?) -> DomainError {
        let expected = csvHeader.joined(separator: ",")
        let message = found.map {
            "the header must be \"\(expected)\" (Zoom's template) or a Canvas group export's (with group_name and login_id); found \"\($0)\""
        }
            ?? "the file is empty; its first line must be the header \"\(expected)\" (Zoom's template)"
        return DomainError.invalid([.init(field: "line 1", message: message)], detail: "Line 1: \(message).")
    }

    // MARK: JSON

    /// Reads `[{room, email} or {room, subject}]`.
    public static func parseJSON(_ value: JSONValue, maxRooms: Int) throws(DomainError) -> [Preassignment] {
        guard case .array(let items) = value else {
            throw DomainError.invalid("body", "must be a JSON array of {room, email} or {room, subject}")
        }
        var entries: [Entry] = []
        var violations: [DomainError.Violation] = []
        for (index, item) in items.enumerated() {
            let path = "[\(index)]"
            guard case .object(let fields) = item else {
                violations.append(.init(field: path, message: "must be an object {room, email} or {room, subject}"))
                continue
            }
            var entry = Entry(roomField: "\(path).room", emailField: "\(path).email", wholeField: path,
                              subjectField: "\(path).subject")
            for (key, field) in fields.sorted(by: { $0.key < $1.key }) {
                switch (key, field) {
                case ("room", .string(let s)): entry.room = s
                case ("email", .string(let s)): entry.email = s
                case ("subject", .string(let s)): entry.subject = s
                case ("room", .null), ("email", .null), ("subject", .null): break
                case ("room", _), ("email", _), ("subject", _):
                    violations.append(.init(field: "\(path).\(key)", message: "must be a string"))
                    entry.refused = true
                default: violations.append(.init(field: "\(path).\(key)", message: "is not a known field"))
                }
            }
            entries.append(entry)
        }
        let list: [Preassignment]
        do {
            list = try validate(entries, maxRooms: maxRooms)
        } catch {
            throw failure(violations + error.violations)
        }
        if !violations.isEmpty { throw failure(violations) }
        return list
    }

    // MARK: Checks

    /// Every entry's room and person, each problem named; the list when there is none.
    static func validate(_ entries: [Entry], maxRooms: Int) throws(DomainError) -> [Preassignment] {
        guard entries.count <= maxRows else {
            throw DomainError.invalid("body", "a list holds at most \(maxRows) rows; this one has \(entries.count)")
        }
        var violations: [DomainError.Violation] = []
        var list: [Preassignment] = []
        var firstSeen: [Preassignment.Member: String] = [:]
        for entry in entries {
            for problem in entry.problems { violations.append(.init(field: entry.wholeField, message: problem)) }
            guard entry.problems.isEmpty, !entry.refused else { continue }
            let room = (entry.room ?? "").trimmingWhitespace()
            let roomProblem = roomProblem(room)
            if let roomProblem { violations.append(.init(field: entry.roomField, message: roomProblem)) }
            guard let member = person(of: entry, violations: &violations), roomProblem == nil else { continue }
            let field = member.isSubject ? entry.subjectField ?? entry.wholeField : entry.emailField
            if let earlier = firstSeen[member] {
                violations.append(.init(field: field, message: "\(member.text) is already listed (\(earlier))"))
                continue
            }
            firstSeen[member] = entry.wholeField
            list.append(Preassignment(room: room, member: member))
        }
        if !violations.isEmpty { throw failure(violations) }
        let rooms = PreassignedRooms.distinctRooms(list).count
        if rooms > maxRooms {
            throw DomainError.invalid("body", "the list names \(rooms) rooms; a breakout holds at most \(maxRooms)")
        }
        return list
    }

    /// The person an entry names: its email, lower-cased, or its subject; exactly one of them.
    /// nil, with the problem added to `violations`, when it names nobody, both, or a bad one.
    static func person(of entry: Entry, violations: inout [DomainError.Violation]) -> Preassignment.Member? {
        let email = (entry.email ?? "").trimmingWhitespace()
        let subjectField = entry.subjectField ?? entry.wholeField
        switch (entry.email, entry.subject?.trimmingWhitespace()) {
        case (_?, _?):
            violations.append(.init(field: subjectField, message: "an entry names a person by email or by subject, not both"))
            return nil
        case (_, let subject?):
            if let problem = subjectProblem(subject) {
                violations.append(.init(field: subjectField, message: problem))
                return nil
            }
            return .subject(subject)
        case (_, nil) where email.isEmpty:
            let message = entry.subjectField == nil ? "the email address is missing" : "the email address (or a subject) is missing"
            violations.append(.init(field: entry.emailField, message: message))
            return nil
        case (_, nil):
            guard (try? InputValidation.email(email)) != nil else {
                violations.append(.init(field: entry.emailField, message: "\"\(email)\" is not an email address"))
                return nil
            }
            return .email(email.lowercased())
        }
    }

    /// The longest subject: OpenID Connect's `sub` is at most 255 ASCII characters.
    public static let maxSubjectLength = 255

    static func subjectProblem(_ subject: String) -> String? {
        if subject.isEmpty { return "the subject is empty" }
        // Counted as PostgreSQL's char_length counts (code points), so the table's CHECK agrees.
        if subject.unicodeScalars.count > maxSubjectLength { return "the subject is longer than \(maxSubjectLength) characters" }
        if subject.contains(where: { $0.isNewline || InputValidation.isControl($0) }) {
            return "the subject contains a line break or a control character"
        }
        return nil
    }

    static func roomProblem(_ room: String) -> String? {
        if room.isEmpty { return "the room name is empty" }
        if room.count > Limits.roomNameLength.upperBound {
            return "the room name is longer than \(Limits.roomNameLength.upperBound) characters"
        }
        if room.contains(where: { $0.isNewline || InputValidation.isControl($0) }) {
            return "the room name contains a line break or a control character"
        }
        return nil
    }

    static func failure(_ violations: [DomainError.Violation]) -> DomainError {
        let shown = violations.prefix(5).map { "\($0.field): \($0.message)" }.joined(separator: "; ")
        let more = violations.count > 5 ? "; and \(violations.count - 5) more" : ""
        let noun = violations.count == 1 ? "problem" : "problems"
        return DomainError.invalid(
            violations, detail: "Nothing was saved: the list has \(violations.count) \(noun) (\(shown)\(more)).")
    }
}
