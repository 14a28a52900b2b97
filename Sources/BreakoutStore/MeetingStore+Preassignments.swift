public import BreakoutDomain
import Foundation
import PostgresNIO

/// Pre-assignment lists: the host replaces and reads the meeting's list (the rooms are made from
/// it by `createBreakout` in `preassigned` mode, and `join` places late joiners by it).
extension MeetingStore {
    /// Replaces the meeting's list whole (an empty list clears it). Host only. Answers the list.
    public func replacePreassignments(_ caller: Caller, _ list: [Preassignment]) async throws -> JSONValue {
        try await command(caller) { command, actor in
            try Permission.requireHost(actor.role)
            try await command.query("DELETE FROM preassignments WHERE meeting_id = \(command.meetingId)")
            if !list.isEmpty {
                try await command.query(
                    """
                    INSERT INTO preassignments (meeting_id, position, room_name, email)
                    SELECT \(command.meetingId), e.position, e.room_name, e.email
                    FROM unnest(\(list.map(\.room))::text[], \(list.map(\.email))::text[])
                         WITH ORDINALITY AS e (room_name, email, position)
                    """)
            }
            return Self.representation(list)
        }
    }

    /// The meeting's list, in upload order. Host only.
    public func preassignments(_ caller: Caller) async throws -> JSONValue {
        let identity = try await identify(token: caller.token, meetingId: caller.meetingId)
        try Permission.requireHost(identity.role)
        var list: [Preassignment] = []
        for try await (room, email) in try await client.query(
            "SELECT room_name, email FROM preassignments WHERE meeting_id = \(caller.meetingId) ORDER BY position", logger: logger
        ).decode((String, String).self) { list.append(Preassignment(room: room, email: email)) }
        return Self.representation(list)
    }

    static func representation(_ list: [Preassignment]) -> JSONValue {
        .array(list.map { ["room": .string($0.room), "email": .string($0.email)] })
    }
}

extension Command {
    /// The meeting's list and its members with an email (in join order), for `preassigned` mode.
    func preassignmentFacts() async throws -> (list: [Preassignment], members: [(id: UUID, email: String)]) {
        var list: [Preassignment] = []
        for try await (room, email) in try await query(
            "SELECT room_name, email FROM preassignments WHERE meeting_id = \(meetingId) ORDER BY position"
        ).decode((String, String).self) { list.append(Preassignment(room: room, email: email)) }
        var members: [(id: UUID, email: String)] = []
        for try await (id, email) in try await query(
            "SELECT id, email FROM participants WHERE meeting_id = \(meetingId) AND email IS NOT NULL ORDER BY joined_order"
        ).decode((UUID, String).self) { members.append((id, email)) }
        return (list, members)
    }
}
