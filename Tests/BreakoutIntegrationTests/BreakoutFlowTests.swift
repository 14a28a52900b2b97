import BreakoutDomain
import BreakoutServer
import Foundation
import Hummingbird
import PostgresNIO
import Testing

/// The API end to end on a real PostgreSQL: a host runs a seminar through every breakout feature.
@Suite("Breakout flow over HTTP")
struct BreakoutFlowTests {
    @Test("a meeting holds at most its cap of people besides the host: the next join is 409 meeting_full, and a place freed is taken again")
    func participantCap() async throws {
        var configuration = ServerConfiguration(nodeId: "cap", databaseConnectTimeout: TestDatabase.leaseBound)
        configuration.maxParticipants = 2
        try await withNode(configuration: configuration) { node in
            let meeting = try await TestMeeting.create(on: node)
            _ = try await meeting.join("Ann", on: node)
            let bo = try await meeting.join("Bo", on: node)
            let full = try await node.post("/v1/meetings/join", meeting.joinBody("Cid", email: nil))
            #expect(full.status == .conflict && full.json["code"] == "meeting_full", "\(full.body)")
            // Bo leaves: the place is free again.
            #expect(try await node.delete("\(meeting.path)/participants/\(bo.id)", token: bo.token).status == .noContent)
            _ = try await meeting.join("Cid", on: node)
        }
    }

    @Test("create, join ten, automatic spread, rename, options, open (move), moves, broadcast, close")
    func fullFlowWithAutomaticMove() async throws {
        try await withNode { node in
            let meeting = try await TestMeeting.create(on: node)
            var people: [(id: String, token: String)] = []
            for i in 1...10 { people.append(try await meeting.join("Student \(i)", on: node)) }
            let cohost = people[9]
            #expect(try await node.put("\(meeting.path)/participants/\(cohost.id)/role", token: meeting.hostToken,
                                       ["role": "cohost"]).status == .ok)

            // Three rooms, automatic: the nine participants are spread 3/3/3; host and co-host are not.
            let created = try await node.post("\(meeting.path)/breakout", token: meeting.hostToken,
                                              ["roomCount": 3, "mode": "automatic"])
            #expect(created.status == .created, "\(created.body)")
            var snapshot = try await meeting.snapshot(on: node)
            let rooms = snapshot.rooms.compactMap { $0["id"]?.stringValue }
            #expect(rooms.count == 3)
            #expect(snapshot.rooms.map { $0["name"]?.stringValue } == ["Breakout room 1", "Breakout room 2", "Breakout room 3"])
            var sizes: [String: Int] = [:]
            for p in people.dropLast() {
                let room = try #require(snapshot.participant(p.id)?["assignedRoomId"]?.stringValue)
                sizes[room, default: 0] += 1
            }
            #expect(sizes.values.max()! - sizes.values.min()! <= 1)
            #expect(sizes.values.reduce(0, +) == 9)
            #expect(snapshot.participant(meeting.hostId)?["assignedRoomId"] == .null)
            #expect(snapshot.participant(cohost.id)?["assignedRoomId"] == .null)

            // Rename, options.
            let renamed = try await node.patch("\(meeting.path)/breakout/rooms/\(rooms[0])", token: meeting.hostToken,
                                               ["name": "Group A"])
            #expect(renamed.status == .ok)
            let options = try await node.patch("\(meeting.path)/breakout/options", token: cohost.token,
                                               ["allowReturnToMain": false, "closeCountdownSeconds": 0])
            #expect(options.status == .ok, "\(options.body)")
            #expect(options.json["options"]?["allowReturnToMain"] == false)

            // Open with moveAutomatically: everyone assigned is in their room.
            let opened = try await node.post("\(meeting.path)/breakout/open", token: meeting.hostToken)
            #expect(opened.status == .ok, "\(opened.body)")
            snapshot = try await meeting.snapshot(on: node)
            #expect(snapshot["breakout"]?["status"] == "open")
            for p in people.dropLast() {
                let participant = try #require(snapshot.participant(p.id))
                #expect(participant["location"] == participant["assignedRoomId"])
            }

