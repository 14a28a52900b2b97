public import Foundation

/// One event of a meeting's log with what the log adds to the payload: its `seq` and when it was
/// written (`events.created_at`).
public struct LoggedEvent: Sendable, Equatable {
    public var seq: Int64
    public var at: Date
    public var payload: EventPayload

    public init(seq: Int64, at: Date, payload: EventPayload) {
        self.seq = seq
        self.at = at
        self.payload = payload
    }
}

/// One stay of one person in one breakout room (docs/rules.md, "Attendance").
public struct PresenceSpan: Sendable, Equatable, Codable {
    public var participantId: UUID
    /// The name and email the person joined with.
    public var displayName: String
    public var email: String?
    /// Which opening of the meeting's rooms the stay belongs to: 1 for the first "open all rooms".
    public var round: Int
    public var roomId: UUID
    /// The room's latest name in the log: a room renamed keeps its id, and its stays take the new name.
    public var roomName: String
    public var from: Date
    /// nil: the person is still in the room.
    public var to: Date?
    /// Whole seconds from `from` to `to` (or, for a stay still going, to the moment of reading).
    public var seconds: Int

    public init(
        participantId: UUID, displayName: String, email: String?, round: Int, roomId: UUID, roomName: String, from: Date,
        to: Date?, seconds: Int
    ) {
        self.participantId = participantId
        self.displayName = displayName
        self.email = email
        self.round = round
        self.roomId = roomId
        self.roomName = roomName
        self.from = from
        self.to = to
        self.seconds = seconds
    }
}

/// Who was in which breakout room and for how long, read from a meeting's event log: one span per
/// stay (docs/rules.md, "Attendance"; docs/decisions.md, "Attendance"). The main session is not a
/// room and has no spans.
///
/// What moves people, and so what this reads: joining straight into a room (a late joiner moved
/// automatically), opening with `moveAutomatically` (everyone assigned enters their room), every
/// `participant_moved` (own moves, hosts hopping, a reassignment while open), a deleted room (its
/// occupants go to main), closing (at once, or when the countdown ends: everyone to main), leaving
/// or being removed, and the end of the meeting. The SQL view `breakout_presence` (sql/014) reads
/// the same events the same way; the tests hold them to the same answer.
public enum Attendance {
    /// The event types that move people or name them and their rooms; others change nothing here.
    public static let eventTypes: [EventType] = [
        .participantJoined, .participantLeft, .breakoutCreated, .breakoutDiscarded, .roomAdded, .roomRenamed,
        .roomDeleted, .assignmentChanged, .breakoutOpened, .participantMoved, .breakoutClosed, .meetingEnded,
    ]

    /// The spans of `events` (one meeting's, in `seq` order), ordered by when they began, then by
    /// room name and display name. A stay still going has `to` nil and counts its seconds up to `now`.
    public static func spans(_ events: [LoggedEvent], now: Date) -> [PresenceSpan] {
        var reader = Reader()
        for event in events { reader.read(event) }
        for person in reader.current.keys { reader.end(person, at: nil) }
        let spans = reader.finished.map { stay in
            let person = reader.people[stay.person]
            let span = PresenceSpan(
                participantId: stay.person, displayName: person?.displayName ?? "", email: person?.email,
                round: stay.round, roomId: stay.room, roomName: reader.roomNames[stay.room] ?? "", from: stay.from, to: stay.to,
                seconds: wholeSeconds(from: stay.from, to: stay.to ?? max(now, stay.from)))
            return (fromSeq: stay.fromSeq, span: span)
        }
        return spans.sorted { a, b in
            if a.fromSeq != b.fromSeq { return a.fromSeq < b.fromSeq }
            if a.span.roomName != b.span.roomName { return a.span.roomName < b.span.roomName }
            if a.span.displayName != b.span.displayName { return a.span.displayName < b.span.displayName }
            return a.span.participantId.uuidString < b.span.participantId.uuidString
        }.map { $0.span }
    }

    /// Whole seconds between two times, counted in the database's microseconds, so that the API
    /// and the SQL view (`floor(extract(epoch from to - from))`) agree to the second.
    public static func wholeSeconds(from: Date, to: Date) -> Int {
        let micros = microseconds(to) - microseconds(from)
        return micros <= 0 ? 0 : Int(micros / 1_000_000)
    }

    static func microseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    private struct Stay {
        var person: UUID
        var room: UUID
        var round: Int
        var fromSeq: Int64
        var from: Date
        var to: Date?
    }

    private struct Reader {
        var people: [UUID: (displayName: String, email: String?)] = [:]
        var roomNames: [UUID: String] = [:]
        var assigned: [UUID: UUID] = [:]
        var current: [UUID: Stay] = [:]
        var finished: [Stay] = []
        var round = 0
        var seq: Int64 = 0
        var at = Date(timeIntervalSince1970: 0)

        mutating func read(_ event: LoggedEvent) {
            seq = event.seq
            at = event.at
            switch event.payload {
            case .participantJoined(let joined):
                let participant = joined.participant
                people[participant.id] = (participant.displayName, participant.email)
                if let room = participant.assignedRoomId { assigned[participant.id] = room }
                if let room = participant.location { enter(participant.id, room) }
            case .participantLeft(let left):
                end(left.participantId, at: at)
                assigned[left.participantId] = nil
            case .breakoutCreated(let created):
                for room in created.breakout.rooms { roomNames[room.id] = room.name }
                assigned = [:]
                for (room, members) in created.assignments {
                    guard let room = UUID(uuidString: room) else { continue }
                    for person in members { assigned[person] = room }
                }
            case .breakoutDiscarded:
                assigned = [:]
            case .roomAdded(let added):
                roomNames[added.room.id] = added.room.name
            case .roomRenamed(let renamed):
                roomNames[renamed.roomId] = renamed.name
            case .roomDeleted(let deleted):
                for person in deleted.movedToMain { end(person, at: at) }
                assigned = assigned.filter { $0.value != deleted.roomId }
            case .assignmentChanged(let assignment):
                assigned[assignment.participantId] = assignment.roomId
            case .breakoutOpened(let opened):
                round += 1
                guard opened.moveAutomatically else { break }
                for (person, room) in assigned { enter(person, room) }
            case .participantMoved(let moved):
                end(moved.participantId, at: at)
                if let room = moved.to { enter(moved.participantId, room) }
            case .breakoutClosed, .meetingEnded:
                for person in current.keys { end(person, at: at) }
            default:
                break
            }
        }

        /// `person` is now in `room`; a stay elsewhere ends first. Being there already changes nothing.
        mutating func enter(_ person: UUID, _ room: UUID) {
            if current[person]?.room == room { return }
            end(person, at: at)
            current[person] = Stay(person: person, room: room, round: max(round, 1), fromSeq: seq, from: at)
        }

        /// `person`'s stay, if any, ends at `time` (nil: it is still going).
        mutating func end(_ person: UUID, at time: Date?) {
            guard var stay = current.removeValue(forKey: person) else { return }
            stay.to = time
            finished.append(stay)
        }
    }
}
