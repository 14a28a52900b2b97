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
            try await transaction.query("DELETE FROM preassignments WHERE meeting_id = \(transaction.meetingId)")
            if !list.isEmpty {
                try await transaction.query(
                    """
                    INSERT INTO preassignments (meeting_id, position, room_name, email)
                    SELECT \(transaction.meetingId), e.position, e.room_name, e.email
                    FROM unnest(\(list.map(\.room))::text[], \(list.map(\.email))::text[])
                         WITH ORDINALITY AS e (room_name, email, position)
                    """)
            }
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
        for try await (room, email) in try await connection.query(
            "SELECT room_name, email FROM preassignments WHERE meeting_id = \(meetingId) ORDER BY position", logger: logger
        ).decode((String, String).self) { list.append(Preassignment(room: room, email: email)) }
        return list
    }
}

extension ExclusiveTransaction {
    /// The meeting's list and its members with an email (in join order), for `preassigned` mode.
    func preassignmentFacts() async throws -> (list: [Preassignment], members: [(id: UUID, email: String)]) {
        let list = try await MeetingStore.preassignments(of: self.meetingId, on: connection, logger: logger)
        var members: [(id: UUID, email: String)] = []
        for try await (id, email) in try await query(
            "SELECT id, email FROM participants WHERE meeting_id = \(self.meetingId) AND email IS NOT NULL ORDER BY joined_order"
        ).decode((UUID, String).self) { members.append((id, email)) }
        return (list, members)
    }
}
