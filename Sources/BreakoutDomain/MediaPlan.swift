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

/// One row of what was applied: a participant's token in a media room's `allowed` list, and
/// whether the host's mute was applied to them there.
public struct MediaAllowance: Hashable, Sendable {
    public let room: String
    public let participantId: UUID
    public let muted: Bool

    public init(room: String, participantId: UUID, muted: Bool) {
        self.room = room
        self.participantId = participantId
        self.muted = muted
    }
}

/// The rows that change when the record of what was applied goes from one layout to another. Most
/// reconciles change a row or two (a move, a join) or none (a broadcast, a help request), while a
/// lecture's layout has a thousand: writing only the difference keeps a reconcile's cost with the
/// change, not with the meeting's size.
public struct MediaRecordChange: Sendable, Equatable {
    public var roomsGone: Set<String> = []
    public var roomsNew: Set<String> = []
    /// Rows to delete (a changed mute is one row gone and one new).
    public var allowancesGone: Set<MediaAllowance> = []
    public var allowancesNew: Set<MediaAllowance> = []

    public init(from recorded: MediaLayout, to applied: MediaLayout) {
        roomsGone = Set(recorded.rooms.keys).subtracting(applied.rooms.keys)
        roomsNew = Set(applied.rooms.keys).subtracting(recorded.rooms.keys)
        let before = recorded.allowances, after = applied.allowances
        // Rows of a room that goes are deleted with the room.
        allowancesGone = before.subtracting(after).filter { !roomsGone.contains($0.room) }
        allowancesNew = after.subtracting(before)
    }

    public var isEmpty: Bool { roomsGone.isEmpty && roomsNew.isEmpty && allowancesGone.isEmpty && allowancesNew.isEmpty }
}

extension MediaLayout {
    /// The layout as rows of `media_allowed`.
    public var allowances: Set<MediaAllowance> {
        var rows: Set<MediaAllowance> = []
        for (room, members) in rooms {
            for (id, muted) in members { rows.insert(MediaAllowance(room: room, participantId: id, muted: muted)) }
        }
        return rows
    }
}

extension EventType {
    /// Whether an event of this type can change the media layout: who is in the meeting, where
    /// they are, whom the host muted, which rooms exist, whether the meeting goes on. A reconcile
    /// whose new events are all of the other kinds (a broadcast, a help request, a renamed room)
    /// only records that the media is up to date: in a lecture of 1000 that is two statements
    /// instead of reading and comparing 2000 rows. Role and assignment changes move nobody (a
    /// move is its own `participant_moved`) but count as changes all the same: they are rare, and
    /// a wrong "no" here would leave media wrong until the next change. No `default`: a new event
    /// type must be decided here.
    public var mayChangeMedia: Bool {
        switch self {
        case .participantJoined, .participantLeft, .roleChanged, .breakoutCreated, .breakoutDiscarded, .roomAdded,
             .roomDeleted, .assignmentChanged, .breakoutOpened, .participantMoved, .timeUp, .breakoutClosed,
             .muteChanged, .meetingEnded:
            true
        case .roomRenamed, .optionsChanged, .movePrompt, .broadcast, .breakoutClosing, .helpRequested, .helpTaken,
             .helpResolved:
            false
        }
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
