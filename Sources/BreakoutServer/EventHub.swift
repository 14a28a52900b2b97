import BreakoutDomain
public import BreakoutStore
public import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A node's fan-out of events to its live streams.
///
/// For each meeting that has streams on this node, the hub reads new events from the database
/// once (not once per stream), encodes each event's frame once per view (`EncodedEvent`), and hands
/// each batch to every local stream of that meeting. It learns of new events from the node's
/// LISTEN connection (`notify`) and, as a safety net for lost notifications, from a slow poll of
/// the meetings' `last_seq`. It also holds the node's shared snapshots (`snapshots`) and sends one
/// node-wide heartbeat tick to every stream.
///
/// What to do is decided by `FanoutStateMachine` (pure, tested on its own); the hub only runs its
/// actions: it queues reads, which `run()` performs (a few at a time, at most one per meeting),
/// and fills the streams' mailboxes (`LiveSubscription`). Mailboxes are filled while the hub's
/// lock is held, so a stream's catch-up is always in its mailbox before the next batch.
///
/// A stream whose mailbox is full (a slow consumer) is dropped: it finishes and the client
/// reconnects with `Last-Event-ID`, losing nothing.
public final class EventHub: Service, Sendable {
    typealias Machine = FanoutStateMachine<LiveSubscription, EncodedEvent>

    let store: MeetingStore
    /// Batches a stream may have waiting before it is dropped. Default 256.
    let bufferLimit: Int
    /// Interval of the safety-net poll. Default 1 s.
    let pollInterval: Duration
    /// Interval of the heartbeat tick sent to every stream. Default 15 s.
    let heartbeat: Duration
    /// Reads of the event log in flight at once, over all meetings. Default 4.
    let maxConcurrentReads: Int
    /// The most events one read asks for. 500.
    let readLimit = 500
    /// The node's shared snapshots.
    public let snapshots: SharedSnapshots
    /// Live streams per participant on this node.
    let streamCap: StreamCap

    private struct State {
        var machine: Machine
        var nextId = 0
        var shutdownWaiters: [UnsafeContinuation<Void, Never>] = []
    }

    private struct ReadRequest: Sendable {
        var meetingId: UUID
        var after: Int64
    }

    private let state: Mutex<State>
    private let readRequests: AsyncStream<ReadRequest>
    private let readQueue: AsyncStream<ReadRequest>.Continuation
    private let listenerUp = Atomic<Bool>(false)

    /// - Parameter recentEvents: events kept per meeting for streams that subscribe a little behind. Default 128.
    public init(
        store: MeetingStore, bufferLimit: Int = 256, pollInterval: Duration = .seconds(1), heartbeat: Duration = .seconds(15),
        maxConcurrentReads: Int = 4, recentEvents: Int = 128, streamsPerParticipant: Int = 4
    ) {
        self.streamCap = StreamCap(limit: streamsPerParticipant)
        self.store = store
        self.bufferLimit = bufferLimit
        self.pollInterval = pollInterval
        self.heartbeat = heartbeat
        self.maxConcurrentReads = maxConcurrentReads
        self.snapshots = SharedSnapshots(store: store)
        self.state = Mutex(State(machine: Machine(readLimit: readLimit, recentLimit: recentEvents)))
        (readRequests, readQueue) = AsyncStream.makeStream(of: ReadRequest.self)
    }

    /// Whether the node's LISTEN connection is up (readiness depends on it).
    public var isListening: Bool { listenerUp.load(ordering: .relaxed) }
    func setListening(_ up: Bool) { listenerUp.store(up, ordering: .relaxed) }

    /// Live streams on this node (the node registry reports it).
    public var liveStreams: Int { state.withLock { $0.machine.subscriberCount } }

    /// The newest seq this node knows of `meetingId`; nil when no stream of it is served here.
    public func knownSeq(of meetingId: UUID) -> Int64? { state.withLock { $0.machine.knownSeq(of: meetingId) } }

    /// A new subscription to `meetingId`'s events, for a stream that has seen everything up to
    /// `after`. Events the others already got are in its mailbox first, or, when it is too far
    /// behind for the hub's recent events, `catchUpThrough` says up to where it reads them itself.
    public func subscribe(_ meetingId: UUID, after: Int64) -> LiveSubscription {
        state.withLock { state in
            state.nextId += 1
            let subscription = LiveSubscription(id: state.nextId, meetingId: meetingId, limit: bufferLimit)
            switch state.machine.subscribe(meetingId, id: subscription.id, subscriber: subscription, after: after) {
            case .none:
                break
            case .startRead(let from):
                readQueue.yield(ReadRequest(meetingId: meetingId, after: from))
            case .catchUp(let events):
                _ = subscription.push(events)
            case .catchUpFromDatabase(let through):
                subscription.setCatchUp(through: through)
            case .shutDown:
                subscription.finish(shutdown: true)
            }
            return subscription
        }
    }

    public func unsubscribe(_ subscription: LiveSubscription) {
        unsubscribe(subscription.meetingId, id: subscription.id)
    }

