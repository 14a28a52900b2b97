import BreakoutDomain
import BreakoutServer
import BreakoutStore
import Hummingbird
import Testing

/// Every code is answered with its status, in one place (`Problem`), and a problem's `title` is
/// the reason phrase of its status, as the OpenAPI document says.
@Suite("Problem")
struct ProblemTests {
    @Test("each refusal of the rules has its status", arguments: [
        (DomainError.forbiddenNotManager, 403), (.forbiddenNotHost, 403), (.roomNotAllowed, 403), (.cannotUnmuteSelf, 403),
        (.invalidToken, 401), (.meetingEnded, 410), (.meetingNotFound, 404), (.participantNotFound, 404),
        (.roomNotFound, 404), (.helpRequestNotFound, 404), (.noMeetingWithCode, 404),
        (.breakoutDisabled, 409), (.breakoutExists, 409), (.noBreakout, 409), (.breakoutAlreadyOpen, 409),
        (.breakoutNotOpen, 409), (.breakoutIsOpen, 409), (.breakoutClosing, 409), (.tooManyRooms, 409), (.lastRoom, 409),
        (.roomNameTaken, 409), (.returnNotAllowed, 409), (.notInRoom, 409), (.helpAlreadyRequested, 409),
        (.helpAlreadyTaken, 409), (.helpAlreadyResolved, 409), (.notInSameRoom, 409), (.hostCannotLeave, 409),
        (.cannotChangeHost, 409), (.messageTooLong(count: 141), 422), (.invalid("name", "is required"), 422),
        (.modeUnavailable, 422),
    ] as [(DomainError, Int)])
    func domainStatus(error: DomainError, status: Int) {
        let problem = Problem(error)
        #expect(problem.status.code == status)
        #expect(problem.code == error.code.rawValue)
    }

    @Test("each failure of the store has its status", arguments: [
        (StoreError.databaseUnavailable, 503), (.databaseConnectionLost, 503),
        (StoreError(.idempotencyKeyReused, "x"), 422), (StoreError(.idempotencyReplayFailed, "x"), 409),
        (StoreError(.conflict, "x"), 409), (StoreError(.invalidValue, "x"), 422), (StoreError(.codeExhausted, "x"), 503),
        (StoreError(.internalError, "x"), 500),
    ] as [(StoreError, Int)])
    func storeStatus(error: StoreError, status: Int) {
        #expect(Problem(error).status.code == status)
        #expect(Problem(error).code == error.code.rawValue)
    }

    @Test("the title is the reason phrase of the status", arguments: [
        (Problem(DomainError.noBreakout), "Conflict"), (Problem(DomainError.meetingEnded), "Gone"),
        (Problem(DomainError.forbiddenNotHost), "Forbidden"), (Problem(StoreError.databaseUnavailable), "Service Unavailable"),
        (Problem(DomainError.invalid("name", "is required")), "Unprocessable Content"),
    ])
    func title(problem: Problem, title: String) {
        #expect(problem.status.reasonPhrase == title)
    }
}
