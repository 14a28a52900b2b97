/// Reading the CSV that Canvas exports for a group set ("Export Groups to CSV"), one row per
/// student of the course:
///
///     name,canvas_user_id,user_id,login_id,sections,group_name,canvas_group_id,group_id
///     "Nordmann, Kari",1234,SIS123,karinor,IN1000,Gruppe 1,77,
///
/// Recognised by its header: `group_name` and at least one of `login_id`, `user_id`,
/// `canvas_user_id` (column names compared without regard to case or surrounding spaces; every
/// other column is ignored). `group_name` is the room. `login_id` is matched to members' emails:
/// as it is when it holds an `@`, else with the campus mail domain appended. A row with an empty
/// `group_name` is a student in no group: reported as unassigned, not refused.
public struct CanvasGroupSet {
    static let groupColumn = "group_name"
    static let loginColumn = "login_id"
    /// The columns that identify a person in Canvas's exports; any one of them with `group_name`
    /// makes a header Canvas's.
    static let personColumns = ["login_id", "user_id", "canvas_user_id"]

    let group: Int
    let login: Int?
    /// The column shown for an unassigned row when there is no `login_id`.
    let otherId: Int?
    let name: Int?

    /// The columns of a Canvas header; nil when the header is not Canvas's.
    init?(header: [String]) {
        let names = header.map { $0.trimmingWhitespace().lowercased() }
        func column(_ name: String) -> Int? { names.firstIndex(of: name) }
        guard let group = column(Self.groupColumn), Self.personColumns.contains(where: { column($0) != nil }) else { return nil }
        self.group = group
        self.login = column(Self.loginColumn)
        self.otherId = column("user_id") ?? column("canvas_user_id")
        self.name = column("name")
    }

    /// The rows as a list, every problem named by its line.
    func read(
        _ rows: [PreassignmentList.Row], maxRooms: Int, loginDomain: String?
    ) throws(DomainError) -> PreassignmentUpload {
        guard rows.count <= PreassignmentList.maxRows else {
            throw DomainError.invalid("body", "a list holds at most \(PreassignmentList.maxRows) rows; this one has \(rows.count)")
        }
        guard let login else {
            let message = "this Canvas export has no login_id column, which is what is matched to participants' emails; export the group set again with login ids"
            throw DomainError.invalid([.init(field: "line 1", message: message)], detail: "Line 1: \(message).")
        }
        var entries: [PreassignmentList.Entry] = []
        var unassigned: [PreassignmentUpload.Unassigned] = []
        for row in rows {
            func field(_ index: Int?) -> String? {
                guard let index, index < row.fields.count else { return nil }
                let value = row.fields[index].trimmingWhitespace()
                return value.isEmpty ? nil : value
            }
            let label = "line \(row.line)"
            let room = field(group)
            let loginValue = field(login)
            if room == nil && !row.brokenUTF8 {
                unassigned.append(.init(line: row.line, name: field(name), login: loginValue ?? field(otherId)))
                continue
            }
            var entry = PreassignmentList.Entry(roomField: label, emailField: label, wholeField: label, room: room, email: nil)
            if row.brokenUTF8 { entry.problems.append(PreassignmentList.brokenUTF8Problem) }
            switch loginValue {
            case nil:
                entry.problems.append("the login_id is empty\(field(name).map { " (\($0))" } ?? ""); it is what is matched to an email")
            case let value? where value.contains("@"):
                entry.email = value
            case let value?:
                if let loginDomain {
                    entry.email = "\(value)@\(loginDomain)"
                } else {
                    entry.problems.append(
                        "the login \"\(value)\" has no mail domain, and the server has no campus mail domain set (BREAKOUT_LOGIN_DOMAIN) to complete it")
                }
            }
            entries.append(entry)
        }
        let list = try PreassignmentList.validate(entries, maxRooms: maxRooms)
        return PreassignmentUpload(format: .canvasCSV, list: list, unassigned: unassigned)
    }

    /// A campus mail domain as configured (`uio.no`, `@uio.no`): lower-cased, without the `@`;
    /// nil when it cannot complete a login to an email address.
    public static func normalizedDomain(_ domain: String) -> String? {
        var value = domain.trimmingWhitespace().lowercased()
        if value.hasPrefix("@") { value.removeFirst() }
        guard !value.isEmpty, !value.contains("@"), (try? InputValidation.email("login@\(value)")) != nil else { return nil }
        return value
    }
}
