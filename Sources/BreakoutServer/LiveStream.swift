import BreakoutDomain
import BreakoutStore
import Foundation
import HTTPTypes
import Hummingbird
import ServiceLifecycle

/// `GET /v1/meetings/{meetingId}/events`: the live stream as Server-Sent Events.
///
/// A fresh stream starts with a `snapshot` (id = its seq). With `Last-Event-ID: n` it replays the
/// events after `n` the caller may see, from the database, then goes live; an `n` too old to replay
/// (more than `maxReplay` behind) or from the future gets a fresh `snapshot` instead. Live events
/// come from the node's `EventHub`; a gap (a dropped batch) is filled from the database, and
/// anything already sent is skipped, so a stream never misses or repeats an event.
///
/// Hummingbird has no server-side SSE helper; the framing is the few lines in `SSEFrame`.
struct LiveStream: Sendable {
    let store: MeetingStore
    let hub: EventHub
    let heartbeat: Duration
    /// The most events a reconnect replays before it gets a snapshot instead. Default 1000.
    var maxReplay = 1000

    static let lastEventID = HTTPField.Name("Last-Event-ID")!

    func register(on router: Router<BreakoutRequestContext>) {
        router.get("v1/meetings/:meetingId/events", use: handle)
    }

    @Sendable func handle(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let meetingId = try Routes.id(context, "meetingId", "meeting")
        // EventSource cannot set headers, so the token may come as ?access_token= (never logged).
        guard let token = Routes.bearerToken(request) ?? request.uri.queryParameters.get("access_token"),
              !token.isEmpty
        else { throw Problem.missingToken }
        let identity = try await store.identify(token: token, meetingId: meetingId)
        let resumeFrom = request.headers[Self.lastEventID].flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await stream(to: &writer, identity: identity, resumeFrom: resumeFrom)
            try await writer.finish(nil)
        })
    }

    private func stream(to writer: inout any ResponseBodyWriter, identity: Identity, resumeFrom: Int64?) async throws {
        var reader = StreamReader(identity: identity)
        // Where the stream starts: a replay after `resumeFrom`, or a snapshot.
        var cursor: Int64
        if let resumeFrom, let last = try await store.lastSeqs(of: [identity.meetingId])[identity.meetingId],
           resumeFrom <= last, last - resumeFrom <= Int64(maxReplay) {
            cursor = resumeFrom
            let missed = try await store.events(of: identity.meetingId, after: resumeFrom, limit: maxReplay)
            let (frames, ended) = reader.frames(for: missed, after: &cursor)
            try await writer.write(frames)
            if ended { return }
        } else {
            let snapshot = try await store.snapshot(identity)
            cursor = Int64(snapshot["seq"]?.intValue ?? 0)
            if let role = snapshot["you"]?["role"]?.stringValue.flatMap(Role.init(rawValue:)) { reader.role = role }
            try await writer.write(SSEFrame.event(id: cursor, type: "snapshot", data: try SSEFrame.json(snapshot)))
        }

        let subscription = hub.subscribe(identity.meetingId, after: cursor)
        defer { hub.unsubscribe(identity.meetingId, id: subscription.id) }
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: heartbeat)
                        subscription.continuation.yield(.heartbeat)
                    }
                }
                // Anything committed between our start and the subscription is read now.
                group.addTask { await hub.refresh([identity.meetingId]) }
                defer { group.cancelAll() }
                // Ends when the hub drops this stream (too far behind) or the node shuts down.
                for await message in subscription.messages {
                    switch message {
                    case .heartbeat:
                        try await writer.write(SSEFrame.comment("keep-alive"))
                    case .shutdown:
                        // Clients reconnect (to another node) after a second and resume from their last id.
                        try await writer.write(SSEFrame.retry(milliseconds: 1000))
                        return
                    case .events(var batch):
                        if let first = batch.first, first.seq > cursor + 1 {
                            // A gap: read what is missing from the database.
                            let missing = try await store.events(of: identity.meetingId, after: cursor, limit: Int(first.seq - cursor - 1))
                            batch = missing + batch
                        }
                        let (frames, ended) = reader.frames(for: batch, after: &cursor)
                        if frames.readableBytes > 0 { try await writer.write(frames) }
                        if ended { return }
                    }
                }
            }
        } onGracefulShutdown: {
            subscription.continuation.yield(.shutdown)
        }
    }
}

/// Per-stream state: the caller's current role (for audiences) and the SSE frames of new events.
struct StreamReader {
    let identity: Identity
    var role: Role

    init(identity: Identity) {
        self.identity = identity
        self.role = identity.role
    }

    /// Frames for the events after `cursor` that the caller may see; advances `cursor`.
    /// `ended` is true when the stream must close after them (meeting ended, caller removed).
    mutating func frames(for events: [StoredEvent], after cursor: inout Int64) -> (ByteBuffer, ended: Bool) {
        var buffer = ByteBuffer()
        for event in events where event.seq > cursor {
            cursor = event.seq
            let visible = event.audience.admits(identity.participantId, role: role)
            if visible {
                // Emails are for managers' eyes only.
                let data = role.isManager ? event.payload : event.payloadWithoutEmails
                buffer.writeImmutableBuffer(SSEFrame.event(id: event.seq, type: event.type, data: data))
            }
            switch event.type {
            case EventType.meetingEnded.rawValue:
                if !visible { buffer.writeImmutableBuffer(SSEFrame.event(id: event.seq, type: event.type, data: event.payload)) }
                return (buffer, true)
            case EventType.roleChanged.rawValue where event.subject == identity.participantId:
                if let newRole = event.newRole { role = newRole }
            case EventType.participantLeft.rawValue where event.subject == identity.participantId:
                return (buffer, true)
            default:
                break
            }
        }
        return (buffer, false)
    }
}

/// The wire format of Server-Sent Events (one JSON line of data per event).
enum SSEFrame {
    static func event(id: Int64, type: String, data: String) -> ByteBuffer {
        ByteBuffer(string: "id: \(id)\nevent: \(type)\ndata: \(data)\n\n")
    }

    static func comment(_ text: String) -> ByteBuffer { ByteBuffer(string: ": \(text)\n\n") }

    static func retry(milliseconds: Int) -> ByteBuffer { ByteBuffer(string: "retry: \(milliseconds)\n\n") }

    static func json(_ value: JSONValue) throws -> String {
        String(decoding: try JSONEncoder.sorted.encode(value), as: UTF8.self)
    }
}
