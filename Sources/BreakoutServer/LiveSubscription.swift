public import Foundation
import Synchronization

/// One live stream's mailbox at the node's `EventHub`: the batches of events the hub hands it, and
/// the node-wide heartbeat and shutdown signals, in one bounded buffer.
///
/// It is a small lock-protected buffer with one waiting reader, not an `AsyncStream` per stream:
/// a stream takes everything that is waiting at once (`next()`), heartbeats do not pile up (at
/// most one waits), and the bound counts batches of events only. When a stream falls `limit`
/// batches behind (a slow client) the hub drops it: the mailbox finishes after what it holds, the
/// stream ends, and the client resumes with `Last-Event-ID`, losing nothing.
public final class LiveSubscription: Sendable {
    public let id: Int
    public let meetingId: UUID
    private let limit: Int
    private let box = Mutex(Box())

    private struct Box {
        var batches: [[EncodedEvent]] = []
        var heartbeat = false
        var shutdown = false
        /// A newer stream of the same caller took this one's place (`StreamCap`).
        var replaced = false
        var finished = false
        var cancelled = false
        /// Set when the stream must first read events up to this seq from the database itself.
        var catchUpThrough: Int64?
        var waiter: UnsafeContinuation<Void, Never>?
        /// Set once the stream has caught up: the hub then writes its events on its connection's
        /// event loop (`DirectStream`) instead of putting them here.
        var direct: DirectStream?

        var hasMail: Bool { !batches.isEmpty || heartbeat || shutdown || replaced }
    }

    /// Everything that was waiting, oldest batch first.
    public struct Delivery: Sendable {
        public var batches: [[EncodedEvent]]
        /// A heartbeat tick passed: write something (a comment) if nothing else goes out.
        public var heartbeat: Bool
        /// The node is shutting down: tell the client to reconnect elsewhere, then end.
        public var shutdown: Bool
        /// Too many streams of this caller: tell the client not to reconnect, then end.
        public var replaced = false
    }

    init(id: Int, meetingId: UUID, limit: Int) {
        self.id = id
        self.meetingId = meetingId
        self.limit = limit
    }

    /// The events up to this seq are the stream's to read from the database before the rest (it
    /// subscribed further behind than the hub's recent events reach).
    public var catchUpThrough: Int64? { box.withLock { $0.catchUpThrough } }

    /// Waits for the next delivery; nil once the mailbox is finished and empty, or the task is cancelled.
    public func next() async -> Delivery? {
        while true {
            switch take() {
            case .delivery(let delivery): return delivery
            case .ended: return nil
            case .empty: break
            }
            await withTaskCancellationHandler {
                await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                    let ready = box.withLock { box in
                        if box.hasMail || box.finished || box.cancelled { return true }
                        box.waiter = continuation
                        return false
                    }
                    if ready { continuation.resume() }
                }
            } onCancel: {
                let waiter = box.withLock { box in
                    box.cancelled = true
                    defer { box.waiter = nil }
                    return box.waiter
                }
                waiter?.resume()
            }
        }
    }

    private enum Taken {
        case delivery(Delivery)
        case ended
        case empty
    }

    private func take() -> Taken {
        box.withLock { box in
            if box.cancelled { return .ended }
            if box.hasMail {
                defer {
                    box.batches = []
                    box.heartbeat = false
                    box.shutdown = false
                    box.replaced = false
                }
                return .delivery(Delivery(batches: box.batches, heartbeat: box.heartbeat, shutdown: box.shutdown, replaced: box.replaced))
            }
            return box.finished ? .ended : .empty
        }
    }

    // MARK: The hub's side

    enum PushOutcome {
        /// In the mailbox (or dropped silently: the mailbox is finished).
        case queued
        /// Not added: the stream is `limit` batches behind.
        case full
        /// Not added: the hub writes it to this stream directly.
        case direct(DirectStream)
    }

    /// Adds a batch to the mailbox, unless the stream is written directly or too far behind.
    func push(_ events: [EncodedEvent]) -> PushOutcome {
        let (outcome, waiter) = box.withLock { box -> (PushOutcome, UnsafeContinuation<Void, Never>?) in
            guard !box.finished else { return (.queued, nil) }
            if let direct = box.direct { return (.direct(direct), nil) }
            guard box.batches.count < limit else { return (.full, nil) }
            box.batches.append(events)
            defer { box.waiter = nil }
            return (.queued, box.waiter)
        }
        waiter?.resume()
        return outcome
    }

    /// Hands the stream's events to `stream` from now on, when nothing waits in the mailbox (the
    /// caller writes what waits first, then asks again). False when something waits or the
    /// subscription is finished. `onEnd` runs on the event loop when direct writing stops.
    func writeDirectly(_ stream: DirectStream, reader: StreamReader, onEnd: @escaping @Sendable (DirectStream.Ending) -> Void) -> Bool {
        box.withLock { box in
            guard box.batches.isEmpty, !box.finished, !box.cancelled else { return false }
            box.direct = stream
            // Under the lock: the stream's start is queued on its event loop before any batch a
            // `push` hands it.
            stream.start(reader, onEnd: onEnd)
            return true
        }
    }

    func pushHeartbeat() {
        let waiter = box.withLock { box -> UnsafeContinuation<Void, Never>? in
            guard !box.finished else { return nil }
            box.heartbeat = true
            defer { box.waiter = nil }
            return box.waiter
        }
        waiter?.resume()
    }

    func setCatchUp(through seq: Int64) { box.withLock { $0.catchUpThrough = seq } }

    /// No more deliveries: the stream gets what is waiting (and the shutdown signal, if `shutdown`;
    /// the word that it was replaced, if `replaced`), then ends.
    func finish(shutdown: Bool = false, replaced: Bool = false) {
        let waiter = box.withLock { box -> UnsafeContinuation<Void, Never>? in
            guard !box.finished else { return nil }
            box.finished = true
            if shutdown { box.shutdown = true }
            if replaced { box.replaced = true }
            defer { box.waiter = nil }
            return box.waiter
        }
        waiter?.resume()
    }
}
