import BreakoutDomain
import Foundation

/// What a browser may ask of its node on the media signalling connection
/// (`GET /v1/meetings/{id}/media/signal`, a WebSocket; openapi.yaml, "Media signalling"). This is
/// the whole list: the node refuses every other text, so nothing a client sends reaches Janus
/// except these requests, for the caller's own feed, in the caller's current room. Recording,
/// RTP forwarding, listing a room, another room, another feed id, another plugin: none of them can
/// be said here.
///
/// Each request may carry an `id` (a string of at most 64 characters); the answer to it carries
/// the same value as `re`.
enum SignalRequest: Equatable, Sendable {
    /// Join the media of my current location (the node looks it up; the client names no room).
    case join
    /// Publish my camera and microphone: an SDP offer, answered by `published` with Janus's answer.
    case publish(sdp: String)
    case unpublish
    /// Receive a roommate's feed: answered by `offer` (Janus's SDP offer for that feed).
    case subscribe(feed: UUID)
    /// My SDP answer to a feed's offer.
    case answer(feed: UUID, sdp: String)
    case unsubscribe(feed: UUID)
    /// An ICE candidate of my publisher (`feed` nil) or of one of my subscriptions; nil: no more.
    case trickle(feed: UUID?, candidate: Candidate?)
    /// Stop or start sending my audio or video.
    case mute(kind: Kind, muted: Bool)
    /// Leave the room's media (the connection stays open).
    case leave

    enum Kind: String, Sendable { case audio, video }

    struct Candidate: Equatable, Sendable {
        var candidate: String
        var sdpMid: String?
        var sdpMLineIndex: Int?
    }

    /// Why a request was refused: a stable code and a sentence, sent back as an `error` message.
    /// (A refusal of the token is the API's own code: `invalid_token`, `meeting_not_found`, …)
    struct Refusal: Error, Equatable {
        enum Code: String, CaseIterable {
            case malformedSignal = "malformed_signal"
            case signalRefused = "signal_refused"
            case notJoined = "not_joined"
            case notSubscribed = "not_subscribed"
            case noSuchFeed = "no_such_feed"
            case mediaNotReady = "media_not_ready"
            case mediaUnavailable = "media_unavailable"
            case mediaRefused = "media_refused"
        }

        let code: Code
        let detail: String

        static func malformed(_ detail: String) -> Refusal { Refusal(code: .malformedSignal, detail: detail) }
        static func refused(_ type: String) -> Refusal {
            Refusal(code: .signalRefused, detail: "'\(type)' is not a request of the media signalling; the node speaks for you to the media server.")
        }
    }

    /// An SDP is at most this long (a publisher's offer with audio and video is about 5 kB).
    static let maxSDPBytes = 64 * 1024

    /// Reads one text of the client: its `id` (so that a refusal answers it too) and its request,
    /// or the refusal.
    static func parse(_ text: String) -> (id: String?, request: Result<SignalRequest, Refusal>) {
        guard case .object(let body)? = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else {
            return (nil, .failure(.malformed("A signal is a JSON object.")))
        }
        guard let value = body["id"] else { return (nil, read(body)) }
        guard let id = value.stringValue, id.utf8.count <= 64 else {
            return (nil, .failure(.malformed("'id' is a string of at most 64 characters.")))
        }
        return (id, read(body))
    }

    private static func read(_ body: [String: JSONValue]) -> Result<SignalRequest, Refusal> {
        guard let type = body["type"]?.stringValue else { return .failure(.malformed("A signal has a 'type'.")) }
        do {
            return .success(try read(type, body))
        } catch let refusal as Refusal {
            return .failure(refusal)
        } catch {
            return .failure(.malformed("\(error)"))
        }
    }

    private static func read(_ type: String, _ body: [String: JSONValue]) throws -> SignalRequest {
        let fields: Set<String>
        let request: SignalRequest
        switch type {
        case "join": (fields, request) = ([], .join)
        case "publish": (fields, request) = (["sdp"], .publish(sdp: try sdp(body)))
        case "unpublish": (fields, request) = ([], .unpublish)
        case "subscribe": (fields, request) = (["feed"], .subscribe(feed: try feed(body)))
        case "answer": (fields, request) = (["feed", "sdp"], .answer(feed: try feed(body), sdp: try sdp(body)))
        case "unsubscribe": (fields, request) = (["feed"], .unsubscribe(feed: try feed(body)))
        case "trickle":
            let feed = body["feed"] == nil || body["feed"] == .null ? nil : try Self.feed(body)
            (fields, request) = (["feed", "candidate"], .trickle(feed: feed, candidate: try candidate(body["candidate"])))
        case "mute":
            guard let kind = body["kind"]?.stringValue.flatMap(Kind.init(rawValue:)) else {
                throw Refusal.malformed("'kind' is 'audio' or 'video'.")
            }
            guard let muted = body["muted"]?.boolValue else { throw Refusal.malformed("'muted' is true or false.") }
            (fields, request) = (["kind", "muted"], .mute(kind: kind, muted: muted))
        case "leave": (fields, request) = ([], .leave)
        default: throw Refusal.refused(type)
        }
        if let extra = Set(body.keys).subtracting(fields).subtracting(["type", "id"]).sorted().first {
            throw Refusal.malformed("'\(extra)' is not a field of '\(type)'.")
        }
        return request
    }

    private static func sdp(_ body: [String: JSONValue]) throws -> String {
        guard let sdp = body["sdp"]?.stringValue, !sdp.isEmpty, sdp.utf8.count <= maxSDPBytes else {
            throw Refusal.malformed("'sdp' is an SDP of at most \(maxSDPBytes) bytes.")
        }
        return sdp
    }

    private static func feed(_ body: [String: JSONValue]) throws -> UUID {
        guard let text = body["feed"]?.stringValue, let feed = UUID(uuidString: text) else {
            throw Refusal.malformed("'feed' is a participant id.")
        }
        return feed
    }

    private static func candidate(_ value: JSONValue?) throws -> Candidate? {
        guard let value, value != .null else { return nil }
        guard case .object(let fields) = value, let candidate = fields["candidate"]?.stringValue, candidate.utf8.count <= 1024 else {
            throw Refusal.malformed("'candidate' is an ICE candidate ({candidate, sdpMid, sdpMLineIndex}) or null.")
        }
        return Candidate(candidate: candidate, sdpMid: fields["sdpMid"]?.stringValue, sdpMLineIndex: fields["sdpMLineIndex"]?.intValue)
    }
}
