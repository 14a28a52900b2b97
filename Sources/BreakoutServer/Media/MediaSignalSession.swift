import BreakoutDomain
import BreakoutStore
import Foundation
import HummingbirdWebSocket
import Logging
import NIOWebSocket

/// One participant's media signalling connection: the browser's requests (`SignalRequest`) become
/// Janus requests that only the node can make, on a Janus session the node holds for this
/// connection, in the room where the database says the participant is, under the participant's own
/// id, with a token the browser never sees.
///
/// Everything happens on one task, one input at a time: the browser's texts, what Janus sends on
/// its own, the hub's news of the participant's location, and the keep-alive tick. So the state
/// below needs no lock, and a move that arrives while a join is on its way is handled right after it.
final class MediaSignalSession {
    enum Input: Sendable {
        case client(String)
        case janus(JanusSocket.Delivery)
        case change(MediaSignalHub.Change)
        case keepalive
        case closed
    }

    let meetingId: UUID
    let participantId: UUID
    let token: String
    private let socket: JanusSocket
    private let store: MeetingStore
    private let configuration: MediaConfiguration
    private let worker: MediaWorker?
    private let outbound: WebSocketOutboundWriter
    private let yield: @Sendable (Input) -> Void
    private let logger: Logger

    // What this connection holds at Janus.
    private var session: UInt64?
    private var publisher: UInt64?
    private var room: String?
    /// The location joined (valid while `room` is set).
    private var joinedLocation: UUID?
    private var privateId: JSONValue?
    /// The room's publishers, as Janus told the publisher handle: the feeds one may subscribe to.
    private var feeds: Set<UUID> = []
    private var subscriptions: [UUID: UInt64] = [:]
    /// The mids of my published audio and video (for muting one kind).
    private var mids: [SignalRequest.Kind: [String]] = [:]
    /// What the participant asked not to send, and whether the host muted it: audio goes to the
    /// room only when neither holds (the media worker's `moderate` is the backstop).
    private var selfMuted: Set<SignalRequest.Kind> = []
    private var mutedByHost = false
    /// Set when the connection must end (removed, meeting ended, replaced).
    private(set) var closeCode: WebSocketErrorCode?

    init(
        meetingId: UUID, participantId: UUID, token: String, socket: JanusSocket, store: MeetingStore,
        configuration: MediaConfiguration, worker: MediaWorker?, outbound: WebSocketOutboundWriter,
        yield: @escaping @Sendable (Input) -> Void, logger: Logger
    ) {
        self.meetingId = meetingId
        self.participantId = participantId
        self.token = token
        self.socket = socket
        self.store = store
        self.configuration = configuration
        self.worker = worker
        self.outbound = outbound
        self.yield = yield
        self.logger = logger
    }

    private var feedId: String { participantId.uuidString.lowercased() }

    // MARK: Inputs

    /// Handles one input; false when the connection is to end.
    func handle(_ input: Input) async -> Bool {
        switch input {
        case .client(let text):
            let (id, parsed) = SignalRequest.parse(text)
            do {
                try await perform(try parsed.get(), id: id)
            } catch let refusal as SignalRequest.Refusal {
                await send(["type": "error", "code": .string(refusal.code.rawValue), "detail": .string(refusal.detail)], re: id)
            } catch let error as DomainError {
                await send(["type": "error", "code": .string(error.code.rawValue), "detail": .string(error.detail)], re: id)
            } catch {
                logger.warning("media signalling request failed", metadata: ["meeting": "\(meetingId)", "error": "\(error)"])
                await send(["type": "error", "code": .string(SignalRequest.Refusal.Code.mediaUnavailable.rawValue),
                            "detail": "The media server did not answer; try again."], re: id)
            }
        case .janus(.event(let event)):
            await janusEvent(event)
        case .janus(.transportLost):
            guard session != nil else { return true }
            forgetJanus()
            await send(["type": "left", "reason": "media_lost"], re: nil)
        case .change(.presence(let presence)):
            if room != nil && presence.location != joinedLocation {
                await leaveRoom(reason: "moved")
            } else if presence.mutedByHost != mutedByHost {
                mutedByHost = presence.mutedByHost
                try? await applySending(.audio)
            }
        case .change(.gone):
            await leaveRoom(reason: "removed")
            closeCode = .init(codeNumber: 4410)
        case .change(.replaced):
            await leaveRoom(reason: "replaced")
            closeCode = .init(codeNumber: 4409)
        case .keepalive:
            if let session { _ = try? await socket.request(["janus": "keepalive", "session_id": Self.number(session)], ackIsEnough: true) }
        case .closed:
            await end()
            return false
        }
        return closeCode == nil
    }

