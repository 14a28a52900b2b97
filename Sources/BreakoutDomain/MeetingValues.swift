public import Foundation

/// The values that events, answers and snapshots are made of. Their JSON (with `JSONValueEncoder`)
/// is the shape clients know: the property names are the keys.

/// A meeting as its members see it.
public struct Meeting: Sendable, Equatable, Codable {
    public struct Settings: Sendable, Equatable, Codable {
        public var breakoutRoomsEnabled: Bool
        /// Who may join (docs/decisions.md, "People"). Default `anyone`.
        public var whoMayJoin: WhoMayJoin
        /// Emails of people who are co-hosts when they join signed in. Managers' eyes only.
        public var alternativeHosts: [String]

        public init(breakoutRoomsEnabled: Bool, whoMayJoin: WhoMayJoin = .anyone, alternativeHosts: [String] = []) {
            self.breakoutRoomsEnabled = breakoutRoomsEnabled
            self.whoMayJoin = whoMayJoin
            self.alternativeHosts = alternativeHosts
        }
    }

    /// Who may join a meeting.
    public enum WhoMayJoin: String, Sendable, Codable, CaseIterable {
        /// Anyone with the code, by name.
        case anyone
        /// Anyone signed in at the campus provider.
        case signedIn = "signed_in"
        /// Those on the meeting's pre-assignment list or among its alternative hosts, signed in.
        case invited
    }

    public var id: UUID
    public var code: String
    public var title: String
    public var settings: Settings
    public var status: String
    /// Shown in snapshots; the answer to creating a meeting leaves it out.
    public var createdAt: Date?

    public init(id: UUID, code: String, title: String, settings: Settings, status: String = "active", createdAt: Date? = nil) {
        self.id = id
        self.code = code
        self.title = title
        self.settings = settings
        self.status = status
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey { case id, code, title, settings, status, createdAt }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(code, forKey: .code)
        try container.encode(title, forKey: .title)
        try container.encode(settings, forKey: .settings)
        try container.encode(status, forKey: .status)
        if let createdAt { try container.encode(createdAt, forKey: .createdAt) }
    }
}

/// One person in a meeting. `email` is for managers' eyes: the server leaves it out of what
/// participants see.
public struct Participant: Sendable, Equatable, Codable {
    public var id: UUID
    public var displayName: String
    public var email: String?
    /// Whether the campus provider vouches for `email` (a signed-in participant's); a typed email
    /// is not verified.
    public var emailVerified: Bool
    public var role: Role
    /// nil is the main room.
    public var location: UUID?
    public var assignedRoomId: UUID?
    public var mutedByHost: Bool

    public init(
        id: UUID, displayName: String, email: String?, emailVerified: Bool = false, role: Role, location: UUID? = nil,
        assignedRoomId: UUID? = nil, mutedByHost: Bool = false
    ) {
        self.id = id
        self.displayName = displayName
        self.email = email
        self.emailVerified = emailVerified
        self.role = role
        self.location = location
        self.assignedRoomId = assignedRoomId
        self.mutedByHost = mutedByHost
    }

    enum CodingKeys: String, CodingKey { case id, displayName, email, emailVerified, role, location, assignedRoomId, mutedByHost }

    /// Events written before emails were marked verified have no `emailVerified`: not verified.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(UUID.self, forKey: .id)
        displayName = try container.decode(String.self, forKey: .displayName)
        email = try container.decodeIfPresent(String.self, forKey: .email)
        emailVerified = try container.decodeIfPresent(Bool.self, forKey: .emailVerified) ?? false
        role = try container.decode(Role.self, forKey: .role)
        location = try container.decodeIfPresent(UUID.self, forKey: .location)
        assignedRoomId = try container.decodeIfPresent(UUID.self, forKey: .assignedRoomId)
        mutedByHost = try container.decode(Bool.self, forKey: .mutedByHost)
    }
}

/// A breakout room.
public struct Room: Sendable, Equatable, Codable {
    public var id: UUID
    public var name: String
    public var position: Int

    public init(id: UUID, name: String, position: Int) {
        self.id = id
        self.name = name
        self.position = position
    }
}

/// A meeting's breakout rooms as members see them; `status` `none` has no mode, options or rooms.
public struct Breakout: Sendable, Equatable, Codable {
    public var status: BreakoutStatus
    public var mode: BreakoutMode?
    public var options: BreakoutOptions?
    public var rooms: [Room]
    public var openedAt: Date?
    public var timerEndsAt: Date?
    public var closingEndsAt: Date?

    public init(
        status: BreakoutStatus, mode: BreakoutMode?, options: BreakoutOptions?, rooms: [Room],
        openedAt: Date? = nil, timerEndsAt: Date? = nil, closingEndsAt: Date? = nil
    ) {
        self.status = status
        self.mode = mode
        self.options = options
        self.rooms = rooms
        self.openedAt = openedAt
        self.timerEndsAt = timerEndsAt
        self.closingEndsAt = closingEndsAt
    }

    /// A meeting without breakout rooms.
    public static let none = Breakout(status: .none, mode: nil, options: nil, rooms: [])
}

/// How a rotation turned out (docs/rules.md, rule 1, `rotate`): the seed that replays it, the
/// pairs it put together again, and those a seeded random split of the same people would have.
public struct RotationSummary: Sendable, Equatable, Codable {
    public var seed: Int
    public var repeatedPairs: Int
    public var randomRepeatedPairs: Int

    public init(seed: Int, outcome: Rotation.Outcome) {
        self.seed = seed
        (repeatedPairs, randomRepeatedPairs) = (outcome.repeatedPairs, outcome.randomRepeatedPairs)
    }
}

/// The answer of creating rooms: the breakout's keys, and `rotation` in `rotate` mode only.
public struct BreakoutCreation: Sendable, Equatable, Codable {
    public var breakout: Breakout
    public var rotation: RotationSummary?

    public init(breakout: Breakout, rotation: RotationSummary?) {
        (self.breakout, self.rotation) = (breakout, rotation)
    }

    enum CodingKeys: String, CodingKey { case rotation }

    public init(from decoder: any Decoder) throws {
        breakout = try Breakout(from: decoder)
        rotation = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(RotationSummary.self, forKey: .rotation)
    }

    public func encode(to encoder: any Encoder) throws {
        try breakout.encode(to: encoder)
        guard let rotation else { return }
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rotation, forKey: .rotation)
    }
}

/// A help request (docs/rules.md, rule 8).
public struct HelpRequest: Sendable, Equatable, Codable {
    public var id: UUID
    public var participantId: UUID
    public var roomId: UUID
    public var status: HelpStatus
    public var takenBy: UUID?
    public var createdAt: Date

    public init(id: UUID, participantId: UUID, roomId: UUID, status: HelpStatus, takenBy: UUID?, createdAt: Date) {
        self.id = id
        self.participantId = participantId
        self.roomId = roomId
        self.status = status
        self.takenBy = takenBy
        self.createdAt = createdAt
    }
}
