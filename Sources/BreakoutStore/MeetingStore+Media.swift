public import BreakoutDomain
public import Foundation
import PostgresNIO

/// What the media workers read and record (sql/013_media.sql). The database decides who may be in
/// which media room; these calls let a worker claim one meeting, compare the wanted layout with the
/// applied one, and record what it applied, all in one transaction. Commands never touch these
/// tables, so they never wait for a media worker.
extension MeetingStore {
    /// A claimed meeting: the layout the database asks for and the one last applied.
    public struct MediaClaim: Sendable {
        public let meetingId: UUID
        /// The meeting's `last_seq` when the wanted layout was read.
        public let seq: Int64
        public let wanted: MediaLayout
        public let applied: MediaLayout
        /// An earlier reconcile of this meeting died between its Janus calls and its commit:
        /// `applied` may be wrong, and the media server's own state must be read instead.
        public let appliedIsUncertain: Bool
    }

    /// Where the caller's media is: its participant id, its location (nil: the main session) and
    /// whether the host muted it.
    public func mediaLocation(token: String, meetingId: UUID) async throws -> (participantId: UUID, location: UUID?, mutedByHost: Bool) {
        let logger = logger
        return try await withBoundedConnection { connection in
            let rows = try await connection.query(
                """
                SELECT p.id, p.meeting_id, m.status, p.location_room_id, p.muted_by_host FROM participants p JOIN meetings m ON m.id = p.meeting_id
                WHERE p.token_hash = \(Tokens.hash(token))
                """, logger: logger)
            for try await (participantId, tokenMeeting, status, location, muted) in rows.decode((UUID, UUID, String, UUID?, Bool).self) {
                guard tokenMeeting == meetingId else { throw DomainError.meetingNotFound }
                guard status == "active" else { throw DomainError.meetingEnded }
                return (participantId, location, muted)
            }
            throw DomainError.invalidToken
        }
    }

    /// Where a participant is and whether the host muted it, as the media signalling follows it.
    public struct MediaPresence: Sendable, Equatable {
        public let location: UUID?
        public let mutedByHost: Bool
    }

    /// Where each of `participants` is now (nil: the main session) and whether the host muted it,
    /// for the nodes' media signalling:
    /// one read per meeting event, for the participants whose signalling this node serves. Someone
    /// who left or was removed is absent; an ended (or unknown) meeting answers nil.
    public func mediaLocations(meetingId: UUID, participants: [UUID]) async throws -> [UUID: MediaPresence]? {
        let logger = logger
        return try await withBoundedConnection { connection in
            let rows = try await connection.query(
                """
                SELECT m.status, p.id, p.location_room_id, coalesce(p.muted_by_host, false) FROM meetings m
                LEFT JOIN participants p ON p.meeting_id = m.id AND p.id = ANY(\(participants))
                WHERE m.id = \(meetingId)
                """, logger: logger)
            var active = false
            var presence: [UUID: MediaPresence] = [:]
            for try await (status, participantId, location, muted) in rows.decode((String, UUID?, UUID?, Bool).self) {
                active = status == "active"
                if let participantId { presence[participantId] = MediaPresence(location: location, mutedByHost: muted) }
            }
            return active ? presence : nil
        }
    }

    /// Meetings whose media lags their events: live ones not reconciled up to their last event,
    /// and ended ones whose media rooms still exist. At most `limit`: those reconciled most
    /// recently first (after a Janus restart, the meetings in use before it), never-reconciled
    /// ones last (a new meeting's own events bring it in at once anyway).
    public func meetingsWithStaleMedia(limit: Int = 500) async throws -> [UUID] {
        let logger = logger
        return try await withBoundedConnection { connection in
            var ids: [UUID] = []
            let rows = try await connection.query(
                """
                SELECT id FROM (
                    (SELECT m.id, mm.applied_at FROM meetings m LEFT JOIN media_meetings mm ON mm.meeting_id = m.id
                     WHERE m.status = 'active' AND coalesce(mm.applied_seq, -1) < m.last_seq
                     ORDER BY mm.applied_at DESC NULLS LAST LIMIT \(limit))
                    UNION ALL
                    (SELECT DISTINCT r.meeting_id, NULL::timestamptz FROM media_rooms r JOIN meetings m ON m.id = r.meeting_id
                     WHERE m.status = 'ended' LIMIT \(limit))
                ) AS stale ORDER BY applied_at DESC NULLS LAST
                """, logger: logger)
            for try await id in rows.decode(UUID.self) { ids.append(id) }
            return ids
        }
    }