            // Moves: a participant may not leave (allowReturnToMain false) nor enter another room.
            let student = people[0]
            let own = try #require(snapshot.participant(student.id)?["assignedRoomId"]?.stringValue)
            let other = try #require(rooms.first { $0 != own })
            var move = try await node.post("\(meeting.path)/moves", token: student.token, ["roomId": nil])
            #expect(move.status == .conflict)
            #expect(move.code == "return_not_allowed")
            move = try await node.post("\(meeting.path)/moves", token: student.token, ["roomId": .string(other)])
            #expect(move.status == .forbidden)
            #expect(move.code == "room_not_allowed")
            // Choosing rooms switched on: now it may.
            _ = try await node.patch("\(meeting.path)/breakout/options", token: meeting.hostToken, ["allowChooseRoom": true])
            move = try await node.post("\(meeting.path)/moves", token: student.token, ["roomId": .string(other)])
            #expect(move.status == .ok, "\(move.body)")
            // Hosts and co-hosts hop anywhere.
            move = try await node.post("\(meeting.path)/moves", token: cohost.token, ["roomId": .string(rooms[2])])
            #expect(move.status == .ok)
            move = try await node.post("\(meeting.path)/moves", token: meeting.hostToken, ["roomId": .string(rooms[1])])
            #expect(move.status == .ok)
            move = try await node.post("\(meeting.path)/moves", token: meeting.hostToken, ["roomId": nil])
            #expect(move.status == .ok)

            // Broadcast: 140 characters (emoji count once) are fine, 141 are not; one room only works.
            let ok = String(repeating: "👋", count: 140)
            var sent = try await node.post("\(meeting.path)/broadcasts", token: meeting.hostToken, ["message": .string(ok)])
            #expect(sent.status == .created, "\(sent.body)")
            sent = try await node.post("\(meeting.path)/broadcasts", token: meeting.hostToken,
                                       ["message": .string(ok + "!")])
            #expect(sent.status == .unprocessableContent)
            #expect(sent.code == "message_too_long")
            sent = try await node.post("\(meeting.path)/broadcasts", token: meeting.hostToken,
                                       ["message": "Five minutes left", "roomId": .string(rooms[1])])
            #expect(sent.status == .created)
            sent = try await node.post("\(meeting.path)/broadcasts", token: student.token, ["message": "hi all"])
            #expect(sent.status == .forbidden)

