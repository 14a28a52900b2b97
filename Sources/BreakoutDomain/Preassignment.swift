internal import CSV
import Foundation

/// One entry of a meeting's pre-assignment list: the person with this email goes to the room
/// with this name when rooms are created in `preassigned` mode (or when they join late).
public struct Preassignment: Sendable, Equatable, Codable {
    /// The room's name, trimmed (1–64 characters).
    public var room: String
    /// The email, trimmed and lower-cased: matched case-insensitively.
    public var email: String

    public init(room: String, email: String) {
        self.room = room
        self.email = email
    }
}

/// Reading a pre-assignment list as the host uploads it: Zoom's CSV template or JSON.
///
/// All or nothing: every bad entry is named (`line 3` of a CSV, `[2].email` of JSON) in one
/// `validation_failed`, and nothing is kept unless every entry is good.
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
        /// Problems found while reading (broken UTF-8, extra columns).
        var problems: [String] = []
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
            var entry = Entry(roomField: label, emailField: label, wholeField: label, room: row.fields[0],
                              email: row.fields.count > 1 ? row.fields[1] : nil)
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

    /// Reads `[{room, email}]`.
    public static func parseJSON(_ value: JSONValue, maxRooms: Int) throws(DomainError) -> [Preassignment] {
        guard case .array(let items) = value else {
            throw DomainError.invalid("body", "must be a JSON array of {room, email}")
        }
        var entries: [Entry] = []
        var violations: [DomainError.Violation] = []
        for (index, item) in items.enumerated() {
            let path = "[\(index)]"
            guard case .object(let fields) = item else {
                violations.append(.init(field: path, message: "must be an object {room, email}"))
                continue
            }
            var entry = Entry(roomField: "\(path).room", emailField: "\(path).email", wholeField: path)
            for (key, field) in fields.sorted(by: { $0.key < $1.key }) {
                switch (key, field) {
                case ("room", .string(let s)): entry.room = s
                case ("email", .string(let s)): entry.email = s
                case ("room", .null), ("email", .null): break
                case ("room", _), ("email", _): violations.append(.init(field: "\(path).\(key)", message: "must be a string"))
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

    /// Every entry's room and email, each problem named; the list when there is none.
    static func validate(_ entries: [Entry], maxRooms: Int) throws(DomainError) -> [Preassignment] {
        guard entries.count <= maxRows else {
            throw DomainError.invalid("body", "a list holds at most \(maxRows) rows; this one has \(entries.count)")
        }
        var violations: [DomainError.Violation] = []
        var list: [Preassignment] = []
        var firstSeen: [String: String] = [:]
        for entry in entries {
            var ok = entry.problems.isEmpty
            for problem in entry.problems { violations.append(.init(field: entry.wholeField, message: problem)) }
            let room = (entry.room ?? "").trimmingWhitespace()
            let email = (entry.email ?? "").trimmingWhitespace()
            if entry.problems.isEmpty {
                if let problem = roomProblem(room) {
                    violations.append(.init(field: entry.roomField, message: problem))
                    ok = false
                }
                if email.isEmpty {
                    violations.append(.init(field: entry.emailField, message: "the email address is missing"))
                    ok = false
                } else if (try? InputValidation.email(email)) == nil {
                    violations.append(.init(field: entry.emailField, message: "\"\(email)\" is not an email address"))
                    ok = false
                }
            }
            guard ok else { continue }
            let lowered = email.lowercased()
            if let earlier = firstSeen[lowered] {
                violations.append(.init(field: entry.emailField, message: "\(lowered) is already listed (\(earlier))"))
                continue
            }
            firstSeen[lowered] = entry.wholeField
            list.append(Preassignment(room: room, email: lowered))
        }
        if !violations.isEmpty { throw failure(violations) }
        let rooms = PreassignedRooms.distinctRooms(list).count
        if rooms > maxRooms {
            throw DomainError.invalid("body", "the list names \(rooms) rooms; a breakout holds at most \(maxRooms)")
        }
        return list
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
