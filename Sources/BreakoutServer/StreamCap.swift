import Foundation
import Synchronization

/// At most `limit` live streams of one participant (one token) on this node. A new stream past the
/// limit closes the oldest, whose client is told so (`stream_replaced`) and does not reconnect: a
/// person's tabs and devices fit, and one token cannot hold hundreds of a node's connections.
/// Per node: through the balancer a token's streams may be spread over the nodes, each holding at
/// most `limit`, and nginx limits the streams of one client address (deploy/README.md).
final class StreamCap: Sendable {
    /// Streams of one participant on this node. Default 4.
    let limit: Int
    private let streams = Mutex<[UUID: [LiveSubscription]]>([:])

    init(limit: Int = 4) {
        self.limit = max(1, limit)
    }

    /// Counts `subscription` as one of `participantId`'s; returns the oldest ones past the limit,
    /// which the caller closes.
    func admit(_ subscription: LiveSubscription, of participantId: UUID) -> [LiveSubscription] {
        streams.withLock { streams in
            var mine = streams[participantId, default: []]
            mine.append(subscription)
            let over = max(0, mine.count - limit)
            let oldest = Array(mine.prefix(over))
            mine.removeFirst(over)
            streams[participantId] = mine
            return oldest
        }
    }

    /// The stream ended.
    func remove(_ subscription: LiveSubscription, of participantId: UUID) {
        streams.withLock { streams in
            guard var mine = streams[participantId] else { return }
            mine.removeAll { $0 === subscription }
            streams[participantId] = mine.isEmpty ? nil : mine
        }
    }

    /// Streams counted for `participantId` (for tests).
    func count(of participantId: UUID) -> Int { streams.withLock { $0[participantId]?.count ?? 0 } }
}
