import BreakoutStore
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// The node's one dedicated LISTEN connection. NOTIFY payloads are `meetingId:seq`; each one tells
/// the hub to read that meeting's new events.
///
/// When the connection drops (a restart, `pg_terminate_backend`, a network cut) the node is not
/// ready until it reconnects; it retries with backoff (0.1 s doubling to 2 s), re-LISTENs, and then
/// catches up every meeting it serves from its last seen `seq`, so no stream misses an event.
struct NotificationListener: Service {
    let hub: EventHub
    let configuration: PostgresConnection.Configuration
    let logger: Logger
    /// Told of every meeting with new events too: the media worker.
    let alsoNotify: (@Sendable (UUID) -> Void)?

    init(
        hub: EventHub, databaseURL: String, nodeId: String, connectTimeout: Duration, logger: Logger,
        alsoNotify: (@Sendable (UUID) -> Void)? = nil
    ) throws {
        self.alsoNotify = alsoNotify
        var configuration = try DatabaseURL.connectionConfiguration(databaseURL)
        // The whole attempt (TCP, startup, authentication) is bounded, so that a balancer that
        // accepts and never answers (HAProxy with no primary) cannot hold the listener past the
        // new primary's arrival.
        configuration.options.connectTimeout = .init(connectTimeout)
        // Operators (and the tests) can find each node's listener in pg_stat_activity.
        configuration.options.additionalStartupParameters = [("application_name", "breakout-listener \(nodeId)")]
        self.hub = hub
        self.configuration = configuration
        self.logger = logger
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var backoff = Duration.milliseconds(100)
            while !Task.isCancelled {
                do {
                    let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
                    do {
                        try await connection.listen(on: MeetingStore.notifyChannel) { notifications in
                            hub.setListening(true)
                            backoff = .milliseconds(100)
                            logger.debug("listening", metadata: ["channel": "\(MeetingStore.notifyChannel)"])
                            await hub.catchUp()
                            for try await notification in notifications {
                                let parts = notification.payload.split(separator: ":")
                                guard parts.count == 2, let meetingId = UUID(uuidString: String(parts[0])),
                                      let seq = Int64(parts[1]) else { continue }
                                hub.notify(meetingId, seq: seq)
                                alsoNotify?(meetingId)
                            }
                        }
                    } catch {
                        if !Task.isCancelled { logger.warning("listener connection lost", metadata: ["error": "\(error)"]) }
                    }
                    try? await connection.close()
                } catch {
                    if !Task.isCancelled { logger.warning("listener cannot connect", metadata: ["error": "\(error)"]) }
                }
                hub.setListening(false)
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(2))
            }
        }
    }
}
