public import BreakoutDomain
public import Foundation
import PostgresNIO

/// Meetings and membership: create, join, leave or remove, roles, end (docs/rules.md, rules 10 and 11).
extension MeetingStore {
    /// A new meeting and its host's way in.
    public struct CreatedMeeting: IdempotentResult, Equatable {
        public var meeting: Meeting
        public var hostToken: String
        public var participantId: UUID
    }

    /// A signed-in person, and the nodes' secret that derives their participant tokens.
    public struct SignedIn: Sendable {
        public var user: User
        public var tokenSecret: String
        public init(user: User, tokenSecret: String) {
            self.user = user
            self.tokenSecret = tokenSecret
        }

        func token(in meetingId: UUID) -> String {
            Tokens.participantToken(meetingId: meetingId, userId: user.id, secret: tokenSecret)
        }

        /// The email a meeting may trust: a verified one.
        var verifiedEmail: String? { user.emailVerified ? user.email : nil }
    }

    /// Creates a meeting whose creator is its host: the meeting, its host and the first event in one
    /// statement. With an idempotency key the key is claimed first, in the same transaction. A
    /// signed-in creator owns it and is its host (by its own name and email) from any browser.
    public func createMeeting(
        title: String, hostName: String, settings: Meeting.Settings, owner: SignedIn? = nil, courseId: UUID? = nil,
        claim: Idempotency.Claim? = nil
    ) async throws -> CreatedMeeting {
        let title = try InputValidation.title(title)
        let hostName = try owner.map { String($0.user.name.prefix(64)) } ?? InputValidation.displayName(hostName, field: "hostName")
        let alternativeHosts = try settings.alternativeHosts.map { try InputValidation.email($0, field: "settings.alternativeHosts") }
        let meetingId = UUID()
        let host = Participant(
            id: UUID(), displayName: hostName, email: owner?.user.email, emailVerified: owner?.verifiedEmail != nil, role: .host)
        let token = owner?.token(in: meetingId) ?? Tokens.generate()
        let joined = try JSONValueEncoder().text(EventPayload.participantJoined(ParticipantJoined(participant: host)))
        // A fresh code collides with an existing one about once in 10^14 meetings; retry then.
        for attempt in 1...5 {
            let code = MeetingCode.generate()
            do {
                let logger = logger
                return try await boundedTransaction { connection in
                    if let claim, let stored = try await claimIdempotencyKey(claim, on: connection) {
                        return try CreatedMeeting(storedForm: stored)
                    }
                    // A course's meeting is made by one of its owners (docs/rules.md, "Courses").
                    if let courseId {
                        guard let owner else { throw DomainError.courseNotFound }
                        _ = try await Self.accessibleCourse(courseId, user: owner.user, on: connection, logger: logger)
                    }
                    try await connection.query(
                        """
                        WITH meeting AS (
                            INSERT INTO meetings (id, code, title, breakout_rooms_enabled, last_seq, owner_id, who_may_join, alternative_hosts, course_id)
                            VALUES (\(meetingId), \(code), \(title), \(settings.breakoutRoomsEnabled), 1, \(owner?.user.id),
                                    \(settings.whoMayJoin.rawValue), \(alternativeHosts), \(courseId))
                        ), host AS (
                            INSERT INTO participants (id, meeting_id, display_name, email, email_verified, role, token_hash, user_id)
                            VALUES (\(host.id), \(meetingId), \(hostName), \(host.email), \(host.emailVerified), 'host',
                                    \(Tokens.hash(token)), \(owner?.user.id))
                        )
                        INSERT INTO events (meeting_id, seq, type, audience, payload)
                        VALUES (\(meetingId), 1, \(EventType.participantJoined.rawValue), 'everyone', \(joined)::jsonb)
                        """, logger: logger)
                    var settings = settings
                    settings.alternativeHosts = alternativeHosts
                    let meeting = Meeting(id: meetingId, code: code, title: title, settings: settings)
                    let created = CreatedMeeting(meeting: meeting, hostToken: token, participantId: host.id)
                    if let claim { try await storeIdempotentResult(claim, result: try created.storedForm(), on: connection) }
                    return created
                }
            } catch {
                let error = Self.translate(error)
                if let failure = error as? StoreError, failure.code == .conflict, attempt < 5 { continue }
                throw error
            }
        }
        throw StoreError.codeExhausted
    }

