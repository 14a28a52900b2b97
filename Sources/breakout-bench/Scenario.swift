import Foundation
import NIOCore
import Synchronization

/// The scenarios of the benchmark, one per measured row of the targets in docs/BENCHMARKS.md.
enum Scenario: String, CaseIterable, Sendable {
    case commandLatency = "command-latency"
    case hotMeeting = "hot-meeting"
    case manyMeetings = "many-meetings"
    case lectureConnect = "lecture-connect"
    case idleStreams = "idle-streams"
    case openAll = "open-all"
    case fanOut = "fan-out"
    case fanOutWide = "fan-out-wide"
    case timerBurst = "timer-burst"
    case mediaLecture = "media-lecture"

    func run(_ context: Context, _ notes: Notes) async throws {
        switch self {
        case .commandLatency: try await CommandScenarios.commandLatency(context, notes)
        case .hotMeeting: try await CommandScenarios.hotMeeting(context, notes)
        case .manyMeetings: try await CommandScenarios.manyMeetings(context, notes)
        case .lectureConnect: try await StreamScenarios.lectureConnect(context, notes)
        case .idleStreams: try await StreamScenarios.idleStreams(context, notes)
        case .openAll: try await StreamScenarios.openAll(context, notes)
        case .fanOut: try await StreamScenarios.fanOut(context, notes)
        case .fanOutWide: try await StreamScenarios.fanOut(context, notes, wide: true)
        case .timerBurst: try await TimerScenario.timerBurst(context, notes)
        case .mediaLecture: try await MediaScenario.mediaLecture(context, notes)
        }
    }
}

/// A shared counter for workers that take the next piece of work.
final class Counter: Sendable {
    private let value = Mutex(0)
    func next() -> Int {
        value.withLock { value in
            defer { value += 1 }
            return value
        }
    }
}

/// Errors seen by workers: how many, and the first few answers.
final class ErrorLog: Sendable {
    private let state = Mutex<(count: Int, samples: [String])>((0, []))
    func add(_ what: String) {
        state.withLock {
            $0.count += 1
            if $0.samples.count < 5 { $0.samples.append(what) }
        }
    }
    var count: Int { state.withLock { $0.count } }
    var samples: [String] { state.withLock { $0.samples } }
}

extension API.Reply {
    /// Throws unless the answer is a success (setup steps).
    @discardableResult
    func check(_ what: String) throws -> Self {
        guard ok else { throw APIError(description: "\(what): HTTP \(status) \(text.prefix(300))") }
        return self
    }
}

extension Context {
    func targetRelative(_ factor: Double, of value: Double?, atLeast: Bool, what: String) -> (Target, String, String?) {
        guard let value else { return (.missingBaseline, "\(atLeast ? ">=" : "<=") \(factor) x \(what)", nil) }
        let limit = factor * value
        let text = "\(atLeast ? ">=" : "<=") \(Report.format(factor * 100, ""))% of \(what) = \(Report.format(limit, ""))"
        return (atLeast ? .atLeast(limit) : .atMost(limit), text, Report.format(value, ""))
    }
}
