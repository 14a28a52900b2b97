import BreakoutDomain
import Foundation
import Hummingbird
import Testing

/// Rooms of N, `rotate` and `keep` over HTTP on a real PostgreSQL (docs/rules.md, rule 1): the
/// history comes from the meeting's event log.
@Suite("Rotation and keep over HTTP")
struct RotationFlowTests {
    /// The groups of the current breakout: for each room, in position order, the set of its assignees.
    static func groups(_ snapshot: JSONValue) -> [Set<String>] {
        let rooms = snapshot.rooms.compactMap { $0["id"]?.stringValue }
        let participants = snapshot["participants"]?.arrayValue ?? []
        return rooms.map { room in
            Set(participants.filter { $0["assignedRoomId"]?.stringValue == room }.compactMap { $0["id"]?.stringValue })
        }
    }

    static func pairs(_ groups: [Set<String>]) -> Set<Set<String>> {
        Set(groups.flatMap { group in group.flatMap { a in group.filter { $0 != a }.map { Set([a, $0]) } } })
    }

    @Test("automatic in rooms of 3, then rotate (no pair meets twice, same seed same rooms), then keep (the same groups)")
    func automaticRotateKeep() async throws {
        try await withNode { node in
            let meeting = try await TestMeeting.create(on: node)
            let breakout = "\(meeting.path)/breakout"
            for i in 1...12 { _ = try await meeting.join("Student \(i)", on: node) }
            func openCloseDiscard() async throws {
                #expect(try await node.post("\(breakout)/open", token: meeting.hostToken).status == .ok)
                #expect(try await node.post("\(breakout)/close", token: meeting.hostToken).status == .ok)
                #expect(try await node.delete(breakout, token: meeting.hostToken).status == .noContent)
            }

            // Round 1: rooms of 3 make ⌈12 / 3⌉ = 4 rooms of 3.
            let first = try await node.post(breakout, token: meeting.hostToken,
                                            ["roomSize": 3, "mode": "automatic", "options": ["closeCountdownSeconds": 0]])
            #expect(first.status == .created, "\(first.body)")
            #expect(first.json["rotation"] == nil)
            let round1 = Self.groups(try await meeting.snapshot(on: node))
            #expect(round1.map(\.count) == [3, 3, 3, 3])
            try await openCloseDiscard()

            // Refusals name the field.
            let both = try await node.post(breakout, token: meeting.hostToken, ["roomSize": 3, "roomCount": 4, "mode": "rotate"])
            #expect(both.status == .unprocessableContent)
            #expect(both.json["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } == ["roomCount", "roomSize"])
            let seedless = try await node.post(breakout, token: meeting.hostToken, ["roomCount": 4, "mode": "manual", "seed": 3])
            #expect(seedless.json["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } == ["seed"])

            // Round 2: rotate. An unopened try counts for nothing, so the same seed gives the same rooms.
            let body: JSONValue = ["roomSize": 3, "mode": "rotate", "seed": 5, "options": ["closeCountdownSeconds": 0]]
            let tried = try await node.post(breakout, token: meeting.hostToken, body)
            #expect(tried.status == .created, "\(tried.body)")
            let triedGroups = Self.groups(try await meeting.snapshot(on: node))
            #expect(try await node.delete(breakout, token: meeting.hostToken).status == .noContent)
            let rotated = try await node.post(breakout, token: meeting.hostToken, body)
            #expect(rotated.status == .created, "\(rotated.body)")
            #expect(rotated.json["mode"] == "rotate")
            #expect(rotated.json["rotation"]?["seed"]?.intValue == 5)
            #expect(rotated.json["rotation"]?["repeatedPairs"]?.intValue == 0)
            let random = try #require(rotated.json["rotation"]?["randomRepeatedPairs"]?.intValue)
            #expect(random >= 0)
            #expect(rotated.json["rotation"] == tried.json["rotation"])
            let snapshot2 = try await meeting.snapshot(on: node)
            #expect(snapshot2["breakout"]?["mode"] == "rotate")
            let round2 = Self.groups(snapshot2)
            #expect(round2 == triedGroups)
            #expect(round2.map(\.count) == [3, 3, 3, 3])
            #expect(Self.pairs(round2).isDisjoint(with: Self.pairs(round1)), "no pair of round 1 meets again")
            try await openCloseDiscard()

            // Round 3: keep. One student left, one joined: the others are in their round-2 rooms, the
            // leaver's room has a gap that the newcomer (least populated room first) fills.
            let leaver = try #require(round2[1].first)
            #expect(try await node.delete("\(meeting.path)/participants/\(leaver)", token: meeting.hostToken).status == .noContent)
            let newcomer = try await meeting.join("Student 13", on: node)
            let kept = try await node.post(breakout, token: meeting.hostToken, ["mode": "keep"])
            #expect(kept.status == .created, "\(kept.body)")
            #expect(kept.json["mode"] == "keep")
            #expect(kept.json["rooms"]?.arrayValue?.map { $0["name"]?.stringValue } == (1...4).map { "Breakout room \($0)" })
            let round3 = Self.groups(try await meeting.snapshot(on: node))
            var expected = round2
            expected[1].remove(leaver)
            expected[1].insert(newcomer.id)
            #expect(round3 == expected)
            let keepWithCount = try await node.post(breakout, token: meeting.hostToken, ["mode": "keep", "roomCount": 2])
            #expect(keepWithCount.status == .conflict, "rooms exist: \(keepWithCount.body)")
        }
    }

    @Test("keep in a meeting that never opened rooms is 422 mode_unavailable")
    func keepWithoutHistory() async throws {
        try await withNode { node in
            let meeting = try await TestMeeting.create(on: node)
            _ = try await meeting.join("Student", on: node)
            let reply = try await node.post("\(meeting.path)/breakout", token: meeting.hostToken, ["mode": "keep"])
            #expect(reply.status == .unprocessableContent)
            #expect(reply.code == "mode_unavailable")
        }
    }
}
