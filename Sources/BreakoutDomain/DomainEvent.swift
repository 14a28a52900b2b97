public import Foundation

/// Every event type of the live stream. The raw value is the SSE `event:` name.
public enum EventType: String, Sendable, Codable, CaseIterable {
    case participantJoined = "participant_joined"
    case participantLeft = "participant_left"
    case roleChanged = "role_changed"
    case breakoutCreated = "breakout_created"
    case breakoutDiscarded = "breakout_discarded"
    case roomAdded = "room_added"
    case roomRenamed = "room_renamed"
    case roomDeleted = "room_deleted"
    case optionsChanged = "options_changed"
    case assignmentChanged = "assignment_changed"
    case breakoutOpened = "breakout_opened"
    case movePrompt = "move_prompt"
    case participantMoved = "participant_moved"
    case broadcast
    case timeUp = "time_up"
    case breakoutClosing = "breakout_closing"
    case breakoutClosed = "breakout_closed"
    case helpRequested = "help_requested"
    case helpTaken = "help_taken"
    case helpResolved = "help_resolved"
    case muteChanged = "mute_changed"
    case meetingEnded = "meeting_ended"
}

/// Who may see an event. Managers are the host and the co-hosts at the moment of reading.
public enum Audience: Sendable, Equatable {
    /// Everyone in the meeting.
    case everyone
    /// Hosts and co-hosts only (the help queue, emails).
    case managers
    /// Hosts, co-hosts and the listed participants (a help request's author, a room's broadcast).
    case managersAnd([UUID])
    /// Only the listed participants (a `move_prompt`).
    case only([UUID])

    /// The stored form: a kind and the listed participants.
    public var kind: String {
        switch self {
        case .everyone: "everyone"
        case .managers: "managers"
        case .managersAnd: "managers_and"
        case .only: "only"
        }
    }

    public var recipients: [UUID] {
        switch self {
        case .everyone, .managers: []
        case .managersAnd(let ids), .only(let ids): ids
        }
    }

    public init?(kind: String, recipients: [UUID]) {
        switch kind {
        case "everyone": self = .everyone
        case "managers": self = .managers
        case "managers_and": self = .managersAnd(recipients)
        case "only": self = .only(recipients)
        default: return nil
        }
    }

    /// Whether a member with `role` and `id` may see an event with this audience.
    public func admits(_ id: UUID, role: Role) -> Bool {
        switch self {
        case .everyone: true
        case .managers: role.isManager
        case .managersAnd(let ids): role.isManager || ids.contains(id)
        case .only(let ids): ids.contains(id)
        }
    }
}

/// A change to announce: what happened, to whom, with which details.
public struct DomainEvent: Sendable, Equatable {
    public var type: EventType
    public var audience: Audience
    public var payload: JSONValue

    public init(_ type: EventType, to audience: Audience = .everyone, _ payload: JSONValue) {
        self.type = type
        self.audience = audience
        self.payload = payload
    }
}

extension JSONValue {
    public init(_ id: UUID?) { self = id.map { .string($0.uuidString.lowercased()) } ?? .null }
}