    /// Claims `meetingId` for reconciling, unless another worker holds it (then nil, at once) or
    /// its media is up to date (then nil too). `apply` gets the wanted and applied layouts, makes
    /// the media server match, and returns what it applied; that is recorded, with the seq, in the
    /// same transaction. If `apply` throws, nothing is recorded and the claim is released.
    /// Returns the seq applied.
    public func reconcileMedia(
        _ meetingId: UUID, server: String, apply: @escaping @Sendable (MediaClaim) async throws -> MediaLayout
    ) async throws -> Int64? {
        let logger = logger
        return try await withBoundedConnection { connection in
            // Most wake-ups find nothing to do (every node hears every NOTIFY; a page joining the
            // media asks too): one read settles those, with no write. When the new events cannot
            // change the layout (EventType.mayChangeMedia), recording that they are applied is all
            // there is to do; a claimer busy with the meeting makes that update wait and then miss
            // (it moved `applied_seq`), which is right either way.
            var state: (upToDate: Bool, onlyUnchanging: Bool, applied: Int64, last: Int64)?
            for try await (upToDate, onlyUnchanging, applied, last) in try await connection.query(
                """
                SELECT mm.applied_seq >= m.last_seq, mm.applied_seq >= 0 AND NOT EXISTS (
                           SELECT 1 FROM events e WHERE e.meeting_id = m.id AND e.seq > mm.applied_seq
                           AND e.type <> ALL(\(Self.eventTypesLeavingMedia)::text[])),
                       mm.applied_seq, m.last_seq
                FROM meetings m JOIN media_meetings mm ON mm.meeting_id = m.id
                WHERE m.id = \(meetingId) AND m.status = 'active'
                      AND NOT EXISTS (SELECT 1 FROM media_attempts a WHERE a.meeting_id = m.id)
                """, logger: logger
            ).decode((Bool, Bool, Int64, Int64).self) { state = (upToDate, onlyUnchanging, applied, last) }
            if let state, state.upToDate { return nil }
            if let state, state.onlyUnchanging {
                try await connection.query(
                    """
                    UPDATE media_meetings SET applied_seq = \(state.last), applied_at = now()
                    WHERE meeting_id = \(meetingId) AND applied_seq = \(state.applied)
                    """, logger: logger)
                return nil
            }
            // Outside the transaction: a row another worker holds locked conflicts without waiting,
            // and the attempt is committed before any Janus call (sql/013_media.sql).
            try await connection.query(
                "INSERT INTO media_meetings (meeting_id) VALUES (\(meetingId)) ON CONFLICT DO NOTHING", logger: logger)
            var attempt: Int64 = 0
            for try await id in try await connection.query(
                "INSERT INTO media_attempts (meeting_id) VALUES (\(meetingId)) RETURNING id", logger: logger
            ).decode(Int64.self) { attempt = id }
            let outcome = try await connection.withTransaction(logger: logger) { connection -> Int64? in
                var appliedSeq: Int64?
                for try await seq in try await connection.query(
                    "SELECT applied_seq FROM media_meetings WHERE meeting_id = \(meetingId) FOR UPDATE SKIP LOCKED", logger: logger
                ).decode(Int64.self) { appliedSeq = seq }
                guard let appliedSeq else { return nil }
                var earlierAttempts = 0
                for try await count in try await connection.query(
                    "SELECT count(*)::int FROM media_attempts WHERE meeting_id = \(meetingId) AND id < \(attempt)", logger: logger
                ).decode(Int.self) { earlierAttempts = count }
                var meeting: (seq: Int64, ended: Bool)?
                for try await (seq, status) in try await connection.query(
                    "SELECT last_seq, status FROM meetings WHERE id = \(meetingId)", logger: logger
                ).decode((Int64, String).self) { meeting = (seq, status == "ended") }
                guard let meeting else { return nil }
                let applied = try await Self.appliedLayout(of: meetingId, on: connection, logger: logger)
                let uncertain = earlierAttempts > 0
                guard appliedSeq < meeting.seq || uncertain || (meeting.ended && !applied.rooms.isEmpty) else { return nil }
                var roomIds: [UUID] = []
                for try await id in try await connection.query(
                    "SELECT id FROM rooms WHERE meeting_id = \(meetingId)", logger: logger
                ).decode(UUID.self) { roomIds.append(id) }
                var participants: [Participant] = []
                for try await (id, location, muted) in try await connection.query(
                    "SELECT id, location_room_id, muted_by_host FROM participants WHERE meeting_id = \(meetingId)", logger: logger
                ).decode((UUID, UUID?, Bool).self) {
                    participants.append(Participant(id: id, displayName: "-", email: nil, role: .participant, location: location, mutedByHost: muted))
                }
                let wanted = MediaLayout.wanted(meetingId: meetingId, ended: meeting.ended, roomIds: roomIds, participants: participants)
                let claim = MediaClaim(
                    meetingId: meetingId, seq: meeting.seq, wanted: wanted, applied: applied, appliedIsUncertain: uncertain)
                let done = try await apply(claim)
                try await Self.record(done, over: applied, of: meetingId, server: server, seq: meeting.seq, on: connection, logger: logger)
                // This attempt and the dead ones before it: what they left is now corrected.
                try await connection.query(
                    "DELETE FROM media_attempts WHERE meeting_id = \(meetingId) AND id <= \(attempt)", logger: logger)
                return meeting.seq
            }
            // Nothing applied (another worker has the meeting, or nothing to do): no trace either.
            if outcome == nil {
                try await connection.query("DELETE FROM media_attempts WHERE id = \(attempt)", logger: logger)
            }
            return outcome
        }
    }