    /// Destroys what this connection holds at Janus (its feeds leave their rooms at once).
    func end() async {
        if let session { await socket.destroySession(session) }
        forgetJanus()
    }

    // MARK: Requests

    private func perform(_ request: SignalRequest, id: String?) async throws {
        switch request {
        case .join:
            try await join(id: id)
        case .publish(let sdp):
            let publisher = try joinedPublisher()
            let answer = try await message(publisher, ["request": "publish"], jsep: ["type": "offer", "sdp": .string(sdp)])
            guard let jsep = answer.jsep?["sdp"]?.stringValue else { throw Self.janusRefused(answer.data) }
            mids = [:]
            for stream in answer.data["streams"]?.arrayValue ?? [] {
                if let kind = stream["type"]?.stringValue.flatMap(SignalRequest.Kind.init(rawValue:)), let mid = stream["mid"]?.stringValue {
                    mids[kind, default: []].append(mid)
                }
            }
            if mutedByHost || selfMuted.contains(.audio) { try await applySending(.audio) }
            if selfMuted.contains(.video) { try await applySending(.video) }
            await send(["type": "published", "sdp": .string(jsep)], re: id)
        case .unpublish:
            let answer = try await message(try joinedPublisher(), ["request": "unpublish"])
            if answer.data["error_code"] != nil { throw Self.janusRefused(answer.data) }
            await send(["type": "ok"], re: id)
        case .subscribe(let feed):
            try await subscribe(feed, id: id)
        case .answer(let feed, let sdp):
            guard let handle = subscriptions[feed] else { throw SignalRequest.Refusal(code: .notSubscribed, detail: "You receive no such feed.") }
            let answer = try await message(handle, ["request": "start"], jsep: ["type": "answer", "sdp": .string(sdp)])
            if answer.data["error_code"] != nil { throw Self.janusRefused(answer.data) }
            await send(["type": "ok"], re: id)
        case .unsubscribe(let feed):
            if let handle = subscriptions.removeValue(forKey: feed), let session {
                _ = try? await socket.request(["janus": "detach", "session_id": Self.number(session), "handle_id": Self.number(handle)])
            }
            await send(["type": "ok"], re: id)
        case .trickle(let feed, let candidate):
            let handle: UInt64
            if let feed {
                guard let subscription = subscriptions[feed] else { throw SignalRequest.Refusal(code: .notSubscribed, detail: "You receive no such feed.") }
                handle = subscription
            } else {
                handle = try joinedPublisher()
            }
            var body: [String: JSONValue] = ["janus": "trickle", "session_id": Self.number(session ?? 0), "handle_id": Self.number(handle)]
            if let candidate {
                var fields: [String: JSONValue] = ["candidate": .string(candidate.candidate)]
                if let mid = candidate.sdpMid { fields["sdpMid"] = .string(mid) }
                if let index = candidate.sdpMLineIndex { fields["sdpMLineIndex"] = .number(Double(index)) }
                body["candidate"] = .object(fields)
            } else {
                body["candidate"] = ["completed": true]
            }
            _ = try await socket.request(body, ackIsEnough: true)
            if id != nil { await send(["type": "ok"], re: id) }
        case .mute(let kind, let muted):
            _ = try joinedPublisher()
            if muted { selfMuted.insert(kind) } else { selfMuted.remove(kind) }
            try await applySending(kind)
            await send(["type": "ok"], re: id)
        case .leave:
            if let session { await socket.destroySession(session) }
            forgetJanus()
            await send(["type": "ok"], re: id)
        }
    }

