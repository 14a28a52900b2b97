import BreakoutDomain
import Foundation
import Testing

/// The stable codes of refusals: part of the HTTP contract (their statuses are the server's:
/// `ProblemTests`).
@Suite("Domain errors: codes")
struct DomainErrorTests {
    struct Expected: Sendable, CustomTestStringConvertible {
        let error: DomainError
        let code: String
        var testDescription: String { code }
    }

    @Test("Each refusal has its stable code", arguments: [
        Expected(error: .forbiddenNotManager, code: "not_a_manager"),
        Expected(error: .forbiddenNotHost, code: "not_the_host"),
        Expected(error: .invalidToken, code: "invalid_token"),
        Expected(error: .meetingEnded, code: "meeting_ended"),
        Expected(error: .breakoutDisabled, code: "breakout_disabled"),
        Expected(error: .breakoutExists, code: "breakout_exists"),
        Expected(error: .noBreakout, code: "no_breakout"),
        Expected(error: .breakoutAlreadyOpen, code: "breakout_already_open"),
        Expected(error: .breakoutNotOpen, code: "breakout_not_open"),
        Expected(error: .breakoutIsOpen, code: "breakout_open"),
        Expected(error: .breakoutClosing, code: "breakout_closing"),
        Expected(error: .tooManyRooms, code: "too_many_rooms"),
        Expected(error: .lastRoom, code: "last_room"),
        Expected(error: .roomNameTaken, code: "room_name_taken"),
        Expected(error: .returnNotAllowed, code: "return_not_allowed"),
        Expected(error: .roomNotAllowed, code: "room_not_allowed"),
        Expected(error: .notInRoom, code: "not_in_room"),
        Expected(error: .helpAlreadyRequested, code: "help_already_requested"),
        Expected(error: .helpAlreadyTaken, code: "help_already_taken"),
        Expected(error: .helpAlreadyResolved, code: "help_already_resolved"),
        Expected(error: .notInSameRoom, code: "not_in_same_room"),
        Expected(error: .cannotUnmuteSelf, code: "mute_locked"),
        Expected(error: .hostCannotLeave, code: "host_cannot_leave"),
        Expected(error: .cannotChangeHost, code: "cannot_change_host"),
        Expected(error: .messageTooLong(count: 141), code: "message_too_long"),
        Expected(error: .invalid("roomCount", "must be 1–100"), code: "validation_failed"),
        Expected(error: .modeUnavailable, code: "mode_unavailable"),
        Expected(error: .keepUnavailable, code: "mode_unavailable"),
        Expected(error: .meetingNotFound, code: "meeting_not_found"),
        Expected(error: .noMeetingWithCode, code: "meeting_not_found"),
        Expected(error: .participantNotFound, code: "participant_not_found"),
        Expected(error: .roomNotFound, code: "room_not_found"),
        Expected(error: .helpRequestNotFound, code: "help_request_not_found"),
    ])
    func codes(expected: Expected) {
        #expect(expected.error.code.rawValue == expected.code)
        #expect(!expected.error.detail.isEmpty)
    }

    @Test("A validation error lists the offending field and message")
    func invalidListsField() {
        let error = DomainError.invalid("options.timerSeconds", "must be null or 1–86400")
        #expect(error.violations == [.init(field: "options.timerSeconds", message: "must be null or 1–86400")])
        #expect(error.detail.contains("options.timerSeconds"))
    }

    @Test("message_too_long says how long the message was")
    func messageTooLongDetail() {
        #expect(DomainError.messageTooLong(count: 150).detail.contains("150"))
        #expect(DomainError.messageTooLong(count: 150) != DomainError.messageTooLong(count: 141))
    }

    @Test("A missing thing is named in its detail")
    func notFound() {
        #expect(DomainError.helpRequestNotFound.detail == "No such help request in this meeting.")
    }

    @Test("The description shows code and detail")
    func description() {
        #expect(DomainError.lastRoom.description.hasPrefix("last_room: "))
    }
}
