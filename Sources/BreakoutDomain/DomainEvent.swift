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

/// A change to announce: what happened (a typed payload) and who may see it. The rules decide
/// both; the store appends the event and the live stream carries it as it is.
public struct DomainEvent: Sendable, Equatable {
    public var payload: EventPayload
    public var audience: Audience

    public init(_ payload: EventPayload, to audience: Audience = .everyone) {
        self.payload = payload
        self.audience = audience
    }

    public var type: EventType { payload.type }
}

/// Every event's payload, by type. Encoded it is the payload object itself (`{"participantId":…}`):
/// the type travels beside it (the SSE `event:` name, the `type` column).
public enum EventPayload: Sendable, Equatable, Encodable {
    case participantJoined(ParticipantJoined)
    case participantLeft(ParticipantLeft)
    case roleChanged(RoleChanged)
    case breakoutCreated(BreakoutCreated)
    case breakoutDiscarded(BreakoutDiscarded)
    case roomAdded(RoomAdded)
    case roomRenamed(RoomRenamed)
    case roomDeleted(RoomDeleted)
    case optionsChanged(OptionsChanged)
    case assignmentChanged(Assignment)
    case breakoutOpened(BreakoutOpened)
    case movePrompt(Assignment)
    case participantMoved(ParticipantMoved)
    case broadcast(Broadcast)
    case timeUp(TimeUp)
    case breakoutClosing(BreakoutClosing)
    case breakoutClosed(BreakoutClosed)
    case helpRequested(HelpRequested)
    case helpTaken(HelpWorked)
    case helpResolved(HelpWorked)
    case muteChanged(MuteChanged)
    case meetingEnded(MeetingEnded)

    public var type: EventType {
        switch self {
        case .participantJoined: .participantJoined
        case .participantLeft: .participantLeft
        case .roleChanged: .roleChanged
        case .breakoutCreated: .breakoutCreated
        case .breakoutDiscarded: .breakoutDiscarded
        case .roomAdded: .roomAdded
        case .roomRenamed: .roomRenamed
        case .roomDeleted: .roomDeleted
        case .optionsChanged: .optionsChanged
        case .assignmentChanged: .assignmentChanged
        case .breakoutOpened: .breakoutOpened
        case .movePrompt: .movePrompt
        case .participantMoved: .participantMoved
        case .broadcast: .broadcast
        case .timeUp: .timeUp
        case .breakoutClosing: .breakoutClosing
        case .breakoutClosed: .breakoutClosed
        case .helpRequested: .helpRequested
        case .helpTaken: .helpTaken
        case .helpResolved: .helpResolved
        case .muteChanged: .muteChanged
        case .meetingEnded: .meetingEnded
        }
    }

    private var value: any Encodable & Sendable {
        switch self {
        case .participantJoined(let v): v
        case .participantLeft(let v): v
        case .roleChanged(let v): v
        case .breakoutCreated(let v): v
        case .breakoutDiscarded(let v): v
        case .roomAdded(let v): v
        case .roomRenamed(let v): v
        case .roomDeleted(let v): v
        case .optionsChanged(let v): v
        case .assignmentChanged(let v), .movePrompt(let v): v
        case .breakoutOpened(let v): v
        case .participantMoved(let v): v
        case .broadcast(let v): v
        case .timeUp(let v): v
        case .breakoutClosing(let v): v
        case .breakoutClosed(let v): v
        case .helpRequested(let v): v
        case .helpTaken(let v), .helpResolved(let v): v
        case .muteChanged(let v): v
        case .meetingEnded(let v): v
        }
    }

    public func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }

    /// Reads a stored payload of `type` (JSON text as `JSONValueEncoder` wrote it).
    public static func decode(_ type: EventType, from json: some DataProtocol) throws -> EventPayload {
        let data = Data(json)
        let decoder = JSONDecoder.breakout
        func read<T: Decodable>(_: T.Type) throws -> T { try decoder.decode(T.self, from: data) }
        return switch type {
        case .participantJoined: .participantJoined(try read(ParticipantJoined.self))
        case .participantLeft: .participantLeft(try read(ParticipantLeft.self))
        case .roleChanged: .roleChanged(try read(RoleChanged.self))
        case .breakoutCreated: .breakoutCreated(try read(BreakoutCreated.self))
        case .breakoutDiscarded: .breakoutDiscarded(try read(BreakoutDiscarded.self))
        case .roomAdded: .roomAdded(try read(RoomAdded.self))
        case .roomRenamed: .roomRenamed(try read(RoomRenamed.self))
        case .roomDeleted: .roomDeleted(try read(RoomDeleted.self))
        case .optionsChanged: .optionsChanged(try read(OptionsChanged.self))
        case .assignmentChanged: .assignmentChanged(try read(Assignment.self))
        case .breakoutOpened: .breakoutOpened(try read(BreakoutOpened.self))
        case .movePrompt: .movePrompt(try read(Assignment.self))
        case .participantMoved: .participantMoved(try read(ParticipantMoved.self))
        case .broadcast: .broadcast(try read(Broadcast.self))
        case .timeUp: .timeUp(try read(TimeUp.self))
        case .breakoutClosing: .breakoutClosing(try read(BreakoutClosing.self))
        case .breakoutClosed: .breakoutClosed(try read(BreakoutClosed.self))
        case .helpRequested: .helpRequested(try read(HelpRequested.self))
        case .helpTaken: .helpTaken(try read(HelpWorked.self))
        case .helpResolved: .helpResolved(try read(HelpWorked.self))
        case .muteChanged: .muteChanged(try read(MuteChanged.self))
        case .meetingEnded: .meetingEnded(try read(MeetingEnded.self))
        }
    }
}

/// Who sees which event is a rule: these say it once, for every command that announces them.
extension DomainEvent {
    /// A prompt to join a room goes to that participant only.
    public static func movePrompt(_ participantId: UUID, to roomId: UUID) -> DomainEvent {
        DomainEvent(.movePrompt(Assignment(participantId: participantId, roomId: roomId)), to: .only([participantId]))
    }

    /// A broadcast to one room reaches the people in it (`occupants`) and the managers.
    public static func broadcast(_ broadcast: Broadcast, occupants: [UUID]) -> DomainEvent {
        DomainEvent(.broadcast(broadcast), to: broadcast.roomId == nil ? .everyone : .managersAnd(occupants))
    }

    /// The help queue is the managers'; the asker sees what becomes of its own request.
    public static func helpRequested(_ request: HelpRequest) -> DomainEvent {
        DomainEvent(.helpRequested(HelpRequested(request: request)), to: .managersAnd([request.participantId]))
    }

    public static func helpWorked(_ worked: HelpWorked) -> DomainEvent {
        let payload: EventPayload = worked.request.status == .resolved ? .helpResolved(worked) : .helpTaken(worked)
        return DomainEvent(payload, to: .managersAnd([worked.request.participantId]))
    }

    /// The timer's end is news for the managers only.
    public static func timeUp(at now: Date) -> DomainEvent {
        DomainEvent(.timeUp(TimeUp(at: now)), to: .managers)
    }
}
