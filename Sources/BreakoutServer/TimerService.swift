import BreakoutStore
import Foundation
import Logging
import Prometheus
import ServiceLifecycle

/// Fires due room timers and close countdowns. Every node runs one; there is no leader, because
/// `MeetingStore.fireDueTimers` makes each timer fire exactly once whichever node claims it.
///
/// It sleeps until the next due time (so lateness stays small) but never longer than `maxSleep`,
/// which also picks up timers that other nodes created meanwhile.
public struct TimerService: Service {
    let store: MeetingStore
    let nodeId: String
    /// Longest sleep between two looks at the timers table. Default 250 ms.
    let maxSleep: Duration
    let fired: Counter
    /// Timers one node fires at the same time during a burst.
    static let concurrentClaims = 4

    public init(store: MeetingStore, nodeId: String, metrics: PrometheusCollectorRegistry, maxSleep: Duration = .milliseconds(250)) {
        self.store = store
        self.nodeId = nodeId
        self.maxSleep = maxSleep
        self.fired = metrics.makeCounter(name: "breakout_timers_fired_total", help: "Timers this node fired.")
    }

    public func run() async throws {
        // Ends on graceful shutdown; a transition in flight finishes or rolls back with its transaction.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                var sleep = maxSleep
                do {
                    // A few claimers at once: a burst of due timers is mostly round trips, and
                    // SKIP LOCKED lets them (and other nodes) take different rows.
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for _ in 0..<Self.concurrentClaims {
                            group.addTask {
                                while case let outcomes = try await store.fireDueTimers(node: nodeId), !outcomes.isEmpty {
                                    fired.increment(by: Int64(outcomes.filter { $0 == .fired }.count))
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                    if let next = try await store.nextTimerDue() {
                        let wait = next.timeIntervalSinceNow
                        sleep = wait <= 0 ? .zero : min(maxSleep, .milliseconds(Int64(wait * 1000) + 1))
                    }
                } catch where Task.isCancelled {
                    break  // shutting down: the round in flight rolled back
                } catch {
                    store.logger.warning("timer round failed", metadata: ["error": "\(String(reflecting: error))"])
                }
                try? await Task.sleep(for: sleep)
            }
        }
    }
}