    /// Joins the media of the caller's current location, as the database says it now: a fresh
    /// Janus session (the old one, if any, is destroyed, which leaves its room), a publisher handle,
    /// and the videoroom join under the participant's id with the token only the nodes know.
    private func join(id: String?) async throws {
        let (participantId, location, muted) = try await store.mediaLocation(token: token, meetingId: meetingId)
        mutedByHost = muted
        guard participantId == self.participantId else { throw DomainError.invalidToken }
        worker?.notify(meetingId)
        if let session { await socket.destroySession(session) }
        forgetJanus()
        guard await socket.waitUntilConnected(timeout: .seconds(1)) else {
            throw SignalRequest.Refusal(code: .mediaUnavailable, detail: "The media server cannot be reached; try again.")
        }
        let yield = self.yield
        let session = try await socket.createSession { yield(.janus($0)) }
        self.session = session
        let room = MediaLayout.room(of: location, in: meetingId)
        let publisher = try await attach(session)
        let join: [String: JSONValue] = [
            "request": "join", "ptype": "publisher", "room": .string(room), "id": .string(feedId), "display": "",
            "token": .string(MediaSecrets.participantToken(participantId, key: configuration.adminKey)),
        ]
        var answer = try await message(publisher, join)
        // Someone with this id is in the room already: the same person on another node or tab.
        // One identity holds one publisher per room, so the newest join takes the place.
        if answer.data["error_code"]?.intValue == VideoroomError.idExists {
            _ = try? await message(publisher, ["request": "kick", "room": .string(room), "id": .string(feedId),
                                               "secret": .string(MediaSecrets.roomSecret(room, key: configuration.adminKey))])
            answer = try await message(publisher, join)
        }
        guard answer.data["videoroom"]?.stringValue == "joined" else {
            await socket.destroySession(session)
            forgetJanus()
            // 433 (not allowed) or 426 (no such room): the worker has not yet put the caller there.
            throw SignalRequest.Refusal(code: .mediaNotReady, detail: "Your room's media is being prepared; join again in a moment.")
        }
        self.publisher = publisher
        self.room = room
        self.joinedLocation = location
        privateId = answer.data["private_id"]
        feeds = Set((answer.data["publishers"]?.arrayValue ?? []).compactMap(feed(of:)))
        await send([
            "type": "joined", "room": .string(room), "location": location.map { .string($0.uuidString.lowercased()) } ?? .null,
            "feedId": .string(feedId), "feeds": .array(feeds.sorted { $0.uuidString < $1.uuidString }.map(Self.feedJSON)),
            // TURN for networks that let no UDP through: credentials for this person, for an hour.
            "iceServers": configuration.iceServers(for: participantId, now: Date()),
        ], re: id)
    }

    private func subscribe(_ feed: UUID, id: String?) async throws {
        guard let session, let room else { throw Self.notJoined }
        guard feed != participantId, feeds.contains(feed) else {
            throw SignalRequest.Refusal(code: .noSuchFeed, detail: "Nobody publishes that feed in your room.")
        }
        if let old = subscriptions.removeValue(forKey: feed) {
            _ = try? await socket.request(["janus": "detach", "session_id": Self.number(session), "handle_id": Self.number(old)])
        }
        let handle = try await attach(session)
        var join: [String: JSONValue] = [
            "request": "join", "ptype": "subscriber", "room": .string(room), "streams": [["feed": .string(feed.uuidString.lowercased())]],
            "token": .string(MediaSecrets.participantToken(participantId, key: configuration.adminKey)),
        ]
        if let privateId { join["private_id"] = privateId }
        let answer = try await message(handle, join)
        guard let sdp = answer.jsep?["sdp"]?.stringValue else {
            _ = try? await socket.request(["janus": "detach", "session_id": Self.number(session), "handle_id": Self.number(handle)])
            throw Self.janusRefused(answer.data)
        }
        subscriptions[feed] = handle
        await send(["type": "offer", "feed": .string(feed.uuidString.lowercased()), "sdp": .string(sdp)], re: id)
    }

    // MARK: What Janus says on its own

    private func janusEvent(_ event: [String: JSONValue]) async {
        let sender = event["sender"].flatMap(JanusSocket.id)
        switch event["janus"]?.stringValue {
        case "timeout":
            forgetJanus()
            await send(["type": "left", "reason": "media_lost"], re: nil)
        case "hangup":
            if let sender, let feed = subscriptions.first(where: { $0.value == sender })?.key {
                await send(["type": "hangup", "feed": .string(feed.uuidString.lowercased())], re: nil)
            } else if sender != nil && sender == publisher {
                await send(["type": "hangup", "feed": .null], re: nil)
            }
        case "event":
            guard sender != nil && sender == publisher, case .object(let data)? = event["plugindata"]?["data"] else { return }
            if data["videoroom"]?.stringValue == "destroyed" {
                await leaveRoom(reason: "media_lost")
                return
            }
            let added = (data["publishers"]?.arrayValue ?? []).compactMap(feed(of:)).filter { !feeds.contains($0) }
            feeds.formUnion(added)
            var removed: [UUID] = []
            for key in ["unpublished", "leaving", "kicked"] {
                if let text = data[key]?.stringValue, let feed = UUID(uuidString: text), feeds.remove(feed) != nil { removed.append(feed) }
            }
            if data["leaving"]?.stringValue == "ok" && data["reason"]?.stringValue == "kicked" {
                // Taken out of the room by the media worker or the audit (the database moved the
                // participant, and this node has not heard yet), or by this person's newer join.
                await kicked()
                return
            }
            if !added.isEmpty || !removed.isEmpty {
                await send(["type": "feeds", "added": .array(added.map(Self.feedJSON)),
                            "removed": .array(removed.map { .string($0.uuidString.lowercased()) })], re: nil)
            }
        default:
            break
        }
    }