    public func unsubscribe(_ meetingId: UUID, id: Int) {
        let action = state.withLock { $0.machine.unsubscribe(meetingId, id: id) }
        if case .finish(let subscription, let meetingHasStreams) = action {
            subscription.finish()
            if !meetingHasStreams { snapshots.drop(meetingId) }
        }
    }

    /// The meeting has events up to `seq` (from a NOTIFY or the poll).
    func notify(_ meetingId: UUID, seq: Int64) {
        state.withLock { state in
            if case .startRead(let from) = state.machine.notified(meetingId, seq: seq) {
                readQueue.yield(ReadRequest(meetingId: meetingId, after: from))
            }
        }
    }

    /// Reads what `request` asks for, encodes it once, and hands it out.
    private func read(_ request: ReadRequest) async {
        let events: [EncodedEvent]
        do {
            events = try await store.events(of: request.meetingId, after: request.after, limit: readLimit)
                .map(EncodedEvent.init)
        } catch {
            store.logger.warning("reading events failed", metadata: ["meeting": "\(request.meetingId)", "error": "\(error)"])
            state.withLock { $0.machine.readFailed(request.meetingId) }
            return
        }
        let gone = state.withLock { state -> Bool in
            guard case .deliver(let events, let subscribers, let next) = state.machine.readSucceeded(request.meetingId, events: events) else {
                return state.machine.knownSeq(of: request.meetingId) == nil
            }
            // Streams written directly get the batch on their event loops, one hop per loop.
            var direct: [ObjectIdentifier: (loop: any EventLoop, streams: [DirectStream])] = [:]
            for subscription in subscribers {
                switch subscription.push(events) {
                case .queued:
                    break
                case .direct(let stream):
                    direct[ObjectIdentifier(stream.eventLoop), default: (stream.eventLoop, [])].streams.append(stream)
                case .full:
                    // Too far behind: the stream ends and its client resumes with Last-Event-ID.
                    if case .finish(let dropped, _) = state.machine.unsubscribe(request.meetingId, id: subscription.id) { dropped.finish() }
                }
            }
            // Still under the lock: the next batch of this meeting is queued after this one.
            for group in direct.values { DirectStream.write(events, to: group.streams, on: group.loop) }
            if let next { readQueue.yield(ReadRequest(meetingId: request.meetingId, after: next)) }
            return state.machine.knownSeq(of: request.meetingId) == nil
        }
        if gone { snapshots.drop(request.meetingId) }
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
        await refresh(state.withLock { Array($0.machine.meetings.keys) })
    }

    /// Ends every stream with a shutdown signal (clients reconnect elsewhere, resuming from their
    /// last id) and refuses new ones. The node calls it as soon as its HTTP server begins to shut
    /// down (the server waits for open responses, and streams do not end by themselves), and
    /// `run()` calls it when the hub stops.
    public func endStreams() {
        let (subscriptions, waiters) = state.withLock { state in
            defer { state.shutdownWaiters = [] }
            return (state.machine.shutdown(), state.shutdownWaiters)
        }
        for subscription in subscriptions { subscription.finish(shutdown: true) }
        snapshots.keep(only: [])
        for waiter in waiters { waiter.resume() }
    }

    /// Ends the streams as soon as the HTTP server begins its graceful shutdown. Call it from the
    /// server's context (`Application`'s `onServerRunning`).
    ///
    /// Hummingbird runs the server as the last service of its group, so it is shut down first, and
    /// it waits for every open response: the hub's own turn would come only after the streams had
    /// ended. One handler in the server's context does for the whole node what a handler per
    /// stream would do. It runs in a task of its own (it must outlive `onServerRunning`), which
    /// inherits the server's shutdown context and ends with the streams.
    func endStreamsWhenServerShutsDown() {
        Task {
            await withGracefulShutdownHandler {
                await self.streamsEnded()
            } onGracefulShutdown: {
                self.endStreams()
            }
        }
    }

    /// Returns once `endStreams()` was called.
    func streamsEnded() async {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let ended = state.withLock { state in
                if state.machine.isShutDown { return true }
                state.shutdownWaiters.append(continuation)
                return false
            }
            if ended { continuation.resume() }
        }
    }

    /// Runs the reads the fan-out asks for (at most `maxConcurrentReads` at once), the safety-net
    /// poll and the heartbeat tick. On graceful shutdown every stream is ended so clients reconnect
    /// elsewhere.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: self.pollInterval)
                        await self.catchUp()
                        // Snapshots of meetings without streams here are not kept.
                        self.snapshots.keep(only: Set(self.state.withLock { $0.machine.meetingsWithStreams }))
                    }
                }
                group.addTask {
                    // One tick for the whole node, not one sleeping task per stream.
                    while !Task.isCancelled {
                        try? await Task.sleep(for: self.heartbeat)
                        for subscription in self.state.withLock({ $0.machine.allSubscribers }) { subscription.pushHeartbeat() }
                    }
                }
                await self.performReads()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.endStreams()
            self.readQueue.finish()
        }
        endStreams()
    }

    /// Performs queued reads until the queue is finished (shutdown) or the task is cancelled.
    private func performReads() async {
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for await request in readRequests {
                if running >= maxConcurrentReads, await group.next() != nil { running -= 1 }
                running += 1
                group.addTask { await self.read(request) }
            }
        }
    }
}
