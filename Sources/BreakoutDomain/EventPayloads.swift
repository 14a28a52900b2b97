public import Foundation

/// What each event says: one type per payload, whose properties are the payload's keys.
/// Several are also the answer of the command that caused them.

public struct ParticipantJoined: Sendable, Equatable, Codable {
    public var participant: Participant
    public init(participant: Participant) { self.participant = participant }
}

public struct ParticipantLeft: Sendable, Equatable, Codable {
    public enum Reason: String, Sendable, Codable {
        case left
        case removed
    }

    public var participantId: UUID
    public var reason: Reason
    public init(participantId: UUID, reason: Reason) {
        self.participantId = participantId
        self.reason = reason
    }
}

public struct RoleChanged: Sendable, Equatable, Codable {
    public var participantId: UUID
    public var role: Role
    public init(participantId: UUID, role: Role) {
        self.participantId = participantId
        self.role = role
    }
}

/// The rooms just made and who was assigned where: compact, one list of participant ids per room
/// that has any (`{roomId: [participantId]}`), not one entry per person.
public struct BreakoutCreated: Sendable, Equatable, Codable {
    public var breakout: Breakout
    public var assignments: [String: [UUID]]

    public init(breakout: Breakout, assignments: [UUID: [UUID]]) {
        self.breakout = breakout
        self.assignments = Dictionary(
            uniqueKeysWithValues: assignments.filter { !$0.value.isEmpty }.map { ($0.key.uuidString.lowercased(), $0.value) })
    }
}

public struct BreakoutDiscarded: Sendable, Equatable, Codable {
    public init() {}
}

public struct RoomAdded: Sendable, Equatable, Codable {
    public var room: Room
    public init(room: Room) { self.room = room }
}

public struct RoomRenamed: Sendable, Equatable, Codable {
    public var roomId: UUID
    public var name: String
    public init(roomId: UUID, name: String) {
        self.roomId = roomId
        self.name = name
    }
}

public struct RoomDeleted: Sendable, Equatable, Codable {
    public var roomId: UUID
    /// Who was in the room and is now in the main room.
    public var movedToMain: [UUID]
    public init(roomId: UUID, movedToMain: [UUID]) {
        self.roomId = roomId
        self.movedToMain = movedToMain
    }
}

/// New options; `timerEndsAt` is there only when the change moved or removed a running timer.
public struct OptionsChanged: Sendable, Equatable, Codable {
    public var options: BreakoutOptions
    public var timer: BreakoutRules.TimerChange

    public init(options: BreakoutOptions, timer: BreakoutRules.TimerChange) {
        self.options = options
        self.timer = timer
    }

    enum CodingKeys: String, CodingKey { case options, timerEndsAt }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        options = try container.decode(BreakoutOptions.self, forKey: .options)
        if !container.contains(.timerEndsAt) {
            timer = .unchanged
        } else if let endsAt = try container.decodeIfPresent(Date.self, forKey: .timerEndsAt) {
            timer = .endsAt(endsAt)
        } else {
            timer = .removed
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(options, forKey: .options)
        switch timer {
        case .unchanged: break
        case .endsAt(let endsAt): try container.encode(endsAt, forKey: .timerEndsAt)
        case .removed: try container.encodeNil(forKey: .timerEndsAt)
        }
    }
}

/// A participant's room: an `assignment_changed`, a `move_prompt`, and the answer of an assignment.
public struct Assignment: Sendable, Equatable, Codable {
    public var participantId: UUID
    /// nil: unassigned.
    public var roomId: UUID?
    public init(participantId: UUID, roomId: UUID?) {
        self.participantId = participantId
        self.roomId = roomId
    }
}

/// Compact: with `moveAutomatically` it says what happened (every participant with an assigned
/// room is now in it) instead of listing every move.
public struct BreakoutOpened: Sendable, Equatable, Codable {
    public var openedAt: Date
    public var timerEndsAt: Date?
    public var moveAutomatically: Bool
    public init(openedAt: Date, timerEndsAt: Date?, moveAutomatically: Bool) {
        self.openedAt = openedAt
        self.timerEndsAt = timerEndsAt
        self.moveAutomatically = moveAutomatically
    }
}

public struct ParticipantMoved: Sendable, Equatable, Codable {
    public var participantId: UUID
    /// nil: the main room.
    public var from: UUID?
    public var to: UUID?
    public init(participantId: UUID, from: UUID?, to: UUID?) {
        self.participantId = participantId
        self.from = from
        self.to = to
    }
}

public struct Broadcast: Sendable, Equatable, Codable {
    public var message: String
    /// nil: to everyone.
    public var roomId: UUID?
    public var from: UUID
    public var sentAt: Date
    public init(message: String, roomId: UUID?, from: UUID, sentAt: Date) {
        self.message = message
        self.roomId = roomId
        self.from = from
        self.sentAt = sentAt
    }
}

public struct TimeUp: Sendable, Equatable, Codable {
    public var at: Date
    public init(at: Date) { self.at = at }
}

public struct BreakoutClosing: Sendable, Equatable, Codable {
    public var closingEndsAt: Date
    public var countdownSeconds: Int
    public init(closingEndsAt: Date, countdownSeconds: Int) {
        self.closingEndsAt = closingEndsAt
        self.countdownSeconds = countdownSeconds
    }
}

public struct BreakoutClosed: Sendable, Equatable, Codable {
    public var closedAt: Date
    public init(closedAt: Date) { self.closedAt = closedAt }
}

public struct HelpRequested: Sendable, Equatable, Codable {
    public var request: HelpRequest
    public init(request: HelpRequest) { self.request = request }
}

/// A help request taken or resolved, and by whom.
public struct HelpWorked: Sendable, Equatable, Codable {
    public var request: HelpRequest
    public var by: UUID
    public init(request: HelpRequest, by: UUID) {
        self.request = request
        self.by = by
    }
}

public struct MuteChanged: Sendable, Equatable, Codable {
    public var participantIds: [UUID]
    public var muted: Bool
    public var by: UUID
    public init(participantIds: [UUID], muted: Bool, by: UUID) {
        self.participantIds = participantIds
        self.muted = muted
        self.by = by
    }
}

public struct MeetingEnded: Sendable, Equatable, Codable {
    public var endedAt: Date
    public init(endedAt: Date) { self.endedAt = endedAt }
}
