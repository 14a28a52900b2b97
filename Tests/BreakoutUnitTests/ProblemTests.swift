import BreakoutDomain
import BreakoutServer
import Hummingbird
import Testing

/// A problem's `title` is the reason phrase of its status, as the OpenAPI document says, also for
/// the statuses a domain refusal carries as a bare number.
@Suite("Problem")
struct ProblemTests {
    @Test("domain refusals keep their status and get its reason phrase as title", arguments: [
        (DomainError.noBreakout, "Conflict"), (DomainError.meetingEnded, "Gone"),
        (DomainError.forbiddenNotHost, "Forbidden"), (DomainError.databaseUnavailable, "Service Unavailable"),
        (DomainError.invalid("name", "is required"), "Unprocessable Content"),
    ])
    func title(error: DomainError, title: String) {
        let problem = Problem(error)
        #expect(problem.status.code == error.status)
        #expect(problem.status.reasonPhrase == title)
    }
}
