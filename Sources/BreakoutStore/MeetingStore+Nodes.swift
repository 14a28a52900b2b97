import Foundation
import PostgresNIO

/// The node registry (`nodes`, shown by the `breakout_nodes` view) and its housekeeping.
extension MeetingStore {
    public func registerNode(_ nodeId: String, address: String, liveStreams: Int) async throws {
        try await client.query(
            """
            INSERT INTO nodes (node_id, address, live_streams) VALUES (\(nodeId), \(address), \(liveStreams))
            ON CONFLICT (node_id) DO UPDATE SET address = EXCLUDED.address, heartbeat_at = now(), live_streams = EXCLUDED.live_streams
            """, logger: logger)
    }

    /// Best effort, bounded: a node shutting down during a database outage must not wait for it.
    public func unregisterNode(_ nodeId: String) async throws {
        let logger = logger
        try await withBoundedConnection { connection in
            try await connection.query("DELETE FROM nodes WHERE node_id = \(nodeId)", logger: logger)
            return true
        }
    }

    /// Deletes stored answers of idempotent requests older than a day.
    public func expireIdempotencyKeys() async throws {
        try await client.query("DELETE FROM idempotency_keys WHERE created_at < now() - interval '1 day'", logger: logger)
    }
}
