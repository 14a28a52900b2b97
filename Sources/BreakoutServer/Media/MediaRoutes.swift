import BreakoutDomain
import BreakoutStore
import Foundation
import Hummingbird

/// `GET /v1/meetings/{meetingId}/media`: what the caller needs to join the media of its current
/// location (`{url, room, token, feedId}`), or 404 `media_off` when the service runs without media.
/// The answer changes with every move; the live stream's events say when to ask again.
struct MediaRoutes: Sendable {
    let store: MeetingStore
    let configuration: MediaConfiguration?
    /// Told that someone is joining this meeting's media: after a Janus restart, the meetings
    /// people are in go before the backlog of every other live meeting.
    let worker: MediaWorker?

    struct Answer: Codable, Sendable {
        /// Janus's API as the browser reaches it (`/janus`: the service's own origin).
        let url: String
        /// The videoroom: `main-<meeting id>` or `room-<room id>`.
        let room: String
        /// The caller's media token: Janus admits it in this room only.
        let token: String
        /// The caller's publisher id in the room: its participant id.
        let feedId: String
    }

    func register(on meeting: RouterGroup<BreakoutRequestContext>) {
        meeting.get("media") { _, context in
            let caller = try context.requireCaller()
            // Members only, even to learn that media is off.
            let (participantId, location) = try await store.mediaLocation(token: caller.token, meetingId: caller.meetingId)
            guard let configuration else {
                throw Problem(status: .notFound, code: "media_off", detail: "This service runs without audio and video.")
            }
            worker?.notify(caller.meetingId)
            let answer = Answer(
                url: configuration.publicURL, room: MediaLayout.room(of: location, in: caller.meetingId),
                token: MediaSecrets.participantToken(participantId, key: configuration.adminKey),
                feedId: participantId.uuidString.lowercased())
            return try Routes.json(answer)
        }
    }
}