    /// Kicked from the room joined: moved (join again where the database says), or replaced by a
    /// newer join of the same person (this page stops).
    private func kicked() async {
        let location = try? await store.mediaLocation(token: token, meetingId: meetingId).location
        if let location, location == joinedLocation {
            await leaveRoom(reason: "replaced")
            closeCode = .init(codeNumber: 4409)
        } else {
            await leaveRoom(reason: "moved")
        }
    }

    // MARK: Helpers

    /// Tells Janus whether to relay my `kind` to the room: audio only while neither I nor the host
    /// muted it, video while I did not turn it off.
    private func applySending(_ kind: SignalRequest.Kind) async throws {
        guard let publisher, let streams = mids[kind], !streams.isEmpty else { return }
        let sending = !selfMuted.contains(kind) && !(kind == .audio && mutedByHost)
        let answer = try await message(publisher, ["request": "configure", "streams": .array(streams.map {
            JSONValue.object(["mid": .string($0), "send": .bool(sending)])
        })])
        if answer.data["error_code"] != nil { throw Self.janusRefused(answer.data) }
    }

    private func leaveRoom(reason: String) async {
        guard session != nil else { return }
        await end()
        await send(["type": "left", "reason": .string(reason)], re: nil)
    }

    private func forgetJanus() {
        session = nil
        publisher = nil
        room = nil
        joinedLocation = nil
        privateId = nil
        feeds = []
        subscriptions = [:]
        mids = [:]
    }

    private func joinedPublisher() throws -> UInt64 {
        guard let publisher else { throw Self.notJoined }
        return publisher
    }

    private func attach(_ session: UInt64) async throws -> UInt64 {
        let answer = try await socket.request(["janus": "attach", "session_id": Self.number(session), "plugin": "janus.plugin.videoroom"])
        guard let handle = answer["data"]?["id"].flatMap(JanusSocket.id) else { throw JanusSocket.Failure(code: nil, description: "Janus attached no handle") }
        return handle
    }

    /// A videoroom request on `handle`: its `plugindata.data` and its SDP, if any.
    private func message(_ handle: UInt64, _ body: [String: JSONValue], jsep: [String: JSONValue]? = nil) async throws
        -> (data: [String: JSONValue], jsep: [String: JSONValue]?)
    {
        var request: [String: JSONValue] = ["janus": "message", "session_id": Self.number(session ?? 0), "handle_id": Self.number(handle), "body": .object(body)]
        if let jsep { request["jsep"] = .object(jsep) }
        let answer = try await socket.request(request)
        guard case .object(let data)? = answer["plugindata"]?["data"] else { throw JanusSocket.Failure(code: nil, description: "Janus answered without plugin data") }
        if case .object(let jsep)? = answer["jsep"] { return (data, jsep) }
        return (data, nil)
    }

    /// A publisher of the room, as a participant id (the node's own observers have other ids).
    private func feed(of publisher: JSONValue) -> UUID? {
        guard let id = publisher["id"]?.stringValue, let feed = UUID(uuidString: id), feed != participantId else { return nil }
        return feed
    }

    func send(_ message: [String: JSONValue], re: String?) async {
        var message = message
        if let re { message["re"] = .string(re) }
        guard let data = try? JSONEncoder.sortedKeys.encode(JSONValue.object(message)) else { return }
        try? await outbound.write(.text(String(decoding: data, as: UTF8.self)))
    }

    private static func feedJSON(_ feed: UUID) -> JSONValue { ["feed": .string(feed.uuidString.lowercased())] }
    private static func number(_ id: UInt64) -> JSONValue { .number(Double(id)) }
    private static let notJoined = SignalRequest.Refusal(code: .notJoined, detail: "Join your room's media first.")
    private static func janusRefused(_ data: [String: JSONValue]) -> SignalRequest.Refusal {
        SignalRequest.Refusal(code: .mediaRefused, detail: data["error"]?.stringValue ?? "The media server refused.")
    }
}