            // Close with countdown 0: everyone is back in main at once, rooms kept and ready.
            let closed = try await node.post("\(meeting.path)/breakout/close", token: cohost.token)
            #expect(closed.status == .ok, "\(closed.body)")
            snapshot = try await meeting.snapshot(on: node)
            #expect(snapshot["breakout"]?["status"] == "ready")
            #expect(snapshot.rooms.count == 3)
            for p in snapshot["participants"]!.arrayValue! { #expect(p["location"] == .null) }
            #expect(snapshot.rooms.first?["name"] == "Group A")
        }
    }

    @Test("open without moveAutomatically prompts; participants join themselves; late joiners get a room")
    func openWithPrompts() async throws {
        try await withNode { node in
            let meeting = try await TestMeeting.create(on: node)
            let a = try await meeting.join("Ada", on: node)
            let b = try await meeting.join("Bo", on: node)
            let created = try await node.post("\(meeting.path)/breakout", token: meeting.hostToken,
                                              ["roomCount": 2, "mode": "automatic", "options": ["moveAutomatically": false]])
            #expect(created.status == .created, "\(created.body)")
            #expect(try await node.post("\(meeting.path)/breakout/open", token: meeting.hostToken).status == .ok)
            var snapshot = try await meeting.snapshot(on: node)
            #expect(snapshot.participant(a.id)?["location"] == .null)
            #expect(snapshot.participant(b.id)?["location"] == .null)
            let seq = snapshot["seq"]!.intValue!
            #expect(seq >= 1)

            // Each prompt is an event only its participant may see.
            let prompts = try await TestDatabase.withClient { client in
                var recipients: [UUID] = []
                for try await list in try await client.query(
                    "SELECT recipients FROM events WHERE meeting_id = \(UUID(uuidString: meeting.id)!) AND type = 'move_prompt' ORDER BY seq"
                ).decode([UUID].self) { recipients += list }
                return recipients
            }
            #expect(Set(prompts) == Set([UUID(uuidString: a.id)!, UUID(uuidString: b.id)!]))

            let assigned = try #require(snapshot.participant(a.id)?["assignedRoomId"]?.stringValue)
            let joined = try await node.post("\(meeting.path)/moves", token: a.token, ["roomId": .string(assigned)])
            #expect(joined.status == .ok)
            snapshot = try await meeting.snapshot(on: node)
            #expect(snapshot.participant(a.id)?["location"]?.stringValue == assigned)

            // A late joiner is assigned to the least populated room and, without automatic moves, stays in main.
            let late = try await meeting.join("Cy", on: node)
            snapshot = try await meeting.snapshot(on: node)
            #expect(snapshot.participant(late.id)?["assignedRoomId"] != .null)
            #expect(snapshot.participant(late.id)?["location"] == .null)
        }
    }

    @Test("manual assignment while open moves the participant; rooms added and deleted")
    func manualAssignments() async throws {
        try await withNode { node in
            let meeting = try await TestMeeting.create(on: node)
            let a = try await meeting.join("Ada", on: node)
            _ = try await node.post("\(meeting.path)/breakout", token: meeting.hostToken, ["roomCount": 1, "mode": "manual"])
            var snapshot = try await meeting.snapshot(on: node)
            #expect(snapshot.participant(a.id)?["assignedRoomId"] == .null)
            let added = try await node.post("\(meeting.path)/breakout/rooms", token: meeting.hostToken)
            #expect(added.status == .created)
            #expect(added.json["name"] == "Breakout room 2")
            let named = try await node.post("\(meeting.path)/breakout/rooms", token: meeting.hostToken, ["name": "Quiet room"])
            #expect(named.status == .created)
            let duplicate = try await node.post("\(meeting.path)/breakout/rooms", token: meeting.hostToken, ["name": "Quiet room"])
            #expect(duplicate.status == .conflict)
            #expect(duplicate.code == "room_name_taken")
            let quiet = try #require(named.json["id"]?.stringValue)

            _ = try await node.post("\(meeting.path)/breakout/open", token: meeting.hostToken)
            let assigned = try await node.put("\(meeting.path)/breakout/assignments/\(a.id)", token: meeting.hostToken,
                                              ["roomId": .string(quiet)])
            #expect(assigned.status == .ok, "\(assigned.body)")
            snapshot = try await meeting.snapshot(on: node)
            #expect(snapshot.participant(a.id)?["location"]?.stringValue == quiet)

            // Deleting an open room sends its occupants to main first.
            #expect(try await node.delete("\(meeting.path)/breakout/rooms/\(quiet)", token: meeting.hostToken).status == .noContent)
            snapshot = try await meeting.snapshot(on: node)
            #expect(snapshot.participant(a.id)?["location"] == .null)
            #expect(snapshot.participant(a.id)?["assignedRoomId"] == .null)
            #expect(snapshot.rooms.count == 2)

            // Not while open: discard. After closing: yes.
            #expect(try await node.delete("\(meeting.path)/breakout", token: meeting.hostToken).code == "breakout_open")
            _ = try await node.patch("\(meeting.path)/breakout/options", token: meeting.hostToken, ["closeCountdownSeconds": 30])
            let closing = try await node.post("\(meeting.path)/breakout/close", token: meeting.hostToken)
            #expect(closing.status == .ok)
            #expect(try await meeting.snapshot(on: node)["breakout"]?["status"] == "closing")
            #expect(try await node.post("\(meeting.path)/breakout/close", token: meeting.hostToken).code == "breakout_closing")
        }
    }

    @Test("help queue: ask from a room, take, resolve; participants do not see the queue or emails")
    func helpQueue() async throws {
        try await withNode { node in
            let meeting = try await TestMeeting.create(on: node)
            let a = try await meeting.join("Ada", email: "Ada@Example.edu", on: node)
            _ = try await node.post("\(meeting.path)/breakout", token: meeting.hostToken, ["roomCount": 2, "mode": "automatic"])
            var ask = try await node.post("\(meeting.path)/help-requests", token: a.token)
            #expect(ask.code == "not_in_room")
            _ = try await node.post("\(meeting.path)/breakout/open", token: meeting.hostToken)
            ask = try await node.post("\(meeting.path)/help-requests", token: a.token)
            #expect(ask.status == .created, "\(ask.body)")
            let requestId = try #require(ask.json["id"]?.stringValue)
            #expect(try await node.post("\(meeting.path)/help-requests", token: a.token).code == "help_already_requested")

            let hostView = try await meeting.snapshot(on: node)
            #expect(hostView["helpRequests"]?.arrayValue?.count == 1)
            #expect(hostView.participant(a.id)?["email"] == "ada@example.edu")
            let participantView = try await meeting.snapshot(on: node, token: a.token)
            #expect(participantView["helpRequests"] == nil)
            #expect(participantView.participant(a.id)?["email"] == nil)

            #expect(try await node.post("\(meeting.path)/help-requests/\(requestId)/take", token: a.token).status == .forbidden)
            let taken = try await node.post("\(meeting.path)/help-requests/\(requestId)/take", token: meeting.hostToken)
            #expect(taken.status == .ok)
            #expect(taken.json["takenBy"]?.stringValue == meeting.hostId)
            #expect(try await node.post("\(meeting.path)/help-requests/\(requestId)/take", token: meeting.hostToken).code
                    == "help_already_taken")
            #expect(try await node.post("\(meeting.path)/help-requests/\(requestId)/resolve", token: meeting.hostToken).status == .ok)
            #expect(try await meeting.snapshot(on: node)["helpRequests"]?.arrayValue?.count == 0)
        }
    }

    @Test("mutes: anyone may be muted; only a manager in the same location lifts it; unmute-all")
    func mutes() async throws {
        try await withNode { node in
            let meeting = try await TestMeeting.create(on: node)
            let a = try await meeting.join("Ada", on: node)
            let muted = try await node.put("\(meeting.path)/participants/\(a.id)/mute", token: meeting.hostToken, ["muted": true])
            #expect(muted.status == .ok)
            #expect(try await node.put("\(meeting.path)/participants/\(a.id)/mute", token: a.token, ["muted": false]).status == .forbidden)
            _ = try await node.post("\(meeting.path)/breakout", token: meeting.hostToken,
                                    ["roomCount": 1, "mode": "automatic", "options": ["allowReturnToMain": true]])
            _ = try await node.post("\(meeting.path)/breakout/open", token: meeting.hostToken)
            // Ada is in the room, the host in main: lifting is refused.
            let refused = try await node.put("\(meeting.path)/participants/\(a.id)/mute", token: meeting.hostToken, ["muted": false])
            #expect(refused.status == .conflict)
            #expect(refused.code == "not_in_same_room")
            var all = try await node.post("\(meeting.path)/unmute-all", token: meeting.hostToken)
            #expect(all.json["participantIds"]?.arrayValue?.count == 0)
            let room = try #require(try await meeting.snapshot(on: node).rooms.first?["id"]?.stringValue)
            _ = try await node.post("\(meeting.path)/moves", token: meeting.hostToken, ["roomId": .string(room)])
            all = try await node.post("\(meeting.path)/unmute-all", token: meeting.hostToken)
            #expect(all.json["participantIds"]?.arrayValue == [.string(a.id)])
            #expect(try await meeting.snapshot(on: node).participant(a.id)?["mutedByHost"] == false)
        }
    }

    @Test("roles, leave, remove, end: tokens stop working")
    func membership() async throws {
        try await withNode { node in
            let meeting = try await TestMeeting.create(on: node)
            let a = try await meeting.join("Ada", on: node)
            let b = try await meeting.join("Bo", on: node)
            let c = try await meeting.join("Cy", on: node)
            // Only the host appoints co-hosts; a co-host may manage rooms but not end the meeting.
            #expect(try await node.put("\(meeting.path)/participants/\(b.id)/role", token: a.token, ["role": "cohost"]).status == .forbidden)
            #expect(try await node.put("\(meeting.path)/participants/\(a.id)/role", token: meeting.hostToken, ["role": "cohost"]).status == .ok)
            #expect(try await node.put("\(meeting.path)/participants/\(meeting.hostId)/role", token: meeting.hostToken,
                                       ["role": "participant"]).code == "cannot_change_host")
            #expect(try await node.post("\(meeting.path)/end", token: a.token).status == .forbidden)
            // Leave and remove.
            #expect(try await node.delete("\(meeting.path)/participants/\(b.id)", token: b.token).status == .noContent)
            #expect(try await node.get(meeting.path, token: b.token).status == .unauthorized)
            #expect(try await node.delete("\(meeting.path)/participants/\(c.id)", token: a.token).status == .forbidden)
            #expect(try await node.delete("\(meeting.path)/participants/\(c.id)", token: meeting.hostToken).status == .noContent)
            #expect(try await node.delete("\(meeting.path)/participants/\(meeting.hostId)", token: meeting.hostToken).code
                    == "host_cannot_leave")
            let snapshot = try await meeting.snapshot(on: node)
            #expect(snapshot["participants"]?.arrayValue?.count == 2)
            // End: every token stops working.
            #expect(try await node.post("\(meeting.path)/end", token: meeting.hostToken).status == .noContent)
            #expect(try await node.get(meeting.path, token: meeting.hostToken).code == "meeting_ended")
            #expect(try await node.get(meeting.path, token: a.token).status == .gone)
            let rejoin = try await node.post("/v1/meetings/join", ["code": .string(meeting.code), "displayName": "Late"])
            #expect(rejoin.status == .gone)
        }
    }

    @Test("breakout rooms switched off in the meeting's settings")
    func breakoutDisabled() async throws {
        try await withNode { node in
            let meeting = try await TestMeeting.create(on: node, settings: ["breakoutRoomsEnabled": false])
            let reply = try await node.post("\(meeting.path)/breakout", token: meeting.hostToken, ["roomCount": 2, "mode": "manual"])
            #expect(reply.status == .conflict)
            #expect(reply.code == "breakout_disabled")
            #expect(reply.json["detail"]?.stringValue?.contains("switched off") == true)
        }
    }
}
