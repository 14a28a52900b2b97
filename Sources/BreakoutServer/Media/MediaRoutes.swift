import BreakoutDomain
import BreakoutStore
import Foundation
import Hummingbird

/// `GET /v1/meetings/{meetingId}/media`: where the caller's media is now (`{room, feedId, signal}`),
/// or 404 `media_off` when the service runs without media. The answer changes with every move; the
/// live stream's events say when to ask again. It carries no secret: the browser reaches the media
/// only through `signal`, the node's WebSocket (`MediaSignalling`), which a plain GET answers with
/// 426 `websocket_required`.
struct MediaRoutes: Sendable {
    let store: MeetingStore
    let configuration: MediaConfiguration?
    /// Told that someone is joining this meeting's media: after a Janus restart, the meetings
    /// people are in go before the backlog of every other live meeting.
    let worker: MediaWorker?

    struct Answer: Codable, Sendable {
        /// The videoroom: `main-<meeting id>` or `room-<room id>`.
        let room: String
        /// The caller's publisher id in the room: its participant id.
        let feedId: String
        /// The media signalling WebSocket's path (send the token as `?access_token=`).
        let signal: String
    }

    func register(on meeting: RouterGroup<BreakoutRequestContext>) {
        meeting.get("media") { _, context in
            let caller = try context.requireCaller()
            // Members only, even to learn that media is off.
            let (participantId, location, _) = try await store.mediaLocation(token: caller.token, meetingId: caller.meetingId)
            guard configuration != nil else { throw Self.mediaOff }
            worker?.notify(caller.meetingId)
            let answer = Answer(
                room: MediaLayout.room(of: location, in: caller.meetingId), feedId: participantId.uuidString.lowercased(),
                signal: "/v1/meetings/\(caller.meetingId.uuidString.lowercased())/media/signal")
            return try Routes.json(answer)
        }
        // Only a WebSocket upgrade is served here (before routing, by the server itself).
        meeting.get("media/signal") { _, context -> Response in
            let caller = try context.requireCaller()
            _ = try await store.mediaLocation(token: caller.token, meetingId: caller.meetingId)
            guard configuration != nil else { throw Self.mediaOff }
            throw Problem(.websocketRequired, "The media signalling is a WebSocket: connect with 'Upgrade: websocket'.")
        }
    }

    static let mediaOff = Problem(.mediaOff, "This service runs without audio and video.")
}
