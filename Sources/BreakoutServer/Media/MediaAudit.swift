import BreakoutDomain
import BreakoutStore
import Foundation
import Logging
import Prometheus

/// The backstop behind the signalling: every second, one media worker (whichever takes the audit's
/// lock) lists Janus's rooms that have anyone in them, and kicks every feed whose id is not a
/// participant the database puts in that room. The nodes join rooms only as the database says, so
/// in a healthy service the audit finds nothing; it catches what slipped past: a feed planted on
/// Janus by something that is not a node, or one a dead node left behind.
///
/// Cost: one `list` and one `listparticipants` per occupied room, on the media worker's own Janus
/// session, and one query; 300 occupied rooms are 301 small requests a second to Janus.
struct MediaAudit: Sendable {
    let store: MeetingStore
    let janus: JanusClient
    let adminKey: String
    let kicks: Counter
    let logger: Logger

    /// Ids the nodes themselves join rooms under (the moderation pass's observer).
    static func isOwnObserver(_ id: String) -> Bool { id.hasPrefix("observer-") }

    /// One pass; the number of feeds kicked (nil: another node's worker holds the audit).
    @discardableResult
    func run() async throws -> Int? {
        try await store.withMediaAudit { members in
            let listed = try await janus.videoroom(["request": "list", "admin_key": .string(adminKey)])["list"]?.arrayValue ?? []
            let occupied = listed.compactMap { room -> String? in
                guard let name = room["room"]?.stringValue, (room["num_participants"]?.intValue ?? 0) > 0,
                      name.hasPrefix("main-") || name.hasPrefix("room-") else { return nil }
                return name
            }
            guard !occupied.isEmpty else { return 0 }
            // Janus first, the database after: a feed joins only after the database put its
            // participant in that room, so one that the database does not put there when asked
            // afterwards is a stranger (or has moved on), never a join the read came too early for.
            var feeds: [String: [String]] = [:]
            for room in occupied {
                do {
                    let participants = try await janus.videoroom(["request": "listparticipants", "room": .string(room)])["participants"]?.arrayValue ?? []
                    feeds[room] = participants.compactMap { $0["id"]?.stringValue }.filter { !Self.isOwnObserver($0) }
                } catch let failure as JanusClient.Failure where failure.code == VideoroomError.noSuchRoom {
                    continue
                }
            }
            let wanted = try await members(occupied)
            var kicked = 0
            for (room, ids) in feeds {
                for id in ids {
                    if let participantId = UUID(uuidString: id), wanted[room]?.participants.contains(participantId) == true { continue }
                    do {
                        _ = try await janus.videoroom([
                            "request": "kick", "room": .string(room), "id": .string(id),
                            "secret": .string(MediaSecrets.roomSecret(room, key: adminKey)),
                        ])
                    } catch let failure as JanusClient.Failure where failure.code == VideoroomError.noSuchFeed {
                        continue  // gone meanwhile
                    }
                    kicked += 1
                    kicks.increment()
                    logger.warning("media audit kicked a feed the database does not put in its room",
                                   metadata: ["room": "\(room)", "meeting": "\(wanted[room]?.meetingId.uuidString.lowercased() ?? "none")", "feed": "\(id)"])
                }
            }
            return kicked
        }
    }
}
