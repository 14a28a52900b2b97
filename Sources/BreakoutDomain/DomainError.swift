/// A refusal by the rules: a stable, machine-readable `code`, a sentence for people, and the
/// offending inputs when there are any.
///
/// Every code the rules can give is a case of `Code`, here and nowhere else. Codes are part of the
/// HTTP contract: clients branch on them, so they never change meaning. What status each one is
/// answered with is the server's business (`Problem`), not the domain's.
public struct DomainError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The catalogue of refusals. The raw value is the `code` clients see.
    public enum Code: String, Sendable, CaseIterable {
        // Input
        case validationFailed = "validation_failed"
        case messageTooLong = "message_too_long"
        case modeUnavailable = "mode_unavailable"
        // Identity and permission
        case invalidToken = "invalid_token"
        case notAManager = "not_a_manager"
        case notTheHost = "not_the_host"
        case roomNotAllowed = "room_not_allowed"
        case muteLocked = "mute_locked"
        case signInRequired = "sign_in_required"
        case notAllowedToHost = "not_allowed_to_host"
        case notInvited = "not_invited"
        // What does not exist
        case meetingNotFound = "meeting_not_found"
        case participantNotFound = "participant_not_found"
        case roomNotFound = "room_not_found"
        case helpRequestNotFound = "help_request_not_found"
        case courseNotFound = "course_not_found"
        case groupSetNotFound = "group_set_not_found"
        case meetingEnded = "meeting_ended"
        // The meeting's state
        case breakoutDisabled = "breakout_disabled"
        case breakoutExists = "breakout_exists"
        case noBreakout = "no_breakout"
        case breakoutAlreadyOpen = "breakout_already_open"
        case breakoutNotOpen = "breakout_not_open"
        case breakoutOpen = "breakout_open"
        case breakoutClosing = "breakout_closing"
        case tooManyRooms = "too_many_rooms"
        case lastRoom = "last_room"
        case roomNameTaken = "room_name_taken"
        case returnNotAllowed = "return_not_allowed"
        case notInRoom = "not_in_room"
        case helpAlreadyRequested = "help_already_requested"
        case helpAlreadyTaken = "help_already_taken"
        case helpAlreadyResolved = "help_already_resolved"
        case notInSameRoom = "not_in_same_room"
        case hostCannotLeave = "host_cannot_leave"
        case cannotChangeHost = "cannot_change_host"
        case notInCourse = "meeting_not_in_course"
        case nothingToSave = "nothing_to_save"
        case meetingFull = "meeting_full"
    }

    /// One offending input: a field of a JSON body (`options.timerSeconds`) or a line of a CSV.
    public struct Violation: Sendable, Equatable, Codable {
        public var field: String
        public var message: String
        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    public var code: Code
    public var detail: String
    public var violations: [Violation]

    public init(_ code: Code, _ detail: String, violations: [Violation] = []) {
        self.code = code
        self.detail = detail
        self.violations = violations
    }

    public var description: String { "\(code.rawValue): \(detail)" }

    // MARK: Input

    public static func invalid(_ field: String, _ message: String) -> Self {
        invalid([.init(field: field, message: message)], detail: "\(field): \(message)")
    }

    /// One refusal naming every offending input.
    public static func invalid(_ violations: [Violation], detail: String? = nil) -> Self {
        .init(.validationFailed, detail ?? violations.map { "\($0.field) \($0.message)" }.joined(separator: "; "),
              violations: violations)
    }

    public static func messageTooLong(count: Int) -> Self {
        .init(.messageTooLong, "A broadcast holds at most 140 characters; this one has \(count).",
              violations: [.init(field: "message", message: "at most 140 characters")])
    }

    public static let modeUnavailable = Self(
        .modeUnavailable, "The preassigned mode needs a pre-assignment list; upload one first (PUT …/preassignments).",
        violations: [.init(field: "mode", message: "preassigned needs a pre-assignment list, and this meeting has none")])

    public static let keepUnavailable = Self(
        .modeUnavailable, "The keep mode repeats the previous breakout; this meeting has not opened breakout rooms yet.",
        violations: [.init(field: "mode", message: "keep needs an earlier breakout whose rooms were opened, and this meeting has none")])

    // MARK: Identity and permission

    public static let invalidToken = Self(.invalidToken, "The bearer token is not valid.")
    public static let forbiddenNotManager = Self(.notAManager, "Only the host or a co-host may do this.")
    public static let forbiddenNotHost = Self(.notTheHost, "Only the host may do this.")
    public static let roomNotAllowed = Self(
        .roomNotAllowed, "Participants may enter only their assigned room unless choosing rooms is allowed.")
    public static let cannotUnmuteSelf = Self(.muteLocked, "A mute set by the host can be lifted only by a host or co-host.")
    public static let signInRequired = Self(.signInRequired, "Sign in with your campus account first.")
    public static func notAllowedToHost(_ policy: HostPolicy) -> Self {
        Self(.notAllowedToHost, "Your account may join meetings but not host them. \(policy) Ask your campus IT service for hosting rights.")
    }
    public static let notInvited = Self(
        .notInvited, "This meeting is for invited people only: its host's list or its alternative hosts. Ask the host to add your email.")

    // MARK: What does not exist

    public static let meetingNotFound = Self(.meetingNotFound, "No such meeting.")
    public static let noMeetingWithCode = Self(.meetingNotFound, "No meeting has that code.")
    public static let participantNotFound = Self(.participantNotFound, "No such participant in this meeting.")
    public static let roomNotFound = Self(.roomNotFound, "No such room in this meeting.")
    public static let helpRequestNotFound = Self(.helpRequestNotFound, "No such help request in this meeting.")
    public static let courseNotFound = Self(.courseNotFound, "No such course among yours (its owner's and co-owners').")
    public static let groupSetNotFound = Self(.groupSetNotFound, "No group set (or version) of that name in this course.")
    public static let meetingEnded = Self(.meetingEnded, "The meeting has ended.")

    // MARK: The meeting's state

    public static let breakoutDisabled = Self(
        .breakoutDisabled, "Breakout rooms are switched off in this meeting's settings (breakoutRoomsEnabled is false).")
    public static let breakoutExists = Self(
        .breakoutExists, "This meeting already has breakout rooms; discard them before creating new ones.")
    public static let noBreakout = Self(.noBreakout, "This meeting has no breakout rooms yet.")
    public static let breakoutAlreadyOpen = Self(.breakoutAlreadyOpen, "The breakout rooms are already open.")
    public static let breakoutNotOpen = Self(.breakoutNotOpen, "The breakout rooms are not open.")
    public static let breakoutIsOpen = Self(.breakoutOpen, "Close the breakout rooms first.")
    public static let breakoutClosing = Self(
        .breakoutClosing, "The breakout rooms are closing; only a return to the main room is possible.")
    public static let tooManyRooms = Self(.tooManyRooms, "The breakout already has the most rooms allowed.")
    public static let lastRoom = Self(.lastRoom, "A breakout keeps at least one room; discard the breakout instead.")
    public static let roomNameTaken = Self(.roomNameTaken, "Another room of this meeting already has that name.")
    public static let returnNotAllowed = Self(
        .returnNotAllowed, "Returning to the main room is switched off (allowReturnToMain is false) until the rooms close.")
    public static let notInRoom = Self(.notInRoom, "Help can be asked for only from inside a breakout room.")
    public static let helpAlreadyRequested = Self(.helpAlreadyRequested, "You already have an open help request.")
    public static let helpAlreadyTaken = Self(.helpAlreadyTaken, "Someone has already taken this help request.")
    public static let helpAlreadyResolved = Self(.helpAlreadyResolved, "This help request is already resolved.")
    public static let notInSameRoom = Self(
        .notInSameRoom, "A mute can be lifted only by a host or co-host in the same room as the participant.")
    public static let hostCannotLeave = Self(.hostCannotLeave, "The host cannot leave; end the meeting instead.")
    public static let cannotChangeHost = Self(.cannotChangeHost, "The host's role cannot be changed.")
    public static let notInCourse = Self(
        .notInCourse, "This meeting belongs to no course: create it with a courseId to keep its groups.")
    public static let nothingToSave = Self(
        .nothingToSave, "There are no groups to save: nobody with an email is assigned to a room (or was in one when the rooms closed).")
    public static func meetingFull(_ limit: Int) -> Self {
        Self(.meetingFull, "This meeting has its most participants (\(limit)); nobody else can join. Ask the host.")
    }
}
