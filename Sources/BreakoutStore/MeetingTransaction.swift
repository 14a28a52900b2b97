import BreakoutDomain
import Foundation
import Logging
import PostgresNIO

/// A meeting while its row is locked, as the commands of one transaction see it: the facts loaded
/// at the start, the changes decided so far, and the events to append.
///
/// A transaction runs as **load → decide → write**: `CommandFacts` loads everything in one
/// statement, the rules decide in memory (`member`, `room`, `setLocation`, `emit`, …), and `write`
/// stores the participants' changes, the idempotency answers, the events and `last_seq` in one
/// statement. It holds no connection: a batchable command cannot read the database, since a read
/// would miss what earlier commands of its batch decided but have not written yet. Commands that
/// need more (creating rooms, opening, closing…) get an `ExclusiveTransaction`.
struct MeetingTransaction: Sendable {
    let meetingId: UUID
    let breakoutRoomsEnabled: Bool
    let lastSeq: Int64
    var breakout: BreakoutState
    let openedAt: Date?
    /// When the room timer and the close countdown end, as the breakout row says.
    let timerEndsAt: Date?
    let closingEndsAt: Date?
    let now: Date
    /// The meeting's rooms, in position order.
    let rooms: [Room]
    private var members: [UUID: Member]
    private(set) var changes = ParticipantChanges()
    private(set) var events: [DomainEvent] = []
    private(set) var answers: [(claim: Idempotency.Claim, answer: JSONValue)] = []
    private let storedAnswers: [CommandFacts.StoredAnswer]

    init(facts: CommandFacts, meetingId: UUID) throws {
        guard facts.exists, let lastSeq = facts.lastSeq, let nowMicros = facts.nowMicros else {
            throw DomainError.meetingNotFound
        }
        self.meetingId = meetingId
        self.breakoutRoomsEnabled = facts.breakoutRoomsEnabled ?? true
        self.lastSeq = lastSeq
        self.breakout = facts.breakout?.state ?? .none
        self.openedAt = facts.breakout?.openedAtMicros.map(Date.init(microsecondsSince1970:))
        self.timerEndsAt = facts.breakout?.timerEndsAtMicros.map(Date.init(microsecondsSince1970:))
        self.closingEndsAt = facts.breakout?.closingEndsAtMicros.map(Date.init(microsecondsSince1970:))
        self.now = Date(microsecondsSince1970: nowMicros)
        self.rooms = facts.rooms ?? []
        self.members = Dictionary((facts.members ?? []).map { ($0.id, $0.member) }, uniquingKeysWith: { first, _ in first })
        self.storedAnswers = facts.claims ?? []
    }

    // MARK: Facts

    /// One member of this meeting, as changed by the commands decided so far, or `participant_not_found`.
    func member(_ id: UUID) throws -> Member {
        guard let member = members[id] else { throw DomainError.participantNotFound }
        return member
    }

    /// A room of this meeting, or `room_not_found`.
    func room(_ id: UUID) throws -> Room {
        guard let room = rooms.first(where: { $0.id == id }) else { throw DomainError.roomNotFound }
        return room
    }

    /// The answer stored for `claim` by an earlier request (or an earlier command of this batch),
    /// nil when this is the first request with the key; `idempotency_key_reused` for another request.
    func storedAnswer(for claim: Idempotency.Claim) throws -> JSONValue? {
        if let earlier = answers.last(where: { $0.claim.scope == claim.scope && $0.claim.key == claim.key }) {
            guard earlier.claim.fingerprint == claim.fingerprint else { throw StoreError.keyReused }
            return earlier.answer
        }
        guard let stored = storedAnswers.first(where: { $0.scope == claim.scope && $0.key == claim.key }) else { return nil }
        guard stored.fingerprint == claim.fingerprint else { throw StoreError.keyReused }
        return try stored.result.map(claim.open) ?? .null
    }

    // MARK: Decisions

    mutating func setLocation(_ id: UUID, _ room: UUID?) {
        members[id]?.location = room
        changes.record(id) { $0.location = .some(room) }
    }

    mutating func setAssignment(_ id: UUID, _ room: UUID?) {
        members[id]?.assignedRoomId = room
        changes.record(id) { $0.assignedRoom = .some(room) }
    }

    mutating func setMuted(_ id: UUID, _ muted: Bool) {
        members[id]?.mutedByHost = muted
        changes.record(id) { $0.muted = muted }
    }

    mutating func setRole(_ id: UUID, _ role: Role) {
        members[id]?.role = role
        changes.record(id) { $0.role = role }
    }

    mutating func emit(_ event: DomainEvent) { events.append(event) }
    mutating func emit(_ events: [DomainEvent]) { self.events += events }

    mutating func store(_ answer: JSONValue, for claim: Idempotency.Claim) { answers.append((claim, answer)) }
}

/// An exclusive command's view: its meeting (`meeting`, with the same facts and decisions as a
/// batchable command's) and the transaction's connection, for the statements the loaded facts do
/// not cover. Such a command runs alone in its transaction, so its reads see everything decided.
@dynamicMemberLookup
struct ExclusiveTransaction: Sendable {
    var meeting: MeetingTransaction
    let connection: PostgresConnection
    let logger: Logger

    subscript<Value>(dynamicMember keyPath: KeyPath<MeetingTransaction, Value>) -> Value { meeting[keyPath: keyPath] }

    var breakout: BreakoutState {
        get { meeting.breakout }
        set { meeting.breakout = newValue }
    }

    mutating func emit(_ event: DomainEvent) { meeting.emit(event) }
    func member(_ id: UUID) throws -> Member { try meeting.member(id) }
    func room(_ id: UUID) throws -> Room { try meeting.room(id) }

    /// A statement in the command's transaction.
    @discardableResult
    func query(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try await connection.query(query, logger: logger)
    }
}

/// The participants' column changes a batch decided, one entry per participant (the last decision
/// wins), written by one `UPDATE … FROM unnest(…)`.
struct ParticipantChanges: Sendable {
    struct Change: Sendable {
        /// nil: unchanged; `.some(nil)`: the main room.
        var location: UUID??
        var assignedRoom: UUID??
        var muted: Bool?
        var role: Role?
    }

    private(set) var order: [UUID] = []
    private(set) var byId: [UUID: Change] = [:]

    var isEmpty: Bool { order.isEmpty }

    mutating func record(_ id: UUID, _ update: (inout Change) -> Void) {
        if byId[id] == nil { order.append(id) }
        update(&byId[id, default: Change()])
    }
}
