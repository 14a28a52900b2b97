public import BreakoutDomain
import Foundation
import Logging
import PostgresNIO

/// Pre-assignment lists: the host replaces and reads the meeting's list (the rooms are made from
/// it by `createBreakout` in `preassigned` mode, and `join` places late joiners by it).
extension MeetingStore {
    /// Replaces the meeting's list whole (an empty list clears it). Host only. Answers the list.
    public func replacePreassignments(_ caller: Caller, _ list: [Preassignment]) async throws -> [Preassignment] {
        try await exclusiveCommand(caller) { transaction, actor in
            try Permission.requireHost(actor.role)
            try await transaction.replacePreassignments(with: list)
            return list
        }
    }

    /// The meeting's list, in upload order. Host only.
    public func preassignments(_ caller: Caller) async throws -> [Preassignment] {
        let identity = try await identify(token: caller.token, meetingId: caller.meetingId)
        try Permission.requireHost(identity.role)
        let logger = logger
        return try await withBoundedConnection { connection in
            try await Self.preassignments(of: caller.meetingId, on: connection, logger: logger)
        }
    }

    static func preassignments(of meetingId: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [Preassignment] {
        var list: [Preassignment] = []
        for try await (room, email, subject) in try await connection.query(
            "SELECT room_name, email, subject FROM preassignments WHERE meeting_id = \(meetingId) ORDER BY position", logger: logger
        ).decode((String, String?, String?).self) {
            // The table's CHECK keeps exactly one of email and subject.
            if let email { list.append(Preassignment(room: room, email: email)) }
            else if let subject { list.append(Preassignment(room: room, subject: subject)) }
        }
        return list
    }
}

extension ExclusiveTransaction {
    /// The meeting's list becomes `list`, in order: two statements whatever its length.
    func replacePreassignments(with list: [Preassignment]) async throws {
        try await query("DELETE FROM preassignments WHERE meeting_id = \(self.meetingId)")
        guard !list.isEmpty else { return }
        // PostgresNIO sends no arrays holding NULLs, so the member an entry does not name travels
        // as '' (a named one is never empty).
        try await query(
            """
            INSERT INTO preassignments (meeting_id, position, room_name, email, subject)
            SELECT \(self.meetingId), e.position, e.room_name, NULLIF(e.email, ''), NULLIF(e.subject, '')
            FROM unnest(\(list.map(\.room))::text[], \(list.map { $0.email ?? "" })::text[], \(list.map { $0.subject ?? "" })::text[])
                 WITH ORDINALITY AS e (room_name, email, subject, position)
            """)
    }

    /// The meeting's list and its members a list may name (in join order), for `preassigned` mode:
    /// each with the email a list may match (a signed-in person's only when verified) and, when
    /// signed in, their provider's subject.
    func preassignmentFacts() async throws -> (list: [Preassignment], members: [PreassignedRooms.Person]) {
        let list = try await MeetingStore.preassignments(of: self.meetingId, on: connection, logger: logger)
        var members: [PreassignedRooms.Person] = []
        for try await (id, email, subject) in try await query(
            """
            SELECT p.id, CASE WHEN p.user_id IS NULL OR p.email_verified THEN p.email END, u.subject
            FROM participants p LEFT JOIN users u ON u.id = p.user_id
            WHERE p.meeting_id = \(self.meetingId) AND (p.email IS NOT NULL OR p.user_id IS NOT NULL)
            ORDER BY p.joined_order
            """
        ).decode((UUID, String?, String?).self) { members.append(.init(id: id, email: email, subject: subject)) }
        return (list, members)
    }
}