    /// A participant's way into a meeting.
    public struct Joined: IdempotentResult, Equatable {
        public var meetingId: UUID
        public var participantId: UUID
        public var token: String
    }

    /// Anyone with the code joins as a participant (as the meeting's `whoMayJoin` allows); a late
    /// joiner gets a room when the options say so. A signed-in person joins by the provider's name
    /// and email, and joining again (any tab, any device) is the same participant; an alternative
    /// host joins as a co-host.
    public func join(
        code: String, displayName: String?, email: String?, signedIn: SignedIn? = nil, claim: Idempotency.Claim? = nil
    ) async throws -> Joined {
        let displayName = try signedIn.map { String($0.user.name.prefix(64)) }
            ?? InputValidation.displayName(displayName ?? "")
        let email = try signedIn.map { $0.user.email } ?? email.map { try InputValidation.email($0) }
        let normalized = MeetingCode.normalize(code)
        let logger = logger
        let found = try await withBoundedConnection { connection -> UUID? in
            for try await id in try await connection.query(
                "SELECT id FROM meetings WHERE code = \(normalized)", logger: logger).decode(UUID.self) { return id }
            return nil
        }
        guard let meetingId = found else { throw DomainError.noMeetingWithCode }
        let participantId = UUID()
        let token = signedIn?.token(in: meetingId) ?? Tokens.generate()
        // The pre-assignment list matches a signed-in person's email only when the provider verified it.
        let listedEmail = signedIn.map { $0.verifiedEmail } ?? email
        let maxParticipants = limits.maxParticipants
        return try await anonymousCommand(meetingId, claim: claim) { transaction in
            var role = Role.participant
            // The people besides the host, counted up to the cap only (under the meeting's lock, so
            // two joins cannot both take the last place): at most `maxParticipants` index entries.
            for try await (whoMayJoin, alternativeHosts, ownerId, existing, participants) in try await transaction.query(
                """
                SELECT m.who_may_join, m.alternative_hosts, m.owner_id,
                       (SELECT p.id FROM participants p WHERE p.meeting_id = m.id AND p.user_id = \(signedIn?.user.id)),
                       (SELECT count(*) FROM (SELECT 1 FROM participants p WHERE p.meeting_id = m.id AND p.role <> 'host'
                                              LIMIT \(maxParticipants)) AS counted)::int
                FROM meetings m WHERE m.id = \(meetingId)
                """).decode((String, [String], UUID?, UUID?, Int).self) {
                // One person, one participant: the same one again, as it is now. Its token is
                // derived again; stored anew in case the nodes' secret changed since.
                if let existing {
                    try await transaction.query(
                        """
                        UPDATE participants SET token_hash = \(Tokens.hash(token))
                        WHERE id = \(existing) AND token_hash <> \(Tokens.hash(token))
                        """)
                    return Joined(meetingId: meetingId, participantId: existing, token: token)
                }
                guard participants < maxParticipants else { throw DomainError.meetingFull(maxParticipants) }
                let verified = signedIn?.verifiedEmail
                let alternativeHost = verified.map(alternativeHosts.contains) ?? false
                switch Meeting.WhoMayJoin(rawValue: whoMayJoin) ?? .anyone {
                case .anyone: break
                case .signedIn:
                    guard signedIn != nil else { throw DomainError.signInRequired }
                case .invited:
                    guard let user = signedIn?.user else { throw DomainError.signInRequired }
                    var invited = alternativeHost || ownerId == user.id
                    // Listed by the subject they signed in with, or by their verified email.
                    if !invited {
                        for try await _ in try await transaction.query(
                            """
                            SELECT 1 FROM preassignments
                            WHERE meeting_id = \(meetingId) AND (subject = \(user.subject) OR email = \(verified)) LIMIT 1
                            """
                        ).decode(Int.self) { invited = true }
                    }
                    guard invited else { throw DomainError.notInvited }
                }
                if alternativeHost { role = .cohost }
            }
            // The least populated room, for a late joiner, by assignment count; and the room the
            // pre-assignment list names for the joiner, if it exists (same statement): by the
            // subject a signed-in joiner has, else by email, as PreassignedRooms.listedRoom does.
            var rooms: [(id: UUID, assigned: Int)] = []
            var preassignedRoom: UUID?
            if transaction.breakout.status.hasRooms, transaction.breakout.options.assignLateJoiners {
                let rows = try await transaction.query(
                    """
                    WITH listed AS (
                        SELECT pa.room_name FROM preassignments pa
                        WHERE pa.meeting_id = \(meetingId) AND (pa.subject = \(signedIn?.user.subject) OR pa.email = \(listedEmail))
                        ORDER BY pa.subject IS NULL LIMIT 1
                    )
                    SELECT r.id, (SELECT count(*) FROM participants p WHERE p.meeting_id = r.meeting_id AND p.assigned_room_id = r.id),
                           r.name IN (SELECT room_name FROM listed)
                    FROM rooms r WHERE r.meeting_id = \(meetingId) ORDER BY r.position
                    """)
                for try await (id, count, preassigned) in rows.decode((UUID, Int, Bool).self) {
                    rooms.append((id, count))
                    if preassigned { preassignedRoom = id }
                }
            }
            let late = BreakoutRules.lateJoiner(
                role: role, breakout: transaction.breakout, rooms: rooms, preassignedRoom: preassignedRoom)
            var location: UUID?
            if case .move(let room)? = late?.effect { location = room }
            try await transaction.query(
                """
                INSERT INTO participants (id, meeting_id, display_name, email, email_verified, role, token_hash, assigned_room_id,
                                          location_room_id, user_id)
                VALUES (\(participantId), \(meetingId), \(displayName), \(email), \(signedIn?.verifiedEmail != nil), \(role.rawValue),
                        \(Tokens.hash(token)), \(late?.room), \(location), \(signedIn?.user.id))
                """)
            let participant = Participant(
                id: participantId, displayName: displayName, email: email, emailVerified: signedIn?.verifiedEmail != nil,
                role: role, location: location,
                assignedRoomId: late?.room)
            transaction.emit(DomainEvent(.participantJoined(ParticipantJoined(participant: participant))))
            if case .prompt? = late?.effect, let room = late?.room { transaction.emit(.movePrompt(participantId, to: room)) }
            return Joined(meetingId: meetingId, participantId: participantId, token: token)
        }
    }

