public import BreakoutDomain
public import Foundation
import PostgresNIO

/// A meeting's whole state at one `seq`: what the snapshot of the live stream and of
/// `GET /v1/meetings/{id}` is made of. Who sees which part of it is the server's business.
public struct MeetingState: Sendable, Equatable {
    public var seq: Int64
    public var meeting: Meeting
    public var breakout: Breakout
    /// In join order.
    public var participants: [Participant]
    /// The open and taken ones, oldest first.
    public var helpRequests: [HelpRequest]
}

/// The whole state, read in one REPEATABLE READ transaction so that it is consistent with its
/// `seq`: it shows exactly the effects of events 1…seq.
extension MeetingStore {
    /// The meeting's state now. Bounded like a command, so a read hung on a closed connection
    /// cannot hold back every stream that waits for this snapshot.
    public func state(of meetingId: UUID) async throws -> MeetingState {
        let logger = logger
        return try await withBoundedConnection { connection in
            try await connection.runPrepared(TransactionStatement.BeginSnapshot(), logger: logger)
            do {
                let value = try await readState(meetingId, on: connection)
                try await connection.runPrepared(TransactionStatement.Commit(), logger: logger)
                return value
            } catch {
                _ = try? await connection.runPrepared(TransactionStatement.Rollback(), logger: logger)
                throw error
            }
        }
    }

    private func readState(_ meetingId: UUID, on connection: PostgresConnection) async throws -> MeetingState {
        var found: (seq: Int64, meeting: Meeting, breakout: Breakout)?
        for try await row in try await connection.query(
            """
            SELECT m.code, m.title, m.breakout_rooms_enabled, m.status, m.last_seq, m.created_at,
                   b.opened_at, b.timer_ends_at, b.closing_ends_at, b.status, b.mode, \(unescaped: BreakoutColumns.selectedOptions),
                   m.who_may_join, m.alternative_hosts
            FROM meetings m LEFT JOIN breakouts b ON b.meeting_id = m.id WHERE m.id = \(meetingId)
            """, logger: logger
        ) {
            let c = row.makeRandomAccess()
            guard try c[3].decode(String.self) == "active" else { throw DomainError.meetingEnded }
            let meeting = Meeting(
                id: meetingId, code: try c[0].decode(String.self), title: try c[1].decode(String.self),
                settings: .init(
                    breakoutRoomsEnabled: try c[2].decode(Bool.self),
                    whoMayJoin: Meeting.WhoMayJoin(rawValue: try c[12].decode(String.self)) ?? .anyone,
                    alternativeHosts: try c[13].decode([String].self)),
                createdAt: try c[5].decode(Date.self))
            var breakout = Breakout.none
            if let status = try c[9].decode(BreakoutStatus?.self), let options = try c[11].decode(String?.self) {
                breakout = Breakout(
                    status: status, mode: try c[10].decode(BreakoutMode.self), options: try BreakoutColumns.decodeOptions(options),
                    rooms: [], openedAt: try c[6].decode(Date?.self), timerEndsAt: try c[7].decode(Date?.self),
                    closingEndsAt: try c[8].decode(Date?.self))
            }
            found = (try c[4].decode(Int64.self), meeting, breakout)
        }
        guard var (seq, meeting, breakout) = found else { throw DomainError.meetingNotFound }
        meeting.status = "active"

        var participants: [Participant] = []
        for try await (id, name, email, verified, role, location, assigned, muted) in try await connection.query(
            """
            SELECT id, display_name, email, email_verified, role, location_room_id, assigned_room_id, muted_by_host
            FROM participants WHERE meeting_id = \(meetingId) ORDER BY joined_order
            """, logger: logger
        ).decode((UUID, String, String?, Bool, Role, UUID?, UUID?, Bool).self) {
            participants.append(Participant(
                id: id, displayName: name, email: email, emailVerified: verified, role: role, location: location,
                assignedRoomId: assigned, mutedByHost: muted))
        }

        if breakout.status != .none {
            for try await (id, name, position) in try await connection.query(
                "SELECT id, name, position FROM rooms WHERE meeting_id = \(meetingId) ORDER BY position", logger: logger
            ).decode((UUID, String, Int).self) {
                breakout.rooms.append(Room(id: id, name: name, position: position))
            }
        }

        var requests: [HelpRequest] = []
        for try await (id, asker, room, status, takenBy, createdAt) in try await connection.query(
            """
            SELECT id, participant_id, room_id, status, taken_by, created_at FROM help_requests
            WHERE meeting_id = \(meetingId) AND status <> 'resolved' ORDER BY created_at
            """, logger: logger
        ).decode((UUID, UUID, UUID, HelpStatus, UUID?, Date).self) {
            requests.append(HelpRequest(id: id, participantId: asker, roomId: room, status: status, takenBy: takenBy, createdAt: createdAt))
        }
        return MeetingState(seq: seq, meeting: meeting, breakout: breakout, participants: participants, helpRequests: requests)
    }
}
