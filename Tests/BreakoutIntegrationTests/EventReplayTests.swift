import BreakoutDomain
import BreakoutStore
import Foundation
import Hummingbird
import Testing

/// The snapshot plus the events tell a client exactly where everyone is: replaying a meeting's
/// events over its first snapshot, the way a client does, gives the same state as a fresh snapshot
/// — with the compact bulk events (`breakout_created` per room, `breakout_opened` without a list).
@Suite("Event replay")
struct EventReplayTests {
    @Test("events replayed over the first snapshot equal a fresh snapshot, through every kind of change")
    func replayEqualsFreshSnapshot() async throws {
        try await withNode { node in
            let meeting = try await TestMeeting.create(on: node)
            var people: [(id: String, token: String)] = []
            for i in 1...7 { people.append(try await meeting.join("P\(i)", email: "p\(i)@uni.example", on: node)) }
            let first = try await meeting.snapshot(on: node)
            let h = meeting.hostToken
            let p = meeting.path

            // Automatic spread, edits, open (moved in), moves, mutes, help, role, close, recreate, leave.
            _ = try await node.post("\(p)/breakout", token: h, ["roomCount": 3, "mode": "automatic"])
            var rooms = try await meeting.snapshot(on: node).rooms.compactMap { $0["id"]?.stringValue }
            _ = try await node.patch("\(p)/breakout/rooms/\(rooms[0])", token: h, ["name": "Group A"])
            _ = try await node.post("\(p)/breakout/rooms", token: h, ["name": "Extra"])
            _ = try await node.put("\(p)/breakout/assignments/\(people[0].id)", token: h, ["roomId": .string(rooms[1])])
            _ = try await node.put("\(p)/breakout/assignments/\(people[1].id)", token: h, ["roomId": nil])
            _ = try await node.patch("\(p)/breakout/options", token: h, ["allowChooseRoom": true, "closeCountdownSeconds": 0])
            _ = try await node.put("\(p)/participants/\(people[6].id)/role", token: h, ["role": "cohost"])
            _ = try await node.put("\(p)/participants/\(people[2].id)/mute", token: h, ["muted": true])
            _ = try await node.put("\(p)/participants/\(people[3].id)/mute", token: h, ["muted": true])
            #expect(try await node.post("\(p)/breakout/open", token: h).status == .ok)
            _ = try await node.post("\(p)/moves", token: people[4].token, ["roomId": .string(rooms[2])])
            _ = try await node.post("\(p)/moves", token: people[5].token, ["roomId": nil])
            _ = try await node.post("\(p)/moves", token: h, ["roomId": .string(rooms[1])])
            _ = try await node.post("\(p)/unmute-all", token: h)
            let help = try await node.post("\(p)/help-requests", token: people[0].token)
            let helpId = try #require(help.json["id"]?.stringValue)
            _ = try await node.post("\(p)/help-requests/\(helpId)/take", token: h)
            _ = try await node.post("\(p)/help-requests", token: people[4].token)
            _ = try await node.put("\(p)/breakout/assignments/\(people[5].id)", token: h, ["roomId": .string(rooms[0])])
            _ = try await node.delete("\(p)/breakout/rooms/\(rooms[2])", token: h)
            _ = try await node.post("\(p)/broadcasts", token: h, ["message": "Five minutes left"])
            var replayedSoFar = try await Self.replay(first, meetingId: meeting.id)
            try Self.expectSame(replayedSoFar, try await meeting.snapshot(on: node), "while open")

            #expect(try await node.post("\(p)/breakout/close", token: h).status == .ok)
            _ = try await node.delete("\(p)/breakout", token: h)
            _ = try await node.post("\(p)/breakout", token: h, ["roomCount": 2, "mode": "automatic", "options": ["moveAutomatically": true]])
            rooms = try await meeting.snapshot(on: node).rooms.compactMap { $0["id"]?.stringValue }
            _ = try await node.post("\(p)/breakout/open", token: h)
            _ = try await node.delete("\(p)/participants/\(people[0].id)", token: people[0].token)
            _ = try await node.delete("\(p)/participants/\(people[1].id)", token: h)
            let late = try await meeting.join("Late", on: node)
            _ = try await node.post("\(p)/moves", token: late.token, ["roomId": .string(rooms[1])])
            replayedSoFar = try await Self.replay(first, meetingId: meeting.id)
            try Self.expectSame(replayedSoFar, try await meeting.snapshot(on: node), "after recreating")
        }
    }

