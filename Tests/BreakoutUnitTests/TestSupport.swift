import BreakoutDomain
import Foundation
import Testing

/// Shared fixtures for the domain tests: readable, deterministic ids, members and breakout states.
enum Fixture {
    /// A fixed "now": the domain never reads a clock, callers pass it.
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    /// A deterministic UUID, so failure messages are readable (`…-000000000007`).
    static func id(_ n: Int) -> UUID {
        UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", n))!
    }

    /// `count` distinct ids starting at `start`.
    static func ids(_ count: Int, from start: Int = 1) -> [UUID] {
        (0..<count).map { id(start + $0) }
    }

    /// Three rooms, used wherever a rule needs room ids.
    static let roomA = id(9_001)
    static let roomB = id(9_002)
    static let roomC = id(9_003)

    static func member(
        _ role: Role, id n: Int = 1, in location: UUID? = nil, assigned: UUID? = nil, muted: Bool = false
    ) -> Member {
        Member(id: id(n), role: role, location: location, assignedRoomId: assigned, mutedByHost: muted)
    }

    static func breakout(
        _ status: BreakoutStatus, mode: BreakoutMode = .manual,
        _ configure: (inout BreakoutOptions) -> Void = { _ in }
    ) -> BreakoutState {
        var options = BreakoutOptions.defaults(for: mode)
        configure(&options)
        return BreakoutState(status: status, mode: mode, options: options)
    }

    /// The violations of the `validation_failed` refusal of `body`; an issue when it is not refused so.
    static func violations(
        _ body: () throws -> Any, sourceLocation: SourceLocation = #_sourceLocation
    ) -> [DomainError.Violation] {
        do {
            _ = try body()
            Issue.record("expected a refusal", sourceLocation: sourceLocation)
            return []
        } catch let error as DomainError {
            #expect(error.code == .validationFailed, sourceLocation: sourceLocation)
            return error.violations
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
            return []
        }
    }

    static func patch(_ configure: (inout BreakoutOptionsPatch) -> Void) -> BreakoutOptionsPatch {
        var patch = BreakoutOptionsPatch()
        configure(&patch)
        return patch
    }
}
