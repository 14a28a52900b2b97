import BreakoutStore
import Logging
import ServiceLifecycle

/// Records this node in the `nodes` table with a heartbeat and its number of live streams, and
/// removes it on graceful shutdown. (A node that crashes stays with a stale heartbeat;
/// `breakout_nodes.alive` turns false after 15 s.)
struct NodeRegistry: Service {
    let store: MeetingStore
    let hub: EventHub
    let nodeId: String
    let address: String
    /// Between two heartbeats. Default 5 s.
    var interval: Duration = .seconds(5)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await store.registerNode(nodeId, address: address, liveStreams: hub.liveStreams)
                    try await store.expireIdempotencyKeys()
                } catch {
                    store.logger.warning("node heartbeat failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
        do {
            try await store.unregisterNode(nodeId)
        } catch {
            store.logger.warning("node unregistration failed", metadata: ["error": "\(error)"])
        }
    }
}