    /// The manager's events after `first`, read from the log, applied to it.
    static func replay(_ first: JSONValue, meetingId: String) async throws -> JSONValue {
        try await TestDatabase.withClient { client in
            let store = MeetingStore(client: client, logger: TestDatabase.logger, connectTimeout: TestDatabase.leaseBound)
            let id = try #require(UUID(uuidString: meetingId))
            let events = try await store.events(of: id, after: Int64(try #require(first["seq"]?.intValue)), limit: 1000)
            var state = SnapshotReducer(first)
            for event in events {
                let payload = try JSONDecoder().decode(JSONValue.self, from: Data(event.payload.utf8))
                state.apply(event.type, payload, seq: event.seq)
            }
            return state.snapshot
        }
    }

    static func expectSame(_ replayed: JSONValue, _ fresh: JSONValue, _ moment: String) throws {
        #expect(replayed["seq"] == fresh["seq"], "seq \(moment)")
        #expect(replayed["breakout"] == fresh["breakout"], "breakout \(moment)")
        let byId = { (snapshot: JSONValue) in
            Dictionary(uniqueKeysWithValues: (snapshot["participants"]?.arrayValue ?? []).map { ($0["id"]?.stringValue ?? "", $0) })
        }
        #expect(byId(replayed) == byId(fresh), "participants \(moment)")
        let requests = { (snapshot: JSONValue) in
            Dictionary(uniqueKeysWithValues: (snapshot["helpRequests"]?.arrayValue ?? []).map { ($0["id"]?.stringValue ?? "", $0) })
        }
        #expect(requests(replayed) == requests(fresh), "help queue \(moment)")
    }
}

/// What a client does with the live stream: the state after each event, from the snapshot.
struct SnapshotReducer {
    private(set) var snapshot: JSONValue
    private var participants: [JSONValue]
    private var breakout: [String: JSONValue]
    private var requests: [JSONValue]

    init(_ snapshot: JSONValue) {
        self.snapshot = snapshot
        participants = snapshot["participants"]?.arrayValue ?? []
        breakout = Self.object(snapshot["breakout"])
        requests = snapshot["helpRequests"]?.arrayValue ?? []
    }

    static func object(_ value: JSONValue?) -> [String: JSONValue] {
        if case .object(let object)? = value { return object }
        return [:]
    }

    private mutating func update(_ where: (JSONValue) -> Bool, _ change: (inout [String: JSONValue]) -> Void) {
        participants = participants.map { participant in
            guard `where`(participant) else { return participant }
            var object = Self.object(participant)
            change(&object)
            return .object(object)
        }
    }

    private mutating func update(id: JSONValue?, _ change: (inout [String: JSONValue]) -> Void) {
        update({ $0["id"] == id }, change)
    }

    private var rooms: [JSONValue] {
        get { breakout["rooms"]?.arrayValue ?? [] }
        set { breakout["rooms"] = .array(newValue) }
    }

    mutating func apply(_ type: String, _ e: JSONValue, seq: Int64) {
        switch type {
        case "participant_joined":
            if let participant = e["participant"] { participants.append(participant) }
        case "participant_left":
            participants.removeAll { $0["id"] == e["participantId"] }
            requests.removeAll { $0["participantId"] == e["participantId"] }
        case "role_changed":
            update(id: e["participantId"]) { $0["role"] = e["role"] }
        case "breakout_created":
            breakout = Self.object(e["breakout"])
            if case .object(let assignments)? = e["assignments"] {
                for (room, members) in assignments {
                    for member in members.arrayValue ?? [] { update(id: member) { $0["assignedRoomId"] = .string(room) } }
                }
            }
        case "breakout_discarded":
            breakout = ["status": "none", "mode": nil, "options": nil, "rooms": [], "openedAt": nil, "timerEndsAt": nil, "closingEndsAt": nil]
            update({ _ in true }) { $0["assignedRoomId"] = .null; $0["location"] = .null }
        case "room_added":
            if let room = e["room"] { rooms.append(room) }
        case "room_renamed":
            rooms = rooms.map { room in
                guard room["id"] == e["roomId"] else { return room }
                var object = Self.object(room)
                object["name"] = e["name"]
                return .object(object)
            }
        case "room_deleted":
            rooms.removeAll { $0["id"] == e["roomId"] }
            update({ $0["location"] == e["roomId"] }) { $0["location"] = .null }
            update({ $0["assignedRoomId"] == e["roomId"] }) { $0["assignedRoomId"] = .null }
            requests.removeAll { $0["roomId"] == e["roomId"] }
        case "options_changed":
            breakout["options"] = e["options"]
            if let endsAt = e["timerEndsAt"] { breakout["timerEndsAt"] = endsAt }
        case "assignment_changed":
            update(id: e["participantId"]) { $0["assignedRoomId"] = e["roomId"] }
        case "breakout_opened":
            breakout["status"] = "open"
            breakout["openedAt"] = e["openedAt"]
            breakout["timerEndsAt"] = e["timerEndsAt"]
            // Every participant with an assigned room is now in it.
            if e["moveAutomatically"] == true {
                update({ $0["assignedRoomId"] != nil && $0["assignedRoomId"] != .null }) { $0["location"] = $0["assignedRoomId"] }
            }
        case "participant_moved":
            update(id: e["participantId"]) { $0["location"] = e["to"] }
        case "breakout_closing":
            breakout["status"] = "closing"
            breakout["closingEndsAt"] = e["closingEndsAt"]
            breakout["timerEndsAt"] = .null
        case "breakout_closed":
            breakout["status"] = "ready"
            for key in ["openedAt", "timerEndsAt", "closingEndsAt"] { breakout[key] = .null }
            update({ _ in true }) { $0["location"] = .null }
            requests = []
        case "help_requested":
            if let request = e["request"] { requests.append(request) }
        case "help_taken":
            requests = requests.map { $0["id"] == e["request"]?["id"] ? (e["request"] ?? $0) : $0 }
        case "help_resolved":
            requests.removeAll { $0["id"] == e["request"]?["id"] }
        case "mute_changed":
            for id in e["participantIds"]?.arrayValue ?? [] { update(id: id) { $0["mutedByHost"] = e["muted"] } }
        default:
            break  // move_prompt, broadcast, time_up, meeting_ended change nobody's place
        }
        var object = Self.object(snapshot)
        object["seq"] = .number(Double(seq))
        object["participants"] = .array(participants)
        object["breakout"] = .object(breakout)
        object["helpRequests"] = .array(requests)
        snapshot = .object(object)
    }
}
