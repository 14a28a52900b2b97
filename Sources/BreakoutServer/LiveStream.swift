import BreakoutDomain
import BreakoutStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /v1/meetings/{meetingId}/events`: the live stream as Server-Sent Events.
///
/// A fresh stream starts with a `snapshot` (id = its seq), shared with the node's other streams
/// that start at the same seq (`SharedSnapshots`). With `Last-Event-ID: n` it replays the events
/// after `n` the caller may see, then goes live; an `n` too old to replay (more than `maxReplay`
/// behind) or from the future gets a fresh `snapshot` instead. Live events come from the node's
/// `EventHub`, already encoded once per view; the stream picks its caller's frames. Whatever the
/// hub does not hand it (it started behind, or a batch is missing) is read from the database, and
/// anything already sent is skipped, so a stream never misses or repeats an event. Once caught
/// up, a stream served on a real connection is written by the hub on the connection's event loop
/// (`DirectStream`), and its task only waits for heartbeats, shutdown and the end.
///
/// An idle stream costs a suspended task and a small mailbox: heartbeats come from one node-wide
/// tick and the shutdown signal from the hub, not from tasks or handlers of its own. Everything
/// before the body runs in a short-lived child task (`ShortLivedTaskResponder`), and so do the
/// body's database calls (`inShortLivedTask`), so the connection's task, which writes the body,
/// does not keep their frames for the stream's whole life. A client that goes away is noticed at the latest at
/// the next heartbeat, whose write fails.
///
/// Hummingbird has no server-side SSE helper; the framing is the few lines in `SSEFrame`.
struct LiveStream: Sendable {
    let store: MeetingStore
    let hub: EventHub
    /// The most events a reconnect replays before it gets a snapshot instead. Default 1000.
    var maxReplay = 1000

    static let lastEventID = HTTPField.Name("Last-Event-ID")!

    func register(on router: Router<BreakoutRequestContext>) {
        router.group("v1/meetings/:meetingId/events")
            .add(middleware: AuthenticationMiddleware(acceptsQueryToken: true))
            .get(use: handle)
    }

    @Sendable func handle(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let identity = try await store.identify(token: caller.token, meetingId: caller.meetingId)
        let resumeFrom = try Self.resumePoint(request.headers[Self.lastEventID])
        // Where the stream starts is settled here, before the body, while the request still runs
        // in its short-lived task: the body runs on the connection's task for the stream's life.
        let start = try await start(identity, resumeFrom: resumeFrom)
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        let channel = context.channel
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await stream(to: &writer, identity: identity, from: start, channel: channel)
            try await writer.finish(nil)
        })
    }

    /// The `Last-Event-ID` a reconnecting client sends back: an id this service gave out, so a
    /// non-negative integer; anything else is refused rather than silently read as "none".
    static func resumePoint(_ header: String?) throws -> Int64? {
        guard let header else { return nil }
        let digits = header.trimmingCharacters(in: .whitespaces)
        guard (1...19).contains(digits.utf8.count), digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let seq = Int64(digits) else {
            throw Problem.invalid("Last-Event-ID", "must be the id of an event this stream sent (a non-negative integer)")
        }
        return seq
    }

    /// Whether a stream that has seen up to `n` can be replayed rather than given a snapshot.
    private func canReplay(after n: Int64, of meetingId: UUID) async throws -> Bool {
        // The node's own knowledge answers without a query when it serves the meeting and `n` is not ahead of it.
        let last: Int64?
        if let known = hub.knownSeq(of: meetingId), n <= known {
            last = known
        } else {
            last = try await store.lastSeqs(of: [meetingId])[meetingId]
        }
        guard let last else { return false }
        return n <= last && last - n <= Int64(maxReplay)
    }

    /// Where a stream starts: after the caller's `Last-Event-ID`, or from a snapshot.
    private enum Start: Sendable {
        case after(Int64)
        case snapshot(EncodedSnapshot)
    }

    private func start(_ identity: Identity, resumeFrom: Int64?) async throws -> Start {
        if let resumeFrom, try await canReplay(after: resumeFrom, of: identity.meetingId) { return .after(resumeFrom) }
        return .snapshot(try await hub.snapshots.snapshot(of: identity.meetingId, atLeast: hub.knownSeq(of: identity.meetingId) ?? 0))
    }

    private func stream(to writer: inout any ResponseBodyWriter, identity: Identity, from start: Start, channel: any Channel) async throws {
        var reader = StreamReader(identity: identity)
        switch start {
        case .after(let seq):
            // The events after it come from the hub's recent events or the database.
            reader.cursor = seq
        case .snapshot(let snapshot):
            reader.cursor = snapshot.seq
            reader.role = snapshot.role(of: identity.participantId)
            let frame = try snapshot.frame(for: identity.participantId)
            try await writer.write(frame.shared)
            try await writer.write(frame.own)
        }

        // Where the connection allows it, the hub writes the stream's events once it has caught up.
        let direct = await DirectStream.attach(to: channel, bufferLimit: hub.bufferLimit)
        defer { direct?.detach() }
        let subscription = hub.subscribe(identity.meetingId, after: reader.cursor)
        defer { hub.unsubscribe(subscription) }
        for oldest in hub.streamCap.admit(subscription, of: identity.participantId) { oldest.finish(replaced: true) }
        defer { hub.streamCap.remove(subscription, of: identity.participantId) }
        if let through = subscription.catchUpThrough, try await replay(through: through, to: &writer, reader: &reader) { return }
        // Ends when the hub drops this stream (too far behind), the node shuts down, or the client goes away.
        var writingDirectly = false
        while true {
            if !writingDirectly, let stream = direct {
                writingDirectly = subscription.writeDirectly(stream, reader: reader) { [hub] _ in hub.unsubscribe(subscription) }
            }
            // Written directly, the stream's task wakes only for heartbeats, shutdown and its end.
            guard let delivery = await subscription.next() else { return }
            if try await write(delivery, to: &writer, reader: &reader) { return }
        }
    }

    /// Writes what the hub delivered; true when the stream must end.
    private func write(
        _ delivery: LiveSubscription.Delivery, to writer: inout any ResponseBodyWriter, reader: inout StreamReader
    ) async throws -> Bool {
        var wrote = false
        for batch in delivery.batches {
            if let first = batch.first, first.seq > reader.cursor + 1 {
                // A gap: read what is missing from the database.
                if try await replay(through: first.seq - 1, to: &writer, reader: &reader) { return true }
            }
            let (frames, ended) = reader.frames(for: batch)
            if let frames {
                try await writer.write(frames)
                wrote = true
            }
            if ended { return true }
        }
        if delivery.replaced {
            // A newer stream of the same caller took this one's place: the client does not reconnect.
            try await writer.write(SSEFrame.replaced(limit: hub.streamCap.limit))
            return true
        }
        if delivery.shutdown {
            // Clients reconnect (to another node) after a second and resume from their last id.
            try await writer.write(SSEFrame.reconnectElsewhere)
            return true
        }
        // A write to a client that went away fails: that is how the stream notices.
        if delivery.heartbeat, !wrote { try await writer.write(SSEFrame.keepAlive) }
        return false
    }

    /// Writes the events after the reader's cursor up to `through`, read from the database (and
    /// encoded for this stream alone). True when the stream must end.
    @inline(never)  // rare (a reconnect, a gap): its frame is allocated only when it runs
    private func replay(through: Int64, to writer: inout any ResponseBodyWriter, reader: inout StreamReader) async throws -> Bool {
        while reader.cursor < through {
            let (meetingId, after) = (reader.identity.meetingId, reader.cursor)
            let batch = try await inShortLivedTask { [store] in
                try await store.events(of: meetingId, after: after, limit: Int(min(through - after, 500))).map(EncodedEvent.init)
            }
            guard !batch.isEmpty else { return false }
            let (frames, ended) = reader.frames(for: batch)
            if let frames { try await writer.write(frames) }
            if ended { return true }
        }
        return false
    }
}

/// Per-stream state: the caller's current role (for audiences) and how far it has been sent.
struct StreamReader {
    let identity: Identity
    var role: Role
    /// The newest seq written (or skipped as not for this caller).
    var cursor: Int64 = 0

    init(identity: Identity) {
        self.identity = identity
        self.role = identity.role
    }

    /// The frames of the events after `cursor` that the caller may see, and advances `cursor`.
    /// One frame is the shared buffer itself, not a copy; several are written as one buffer.
    /// `ended` is true when the stream must close after them (meeting ended, caller removed).
    mutating func frames(for events: [EncodedEvent]) -> (ByteBuffer?, ended: Bool) {
        var frames: ByteBuffer?
        let ended = visit(events) { event, role in
            let frame = event.frame(for: role)
            // Appending to a shared frame copies it first (copy on write): the shared one is never changed.
            if frames == nil { frames = frame } else { frames!.writeImmutableBuffer(frame) }
        }
        return (frames, ended)
    }

    /// Calls `write` with each event after `cursor` that the caller may see and the role whose
    /// view it gets, in order, and advances `cursor`. True when the stream must close after them.
    mutating func visit(_ events: [EncodedEvent], _ write: (EncodedEvent, Role) -> Void) -> Bool {
        for event in events where event.seq > cursor {
            cursor = event.seq
            let visible = event.audience.admits(identity.participantId, role: role)
            if visible { write(event, role) }
            switch event.type {
            case EventType.meetingEnded.rawValue:
                if !visible { write(event, .host) }
                return true
            case EventType.roleChanged.rawValue where event.subject == identity.participantId:
                if let newRole = event.newRole { role = newRole }
            case EventType.participantLeft.rawValue where event.subject == identity.participantId:
                return true
            default:
                break
            }
        }
        return false
    }
}

/// The wire format of Server-Sent Events (one JSON line of data per event).
enum SSEFrame {
    static func event(id: Int64, type: String, data: String) -> ByteBuffer {
        ByteBuffer(string: "id: \(id)\nevent: \(type)\ndata: \(data)\n\n")
    }

    /// `frame` as one chunk of an HTTP/1.1 chunked body (`<hex size>\r\n<frame>\r\n`), the form
    /// `DirectStream` writes straight to the socket.
    static func chunk(_ frame: ByteBuffer) -> ByteBuffer {
        var chunk = ByteBuffer(string: String(frame.readableBytes, radix: 16) + "\r\n")
        chunk.writeImmutableBuffer(frame)
        chunk.writeStaticString("\r\n")
        return chunk
    }

    static func comment(_ text: String) -> ByteBuffer { ByteBuffer(string: ": \(text)\n\n") }

    static func retry(milliseconds: Int) -> ByteBuffer { ByteBuffer(string: "retry: \(milliseconds)\n\n") }

    /// The heartbeat comment, one buffer for every stream.
    static let keepAlive = comment("keep-alive")
    /// On shutdown: clients reconnect (to another node) after a second.
    static let reconnectElsewhere = retry(milliseconds: 1000)

    /// The last frame of a stream that a newer one of the same caller replaced (`StreamCap`).
    static func replaced(limit: Int) -> ByteBuffer {
        ByteBuffer(string: "event: stream_replaced\ndata: {\"reason\":\"too_many_streams\",\"limit\":\(limit)}\n\n")
    }
}
