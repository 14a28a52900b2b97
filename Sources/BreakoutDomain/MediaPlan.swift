import Foundation

/// Which media room each participant may be in, as the media server should have it: one Janus
/// videoroom for the main session and one per breakout room, and in each room's `allowed` list the
/// participants located there. Computed from the database's state (docs/rules.md, "Media"), compared
/// with what was last applied, and turned into the few calls that close the gap.
public struct MediaLayout: Sendable, Equatable {
    /// Media room name → the participants allowed in it, and whether each is muted by the host.
    public var rooms: [String: [UUID: Bool]]

    public init(rooms: [String: [UUID: Bool]] = [:]) { self.rooms = rooms }

    /// The main session's media room.
    public static func mainRoom(of meetingId: UUID) -> String { "main-" + meetingId.uuidString.lowercased() }
    /// A breakout room's media room.
    public static func breakoutRoom(_ roomId: UUID) -> String { "room-" + roomId.uuidString.lowercased() }
    /// The media room of a location (nil: the main session).
    public static func room(of location: UUID?, in meetingId: UUID) -> String {
        location.map(breakoutRoom) ?? mainRoom(of: meetingId)
    }

    /// The layout the database asks for. An ended meeting has no media rooms; a live one has its
    /// main session's and one for each breakout room that exists (open or not, so opening the
    /// rooms finds their media ready), each allowing the participants located there.
    public static func wanted(meetingId: UUID, ended: Bool, roomIds: [UUID], participants: [Participant]) -> MediaLayout {
        guard !ended else { return MediaLayout() }
        var rooms: [String: [UUID: Bool]] = [mainRoom(of: meetingId): [:]]
        for roomId in roomIds { rooms[breakoutRoom(roomId)] = [:] }
        for participant in participants {
            let room = room(of: participant.location, in: meetingId)
            rooms[room, default: [:]][participant.id] = participant.mutedByHost
        }
        return MediaLayout(rooms: rooms)
    }
}

/// The calls that take the media server from one layout to another. Every call is harmless when
/// repeated (creating a room that exists, allowing a token already allowed, kicking someone absent),
/// so a plan interrupted half-way is simply planned and applied again.
public struct MediaPlan: Sendable, Equatable {
    /// Rooms to create, with their first `allowed` list.
    public var create: [String: Set<UUID>] = [:]
    /// Rooms to destroy (Janus drops everyone in them).
    public var destroy: Set<String> = []
    /// Tokens to add to rooms that exist.
    public var allow: [String: Set<UUID>] = [:]
    /// Tokens to take out of rooms that stay; their holders are kicked from the room's media too.
    public var disallow: [String: Set<UUID>] = [:]
    /// Rooms whose host mutes must be applied again (someone's mute changed, or a muted person
    /// arrived): a moderation pass there.
    public var moderate: Set<String> = []

    public init() {}

    public var isEmpty: Bool { create.isEmpty && destroy.isEmpty && allow.isEmpty && disallow.isEmpty && moderate.isEmpty }

    public static func from(_ applied: MediaLayout, to wanted: MediaLayout) -> MediaPlan {
        var plan = MediaPlan()
        for (room, members) in wanted.rooms {
            guard let before = applied.rooms[room] else {
                plan.create[room] = Set(members.keys)
                if members.values.contains(true) { plan.moderate.insert(room) }
                continue
            }
            let added = Set(members.keys).subtracting(before.keys)
            let removed = Set(before.keys).subtracting(members.keys)
            if !added.isEmpty { plan.allow[room] = added }
            if !removed.isEmpty { plan.disallow[room] = removed }
            if members.contains(where: { id, muted in before[id] != muted && (muted || before[id] == true) }) {
                plan.moderate.insert(room)
            }
        }
        for room in applied.rooms.keys where wanted.rooms[room] == nil {
            plan.destroy.insert(room)
        }
        return plan
    }
}