    /// Leaves the meeting (`target` is the caller) or, for the host, removes someone.
    public func removeParticipant(_ caller: Caller, target targetId: UUID) async throws {
        _ = try await exclusiveCommand(caller, about: [targetId]) { transaction, actor in
            let target = try transaction.member(targetId)
            let left = try MembershipRules.remove(actor: actor, target: target)
            try await transaction.query("DELETE FROM participants WHERE meeting_id = \(transaction.meetingId) AND id = \(targetId)")
            transaction.emit(left)
            return NoContent()
        }
    }

    /// The host appoints or demotes a co-host.
    public func setRole(_ caller: Caller, target targetId: UUID, role: Role) async throws {
        _ = try await command(caller, about: [targetId]) { meeting, actor in
            let target = try meeting.member(targetId)
            guard let changed = try MembershipRules.setRole(actor: actor.role, target: target, role: role) else { return NoContent() }
            meeting.setRole(targetId, role)
            meeting.emit(changed)
            return NoContent()
        }
    }

    /// The host ends the meeting: every token stops working; pending timers of it fire as stale.
    public func endMeeting(_ caller: Caller) async throws {
        _ = try await exclusiveCommand(caller) { transaction, actor in
            try MembershipRules.end(actor: actor.role)
            try await transaction.query("UPDATE meetings SET status = 'ended', ended_at = now() WHERE id = \(transaction.meetingId)")
            transaction.emit(DomainEvent(.meetingEnded(MeetingEnded(endedAt: transaction.now))))
            return NoContent()
        }
    }
}