    /// The event types whose events leave the media layout as it is.
    static let eventTypesLeavingMedia = EventType.allCases.filter { !$0.mayChangeMedia }.map(\.rawValue)

    static func appliedLayout(of meetingId: UUID, on connection: PostgresConnection, logger: Logger) async throws -> MediaLayout {
        var layout = MediaLayout()
        for try await room in try await connection.query(
            "SELECT janus_room FROM media_rooms WHERE meeting_id = \(meetingId)", logger: logger
        ).decode(String.self) { layout.rooms[room] = [:] }
        for try await (room, participantId, muted) in try await connection.query(
            "SELECT janus_room, participant_id, muted FROM media_allowed WHERE meeting_id = \(meetingId)", logger: logger
        ).decode((String, UUID, Bool).self) { layout.rooms[room, default: [:]][participantId] = muted }
        return layout
    }

    /// Makes the record (`media_rooms`, `media_allowed`) say `layout`, writing only what differs
    /// from `recorded`, read under the same claim: no other writer touches a claimed meeting's rows
    /// (`forgetMedia` waits for the claim).
    static func record(
        _ layout: MediaLayout, over recorded: MediaLayout, of meetingId: UUID, server: String, seq: Int64,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        let change = MediaRecordChange(from: recorded, to: layout)
        if !change.roomsGone.isEmpty {
            try await connection.query(
                "DELETE FROM media_rooms WHERE meeting_id = \(meetingId) AND janus_room = ANY(\(Array(change.roomsGone))::text[])",
                logger: logger)
        }
        if !change.roomsNew.isEmpty {
            try await connection.query(
                """
                INSERT INTO media_rooms (janus_room, meeting_id, server) SELECT unnest(\(Array(change.roomsNew))::text[]), \(meetingId), \(server)
                ON CONFLICT (janus_room) DO NOTHING
                """, logger: logger)
        }
        if !change.allowancesGone.isEmpty {
            let gone = Array(change.allowancesGone)
            try await connection.query(
                """
                DELETE FROM media_allowed a USING unnest(\(gone.map(\.room))::text[], \(gone.map(\.participantId))::uuid[]) AS g (r, p)
                WHERE a.janus_room = g.r AND a.participant_id = g.p
                """, logger: logger)
        }
        if !change.allowancesNew.isEmpty {
            let new = Array(change.allowancesNew)
            try await connection.query(
                """
                INSERT INTO media_allowed (janus_room, participant_id, meeting_id, muted)
                SELECT r, p, \(meetingId), m
                FROM unnest(\(new.map(\.room))::text[], \(new.map(\.participantId))::uuid[], \(new.map(\.muted))::boolean[]) AS a (r, p, m)
                ON CONFLICT (janus_room, participant_id) DO UPDATE SET muted = EXCLUDED.muted
                """, logger: logger)
        }
        try await connection.query(
            "UPDATE media_meetings SET applied_seq = \(seq), applied_at = now() WHERE meeting_id = \(meetingId)", logger: logger)
    }

