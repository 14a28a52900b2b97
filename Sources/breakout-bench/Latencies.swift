import Histogram
import NIOCore

/// Latencies in microseconds (1 µs to 120 s, three significant digits), read back in milliseconds.
struct Latencies: Sendable {
    static let highest: UInt64 = 120_000_000
    private(set) var histogram = Histogram<UInt64>(highestTrackableValue: Latencies.highest, numberOfSignificantValueDigits: .three)

    var count: Int { Int(histogram.totalCount) }

    mutating func record(nanoseconds: Int64) {
        let micros = UInt64(max(1, nanoseconds / 1000))
        _ = histogram.record(min(micros, Self.highest))
    }

    mutating func record(_ amount: TimeAmount) { record(nanoseconds: amount.nanoseconds) }

    mutating func record(milliseconds: Double) { record(nanoseconds: Int64(milliseconds * 1_000_000)) }

    mutating func add(_ other: Latencies) { histogram.add(other.histogram) }

    /// The value at `percentile` (0–100) in ms; nil when nothing was recorded.
    func ms(_ percentile: Double) -> Double? {
        count > 0 ? Double(histogram.valueAtPercentile(percentile)) / 1000 : nil
    }

    var maxMs: Double? { count > 0 ? Double(histogram.max) / 1000 : nil }
    var meanMs: Double? { count > 0 ? histogram.mean / 1000 : nil }
}

/// Polls `condition` until it holds or `timeout` passes; true when it held. Polling only decides
/// when to stop waiting: measured times come from the arrival stamps, not from here.
func waitUntil(
    _ timeout: Duration, poll: Duration = .milliseconds(1), _ condition: () -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try await Task.sleep(for: poll)
    }
    return true
}

extension NIODeadline {
    /// Milliseconds from `start` to this instant.
    func ms(since start: NIODeadline) -> Double { Double((self - start).nanoseconds) / 1_000_000 }
}
