/// Waiting for something the tests cannot await directly: a row in the database, a count in a
/// node's metrics, an event arriving on a stream read in the background. Every wait has a bound,
/// so a test that waits in vain fails with a message naming what it waited for instead of hanging.
///
/// The helpers throw `TimedOut` rather than record an issue, so that this target needs nothing
/// but the standard library and a test stops at the wait that failed.

/// A wait that reached its bound: what was awaited, for how long, where, and what was last seen.
public struct TimedOut: Error, CustomStringConvertible {
    public var what: String
    public var timeout: Duration
    public var detail: String
    public var fileID: String
    public var line: Int

    public var description: String {
        "timed out after \(timeout) waiting for \(what) (\(fileID):\(line))" + (detail.isEmpty ? "" : "; \(detail)")
    }
}

/// Calls `probe` every `interval` until it returns a value, and returns that value. Throws
/// `TimedOut` once `timeout` has passed (after one last try), with `detail()` saying what was
/// last seen.
///
/// For a value that takes `nil` as a literal (JSONValue does: it is JSON's null), spell out the
/// probe's type and return `.none`: a bare `nil` would be that value, and end the wait at once.
@discardableResult
public func poll<T>(
    _ what: String, timeout: Duration = .seconds(10), every interval: Duration = .milliseconds(20),
    detail: () -> String = { "" }, fileID: String = #fileID, line: Int = #line,
    isolation: isolated (any Actor)? = #isolation,
    _ probe: () async throws -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    while true {
        if let value = try await probe() { return value }
        if ContinuousClock.now >= deadline {
            throw TimedOut(what: what, timeout: timeout, detail: detail(), fileID: fileID, line: line)
        }
        try await Task.sleep(for: interval)
    }
}

/// `poll` for a condition: returns once `condition` holds.
public func eventually(
    _ what: String, timeout: Duration = .seconds(10), every interval: Duration = .milliseconds(20),
    detail: () -> String = { "" }, fileID: String = #fileID, line: Int = #line,
    isolation: isolated (any Actor)? = #isolation,
    _ condition: () async throws -> Bool
) async throws {
    try await poll(what, timeout: timeout, every: interval, detail: detail, fileID: fileID, line: line) {
        try await condition() ? () : nil
    }
}