    /// The media server at `server` lost its rooms (it restarted): forget what was applied there,
    /// so every live meeting is rebuilt from the database. Waits for every reconcile in progress
    /// (their rows are locked), a meeting's first one included, so that none records, after this,
    /// what it applied before the restart.
    public func forgetMedia(on server: String) async throws {
        _ = try await boundedTransaction { connection in
            try await connection.query("UPDATE media_meetings SET applied_seq = -1", logger: self.logger)
            try await connection.query("DELETE FROM media_rooms WHERE server = \(server)", logger: self.logger)
            return true
        }
    }

    /// Who the database puts in one media room, and the meeting it belongs to.
    public struct MediaRoomMembers: Sendable {
        public let meetingId: UUID
        public var participants: Set<UUID> = []
    }

    /// The audit of the media rooms (MediaAudit): runs `body` while holding a lock that makes it
    /// one pass at a time over all nodes (others get nil at once). `body` gets a lookup of who the
    /// database puts in each of the media rooms it names now (`main-<meeting>`: those of a live
    /// meeting in its main session; `room-<room>`: those located in that breakout room).
    public func withMediaAudit<Result: Sendable>(
        _ body: @escaping @Sendable (_ members: @escaping @Sendable ([String]) async throws -> [String: MediaRoomMembers]) async throws -> Result
    ) async throws -> Result? {
        let logger = logger
        return try await boundedTransaction { connection -> Result? in
            guard try await Self.tryTransactionLock("breakout media audit", on: connection, logger: logger) else { return nil }
            return try await body { rooms in
                let meetings = rooms.compactMap { $0.hasPrefix("main-") ? UUID(uuidString: String($0.dropFirst(5))) : nil }
                let breakouts = rooms.compactMap { $0.hasPrefix("room-") ? UUID(uuidString: String($0.dropFirst(5))) : nil }
                var members: [String: MediaRoomMembers] = [:]
                for try await (room, meetingId, participantId) in try await connection.query(
                    """
                    SELECT 'main-' || m.id, m.id, p.id FROM meetings m
                    LEFT JOIN participants p ON p.meeting_id = m.id AND p.location_room_id IS NULL
                    WHERE m.id = ANY(\(meetings)) AND m.status = 'active'
                    UNION ALL
                    SELECT 'room-' || r.id, r.meeting_id, p.id FROM rooms r JOIN meetings m ON m.id = r.meeting_id AND m.status = 'active'
                    LEFT JOIN participants p ON p.meeting_id = r.meeting_id AND p.location_room_id = r.id
                    WHERE r.id = ANY(\(breakouts))
                    """, logger: logger
                ).decode((String, UUID, UUID?).self) {
                    members[room, default: MediaRoomMembers(meetingId: meetingId)].participants.formUnion(participantId.map { [$0] } ?? [])
                }
                return members
            }
        }
    }

    /// Media rooms where someone muted by the host is allowed: each gets a moderation pass, so a
    /// muted person who rejoins the media is muted again. Runs `body` while holding a lock that
    /// makes it one pass at a time over all nodes (others get nil at once).
    public func withMutedMediaRooms<Result: Sendable>(
        server: String, _ body: @escaping @Sendable ([String: [UUID: Bool]]) async throws -> Result
    ) async throws -> Result? {
        let logger = logger
        return try await boundedTransaction { connection -> Result? in
            guard try await Self.tryTransactionLock("breakout media moderation", on: connection, logger: logger) else { return nil }
            var rooms: [String: [UUID: Bool]] = [:]
            for try await (room, participantId, muted) in try await connection.query(
                """
                SELECT a.janus_room, a.participant_id, a.muted FROM media_allowed a JOIN media_rooms r USING (janus_room)
                WHERE r.server = \(server) AND a.janus_room IN (SELECT janus_room FROM media_allowed WHERE muted)
                """, logger: logger
            ).decode((String, UUID, Bool).self) { rooms[room, default: [:]][participantId] = muted }
            return try await body(rooms)
        }
    }

    /// Takes the transaction-scoped advisory lock `name` if nobody holds it: one pass at a time
    /// over all nodes, released with the transaction.
    static func tryTransactionLock(_ name: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        var locked = false
        for try await got in try await connection.query(
            "SELECT pg_try_advisory_xact_lock(hashtext(\(name)))", logger: logger
        ).decode(Bool.self) { locked = got }
        return locked
    }
}
