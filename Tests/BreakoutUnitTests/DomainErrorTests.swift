import BreakoutDomain
import Foundation
import Testing

/// The stable codes and HTTP statuses of refusals: part of the HTTP contract.
@Suite("Domain errors: codes and statuses")
struct DomainErrorTests {
    struct Expected: Sendable, CustomTestStringConvertible {
        let error: DomainError
        let status: Int
        let code: String
        var testDescription: String { "\(status) \(code)" }
    }

    @Test("Each refusal has its stable code and status", arguments: [
        Expected(error: .forbiddenNotManager, status: 403, code: "not_a_manager"),
        Expected(error: .forbiddenNotHost, status: 403, code: "not_the_host"),
        Expected(error: .meetingEnded, status: 410, code: "meeting_ended"),
        Expected(error: .breakoutDisabled, status: 409, code: "breakout_disabled"),
        Expected(error: .breakoutExists, status: 409, code: "breakout_exists"),
        Expected(error: .noBreakout, status: 409, code: "no_breakout"),
        Expected(error: .breakoutNotReady, status: 409, code: "breakout_not_ready"),
        Expected(error: .breakoutNotOpen, status: 409, code: "breakout_not_open"),
        Expected(error: .breakoutIsOpen, status: 409, code: "breakout_open"),
        Expected(error: .breakoutClosing, status: 409, code: "breakout_closing"),
        Expected(error: .tooManyRooms, status: 409, code: "too_many_rooms"),
        Expected(error: .lastRoom, status: 409, code: "last_room"),
        Expected(error: .roomNameTaken, status: 409, code: "room_name_taken"),
        Expected(error: .returnNotAllowed, status: 409, code: "return_not_allowed"),
        Expected(error: .roomNotAllowed, status: 403, code: "room_not_allowed"),
        Expected(error: .notInRoom, status: 409, code: "not_in_room"),
        Expected(error: .helpAlreadyRequested, status: 409, code: "help_already_requested"),
        Expected(error: .helpAlreadyTaken, status: 409, code: "help_already_taken"),
        Expected(error: .helpAlreadyResolved, status: 409, code: "help_already_resolved"),
        Expected(error: .notInSameRoom, status: 409, code: "not_in_same_room"),
        Expected(error: .cannotUnmuteSelf, status: 403, code: "mute_locked"),
        Expected(error: .hostCannotLeave, status: 409, code: "host_cannot_leave"),
        Expected(error: .cannotChangeHost, status: 409, code: "cannot_change_host"),
        Expected(error: .messageTooLong(count: 141), status: 422, code: "message_too_long"),
        Expected(error: .invalid("roomCount", "must be 1–100"), status: 422, code: "validation_failed"),
        Expected(error: .notFound("room"), status: 404, code: "room_not_found"),
    ])
    func codes(expected: Expected) {
        #expect(expected.error.status == expected.status)
        #expect(expected.error.code == expected.code)
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

    @Test("notFound names the missing thing in its code and detail")
    func notFound() {
        let error = DomainError.notFound("help_request")
        #expect(error.code == "help_request_not_found")
        #expect(error.detail == "No such help request in this meeting.")
    }

    @Test("The description shows status, code and detail")
    func description() {
        #expect(DomainError.lastRoom.description.hasPrefix("409 last_room: "))
    }
}
