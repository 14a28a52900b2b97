import Foundation

/// A refusal with a stable, machine-readable `code`, an HTTP status and a sentence for people.
///
/// Codes are part of the HTTP contract: clients branch on them, so they never change meaning.
public struct DomainError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One offending input: a field of a JSON body (`options.timerSeconds`) or a line of a CSV.
    public struct Violation: Sendable, Equatable, Codable {
        public var field: String
        public var message: String
        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    public var status: Int
    public var code: String
    public var detail: String
    public var violations: [Violation]

    public init(status: Int, code: String, detail: String, violations: [Violation] = []) {
        self.status = status
        self.code = code
        self.detail = detail
        self.violations = violations
    }

    public var description: String { "\(status) \(code): \(detail)" }

    // MARK: Input

    public static func invalid(_ field: String, _ message: String) -> Self {
        .init(status: 422, code: "validation_failed", detail: "\(field): \(message)",
              violations: [.init(field: field, message: message)])
    }

    public static func messageTooLong(count: Int) -> Self {
        .init(status: 422, code: "message_too_long",
              detail: "A broadcast holds at most 140 characters; this one has \(count).",
              violations: [.init(field: "message", message: "at most 140 characters")])
    }

    // MARK: Identity and permission

    public static let forbiddenNotManager = Self(
        status: 403, code: "not_a_manager", detail: "Only the host or a co-host may do this.")
    public static let forbiddenNotHost = Self(
        status: 403, code: "not_the_host", detail: "Only the host may do this.")

    public static func notFound(_ what: String) -> Self {
        .init(status: 404, code: "\(what)_not_found", detail: "No such \(what.replacingOccurrences(of: "_", with: " ")) in this meeting.")
    }

    // MARK: State

    /// No database connection could be had in time (an outage): retry shortly, nothing was applied.
    public static let databaseUnavailable = Self(
        status: 503, code: "database_unavailable",
        detail: "The database cannot be reached right now; nothing was changed. Retry in a few seconds.")
    /// The database went away while the request ran (restart, failover, killed backend): whether
    /// it was applied is unknown, so the client sends it again with the same Idempotency-Key.
    public static let databaseConnectionLost = Self(
        status: 503, code: "database_unavailable",
        detail: "The connection to the database was lost during the request, so it may or may not have been applied. "
            + "Send it again with the same Idempotency-Key: it is applied at most once.")
    public static let meetingEnded = Self(
        status: 410, code: "meeting_ended", detail: "The meeting has ended.")
    public static let breakoutDisabled = Self(
        status: 409, code: "breakout_disabled",
        detail: "Breakout rooms are switched off in this meeting's settings (breakoutRoomsEnabled is false).")
    public static let breakoutExists = Self(
        status: 409, code: "breakout_exists",
        detail: "This meeting already has breakout rooms; discard them before creating new ones.")
    public static let noBreakout = Self(
        status: 409, code: "no_breakout", detail: "This meeting has no breakout rooms yet.")
    public static let breakoutNotReady = Self(
        status: 409, code: "breakout_not_ready",
        detail: "Rooms can be opened only when they are ready (created and not open).")
    public static let breakoutNotOpen = Self(
        status: 409, code: "breakout_not_open", detail: "The breakout rooms are not open.")
    public static let breakoutIsOpen = Self(
        status: 409, code: "breakout_open", detail: "Close the breakout rooms first.")
    public static let breakoutClosing = Self(
        status: 409, code: "breakout_closing",
        detail: "The breakout rooms are closing; only a return to the main room is possible.")
    public static let tooManyRooms = Self(
        status: 409, code: "too_many_rooms", detail: "The breakout already has the most rooms allowed.")
    public static let lastRoom = Self(
        status: 409, code: "last_room", detail: "A breakout keeps at least one room; discard the breakout instead.")
    public static let roomNameTaken = Self(
        status: 409, code: "room_name_taken", detail: "Another room of this meeting already has that name.")
    public static let returnNotAllowed = Self(
        status: 409, code: "return_not_allowed",
        detail: "Returning to the main room is switched off (allowReturnToMain is false) until the rooms close.")
    public static let roomNotAllowed = Self(
        status: 403, code: "room_not_allowed",
        detail: "Participants may enter only their assigned room unless choosing rooms is allowed.")
    public static let notInRoom = Self(
        status: 409, code: "not_in_room", detail: "Help can be asked for only from inside a breakout room.")
    public static let helpAlreadyRequested = Self(
        status: 409, code: "help_already_requested", detail: "You already have an open help request.")
    public static let helpAlreadyTaken = Self(
        status: 409, code: "help_already_taken", detail: "Someone has already taken this help request.")
    public static let helpAlreadyResolved = Self(
        status: 409, code: "help_already_resolved", detail: "This help request is already resolved.")
    public static let notInSameRoom = Self(
        status: 409, code: "not_in_same_room",
        detail: "A mute can be lifted only by a host or co-host in the same room as the participant.")
    public static let cannotUnmuteSelf = Self(
        status: 403, code: "mute_locked",
        detail: "A mute set by the host can be lifted only by a host or co-host.")
    public static let hostCannotLeave = Self(
        status: 409, code: "host_cannot_leave", detail: "The host cannot leave; end the meeting instead.")
    public static let cannotChangeHost = Self(
        status: 409, code: "cannot_change_host", detail: "The host's role cannot be changed.")
    public static let modeUnavailable = Self(
        status: 422, code: "mode_unavailable",
        detail: "The preassigned mode needs a pre-assignment list; upload one first (PUT …/preassignments).",
        violations: [.init(field: "mode", message: "preassigned needs a pre-assignment list, and this meeting has none")])
}
