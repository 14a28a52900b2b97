/// What an upload of a pre-assignment list yields: the list to store, the format it was read as,
/// and the rows it names that go to no room (students in no group of a Canvas group set).
public struct PreassignmentUpload: Sendable, Equatable {
    public enum Format: String, Sendable, Equatable {
        /// Zoom's template, `Pre-assign Room Name,Email Address`.
        case zoomCSV = "zoom_csv"
        /// A Canvas group-set export (`group_name`, `login_id`, …).
        case canvasCSV = "canvas_csv"
        /// `[{room, email}]`.
        case json
    }

    /// A row that names a person but no room: kept out of the list and reported, not refused.
    public struct Unassigned: Sendable, Equatable {
        /// The line of the file (the header is line 1).
        public var line: Int
        /// The person's name, when the file has one (Canvas's `name` column).
        public var name: String?
        /// The login as the file has it (`login_id`, else `user_id` or `canvas_user_id`).
        public var login: String?

        public init(line: Int, name: String?, login: String?) {
            self.line = line
            self.name = name
            self.login = login
        }
    }

    public var format: Format
    public var list: [Preassignment]
    public var unassigned: [Unassigned]

    public init(format: Format, list: [Preassignment], unassigned: [Unassigned]) {
        self.format = format
        self.list = list
        self.unassigned = unassigned
    }
}
