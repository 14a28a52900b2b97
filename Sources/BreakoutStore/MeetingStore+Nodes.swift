import Foundation
import PostgresNIO

/// The node registry (`nodes`, shown by the `breakout_nodes` view), its housekeeping, and the
/// readiness check. Bounded like commands: a heartbeat or a readiness probe left waiting on a
/// connection PostgreSQL closed would hang the node's registry or its balancer's health check.
extension MeetingStore {
    public func registerNode(_ nodeId: String, address: String, liveStreams: Int) async throws {
        try await run(
            """
            INSERT INTO nodes (node_id, address, live_streams) VALUES (\(nodeId), \(address), \(liveStreams))
            ON CONFLICT (node_id) DO UPDATE SET address = EXCLUDED.address, heartbeat_at = now(), live_streams = EXCLUDED.live_streams
            """)
    }

    /// Best effort: a node shutting down during a database outage must not wait for it.
    public func unregisterNode(_ nodeId: String) async throws {
        try await run("DELETE FROM nodes WHERE node_id = \(nodeId)")
    }

    /// Deletes stored answers of idempotent requests older than a day.
    public func expireIdempotencyKeys() async throws {
        try await run("DELETE FROM idempotency_keys WHERE created_at < now() - interval '1 day'")
    }

    /// Whether the database answers within the store's bounds (`/readyz`).
    public func checkDatabase() async throws {
        try await run("SELECT 1")
    }
}
