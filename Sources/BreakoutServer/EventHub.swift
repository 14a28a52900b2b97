import BreakoutDomain
public import BreakoutStore
public import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// A node's fan-out of events to its live streams.
///
/// For each meeting that has streams on this node, the hub reads new events from the database
/// once (not once per stream) and hands each batch to every local stream of that meeting. It learns
/// of new events from the node's LISTEN connection (`notify`) and, as a safety net for lost
/// notifications, from a slow poll of the meetings' `last_seq` (`run`).
///
/// A stream whose buffer is full (a slow consumer) is dropped: its stream finishes and the client
/// reconnects with `Last-Event-ID`, losing nothing.
public final class EventHub: Service, Sendable {
    /// What a live stream receives: batches of events from the hub, and its own heartbeat and
    /// shutdown signals, in one bounded buffer (so the bound holds for the whole stream).
    public enum Message: Sendable {
        case events([StoredEvent])
        case heartbeat
        case shutdown
    }

    public struct Subscription: Sendable {
        public let id: Int
        public let messages: AsyncStream<Message>
        /// For the stream's own heartbeat and shutdown signals.
        public let continuation: AsyncStream<Message>.Continuation
    }

    let store: MeetingStore
    /// Batches a stream may have waiting before it is dropped. Default 256.
    let bufferLimit: Int
    /// Interval of the safety-net poll. Default 1 s.
    let pollInterval: Duration
    private let state = Mutex(State())
    private let listenerUp = Atomic<Bool>(false)
    private let streamCount = Atomic<Int>(0)

    struct Feed {
        var subscribers: [Int: AsyncStream<Message>.Continuation] = [:]
        /// The newest seq handed to the subscribers.
        var lastSeen: Int64
        /// The newest seq known to exist.
        var wanted: Int64
        var pumping = false
    }

    struct State {
        var feeds: [UUID: Feed] = [:]
        var nextId = 0
    }

    public init(store: MeetingStore, bufferLimit: Int = 256, pollInterval: Duration = .seconds(1)) {
        self.store = store
        self.bufferLimit = bufferLimit
        self.pollInterval = pollInterval
    }

    /// Whether the node's LISTEN connection is up (readiness depends on it).
    public var isListening: Bool { listenerUp.load(ordering: .relaxed) }
    func setListening(_ up: Bool) { listenerUp.store(up, ordering: .relaxed) }

    /// Live streams on this node (the node registry reports it).
    public var liveStreams: Int { streamCount.load(ordering: .relaxed) }

    /// A new subscription to `meetingId`'s events. A stream that has seen everything up to `after`
    /// gets the batches the hub reads from now on; it fills any gap itself from the database.
    public func subscribe(_ meetingId: UUID, after: Int64) -> Subscription {
        let (stream, continuation) = AsyncStream<Message>.makeStream(bufferingPolicy: .bufferingOldest(bufferLimit))
        let id = state.withLock { state in
            state.nextId += 1
            state.feeds[meetingId, default: Feed(lastSeen: after, wanted: after)].subscribers[state.nextId] = continuation
            return state.nextId
        }
        streamCount.add(1, ordering: .relaxed)
        return Subscription(id: id, messages: stream, continuation: continuation)
    }

    public func unsubscribe(_ meetingId: UUID, id: Int) {
        let continuation = state.withLock { state in
            let continuation = state.feeds[meetingId]?.subscribers.removeValue(forKey: id)
            if state.feeds[meetingId]?.subscribers.isEmpty == true { state.feeds[meetingId] = nil }
            return continuation
        }
        if let continuation {
            continuation.finish()
            streamCount.subtract(1, ordering: .relaxed)
        }
    }

    /// The meeting has events up to `seq` (from a NOTIFY or the poll).
    func notify(_ meetingId: UUID, seq: Int64) {
        let start = state.withLock { state -> Bool in
            guard var feed = state.feeds[meetingId] else { return false }
            feed.wanted = max(feed.wanted, seq)
            let start = !feed.pumping && feed.lastSeen < feed.wanted
            if start { feed.pumping = true }
            state.feeds[meetingId] = feed
            return start
        }
        if start { Task { await self.pump(meetingId) } }
    }

    /// Reads the meeting's new events once and hands them to its subscribers, until caught up.
    private func pump(_ meetingId: UUID) async {
        while let from = state.withLock({ $0.feeds[meetingId]?.lastSeen }) {
            let batch: [StoredEvent]
            do {
                batch = try await store.events(of: meetingId, after: from, limit: 500)
            } catch {
                store.logger.warning("reading events failed", metadata: ["meeting": "\(meetingId)", "error": "\(error)"])
                batch = []
            }
            let (dropped, again) = state.withLock { state -> ([AsyncStream<Message>.Continuation], Bool) in
                guard var feed = state.feeds[meetingId] else { return ([], false) }
                var dropped: [AsyncStream<Message>.Continuation] = []
                if let last = batch.last {
                    feed.lastSeen = last.seq
                    feed.wanted = max(feed.wanted, last.seq)
                    for (id, continuation) in feed.subscribers {
                        if case .dropped = continuation.yield(.events(batch)) {
                            feed.subscribers[id] = nil
                            dropped.append(continuation)
                        }
                    }
                }
                // Stop when caught up, or when a read brought nothing (the poll will try again).
                let again = !batch.isEmpty && feed.lastSeen < feed.wanted && !feed.subscribers.isEmpty
                feed.pumping = again
                state.feeds[meetingId] = feed.subscribers.isEmpty ? nil : feed
                return (dropped, again)
            }
            for continuation in dropped {
                // Too far behind: the stream ends and its client resumes with Last-Event-ID.
                continuation.finish()
                streamCount.subtract(1, ordering: .relaxed)
            }
            if !again { return }
        }
    }

    /// Looks up the newest seq of `meetingIds` and reads what is new.
    public func refresh(_ meetingIds: [UUID]) async {
        guard !meetingIds.isEmpty else { return }
        do {
            for (id, seq) in try await store.lastSeqs(of: meetingIds) { notify(id, seq: seq) }
        } catch {
            store.logger.warning("event poll failed", metadata: ["error": "\(error)"])
        }
    }

    /// Catches up every meeting served here: after a (re)connect of the listener, and every
    /// `pollInterval` in case a notification was lost.
    func catchUp() async {
        await refresh(state.withLock { Array($0.feeds.keys) })
    }

    /// The safety-net poll. On graceful shutdown every stream is ended so clients reconnect elsewhere.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: self.pollInterval)
                await self.catchUp()
            }
        }
        let all = state.withLock { state -> [AsyncStream<Message>.Continuation] in
            defer { state.feeds = [:] }
            return state.feeds.values.flatMap { $0.subscribers.values }
        }
        for continuation in all { continuation.finish() }
    }
}
