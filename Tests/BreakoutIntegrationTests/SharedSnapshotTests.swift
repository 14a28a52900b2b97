import BreakoutDomain
@testable import BreakoutServer
@testable import BreakoutStore
import BreakoutTestSupport
import Foundation
import Hummingbird
import Testing

/// A meeting's snapshot is read once per node per seq and encoded once per view, and shared by the
/// streams that start at that seq; only the caller's `you` is its own.
@Suite("Shared snapshots")
struct SharedSnapshotTests {
    /// The events of a finished SSE body, in order.
    static func events(_ body: String) -> [ReceivedEvent] {
        body.components(separatedBy: "\n\n").compactMap { StreamClient.parseFrame($0).event }
    }

    /// The host's stream, then `beforeAda`, then Ada's stream, then `whileBoth`; ending the
    /// meeting ends both streams. What each stream got.
    static func hostThenAda(
        on node: Node, hub: EventHub, meeting: TestMeeting, adaToken: String,
        beforeAda: () async throws -> Void = {}, whileBoth: () async throws -> Void
    ) async throws -> (host: [ReceivedEvent], ada: [ReceivedEvent]) {
        let meetingId = UUID(uuidString: meeting.id)!
        let bodies = try await withThrowingTaskGroup(of: (String, String).self) { group in
            group.addTask { ("host", try await node.get("\(meeting.path)/events", token: meeting.hostToken).body) }
            try await eventually("the host's stream") { hub.liveStreams == 1 }
            try await beforeAda()
            group.addTask { ("ada", try await node.get("\(meeting.path)/events", token: adaToken).body) }
            try await eventually("Ada's stream") { hub.liveStreams == 2 }
            try await whileBoth()
            #expect(try await node.post("\(meeting.path)/end", token: meeting.hostToken).status == .noContent)
            await hub.refresh([meetingId])
            var bodies: [String: String] = [:]
            for try await (who, body) in group { bodies[who] = body }
            return bodies
        }
        return (Self.events(try #require(bodies["host"])), Self.events(try #require(bodies["ada"])))
    }

    @Test("two streams connecting at the same seq share one snapshot read; each gets its own view and `you`")
    func sameSeqSharesOneRead() async throws {
        try await withHubNode { node, hub, _ in
            let meeting = try await TestMeeting.create(on: node)
            let ada = try await meeting.join("Ada", email: "ada@example.edu", on: node)
            let reads = hub.snapshots.databaseReads
            let (host, participant) = try await Self.hostThenAda(on: node, hub: hub, meeting: meeting, adaToken: ada.token) {
                #expect(hub.snapshots.databaseReads == reads + 1, "one read for both streams")
            }
            #expect(host.first?.type == "snapshot")
            #expect(participant.first?.type == "snapshot")
            #expect(host.first?.id == participant.first?.id)
            #expect(host.last?.type == "meeting_ended")
            #expect(participant.last?.type == "meeting_ended")
            let hostView = try #require(host.first?.data)
            let adaView = try #require(participant.first?.data)
            #expect(hostView["you"] == ["participantId": .string(meeting.hostId), "role": "host"])
            #expect(adaView["you"] == ["participantId": .string(ada.id), "role": "participant"])
            #expect(hostView.participant(ada.id)?["email"] == "ada@example.edu")
            #expect(adaView.participant(ada.id)?["email"] == nil, "participants do not see emails")
            #expect(hostView["helpRequests"] == [])
            #expect(adaView["helpRequests"] == nil)
            // The meeting has no stream left: its snapshot is not kept.
            try await eventually("the snapshot to be dropped") { hub.snapshots.keptMeetings == 0 }
        }
    }

    @Test("a snapshot is not reused once the node knows of a newer seq")
    func newSeqMeansNewRead() async throws {
        try await withHubNode { node, hub, _ in
            let meeting = try await TestMeeting.create(on: node)
            let ada = try await meeting.join("Ada", on: node)
            let meetingId = UUID(uuidString: meeting.id)!
            let reads = hub.snapshots.databaseReads
            let (host, participant) = try await Self.hostThenAda(on: node, hub: hub, meeting: meeting, adaToken: ada.token) {
                let before = try #require(hub.knownSeq(of: meetingId))
                #expect(try await node.post("\(meeting.path)/breakout", token: meeting.hostToken, ["roomCount": 2, "mode": "manual"])
                    .status == .created)
                await hub.refresh([meetingId])
                try await eventually("the node to know the new seq") { (hub.knownSeq(of: meetingId) ?? 0) > before }
            } whileBoth: {
                #expect(hub.snapshots.databaseReads == reads + 2, "a second read for the newer seq")
            }
            let hostStart = try #require(host.first)
            let adaStart = try #require(participant.first)
            #expect(hostStart.type == "snapshot")
            #expect(adaStart.type == "snapshot")
            #expect(adaStart.id > hostStart.id)
            #expect(adaStart.data["breakout"]?["status"] == "ready")
            // The host's stream got the change as events; both end on the same last event.
            #expect(host.contains { $0.type == "breakout_created" })
            #expect(!participant.contains { $0.type == "breakout_created" }, "already in Ada's snapshot")
            #expect(host.last?.id == participant.last?.id)
        }
    }

    @Test("callers asking at once wait for one read in flight")
    func singleFlight() async throws {
        try await withNode { node in
            let meeting = try await TestMeeting.create(on: node)
            _ = try await meeting.join("Ada", on: node)
            try await TestDatabase.withClient { client in
                let snapshots = SharedSnapshots(store: MeetingStore(client: client, logger: TestDatabase.logger, connectTimeout: TestDatabase.leaseBound))
                let meetingId = UUID(uuidString: meeting.id)!
                let seqs = try await withThrowingTaskGroup(of: Int64.self) { group in
                    for _ in 0..<20 { group.addTask { try await snapshots.snapshot(of: meetingId, atLeast: 0).seq } }
                    return try await group.reduce(into: Set<Int64>()) { $0.insert($1) }
                }
                #expect(seqs.count == 1)
                #expect(snapshots.databaseReads == 1)
                // Asking for a newer seq than the one kept reads again.
                let kept = try #require(seqs.first)
                _ = try await snapshots.snapshot(of: meetingId, atLeast: kept)
                #expect(snapshots.databaseReads == 1)
                _ = try await node.post("\(meeting.path)/breakout", token: meeting.hostToken, ["roomCount": 1, "mode": "manual"])
                let newer = try await snapshots.snapshot(of: meetingId, atLeast: kept + 1)
                #expect(newer.seq > kept)
                #expect(snapshots.databaseReads == 2)
            }
        }
    }

    @Test("the shared encoding with the caller's `you` is byte for byte the snapshot of GET, for each view")
    func sameBytesAsTheSnapshot() async throws {
        try await withNode { node in
            let meeting = try await TestMeeting.create(on: node)
            let ada = try await meeting.join("Ada", email: "ada@example.edu", on: node)
            _ = try await node.post("\(meeting.path)/breakout", token: meeting.hostToken, ["roomCount": 2, "mode": "automatic"])
            try await TestDatabase.withClient { client in
                let store = MeetingStore(client: client, logger: TestDatabase.logger, connectTimeout: TestDatabase.leaseBound)
                let snapshots = SharedSnapshots(store: store)
                let meetingId = UUID(uuidString: meeting.id)!
                for participant in [meeting.hostId, ada.id] {
                    let identity = Identity(participantId: UUID(uuidString: participant)!, meetingId: meetingId)
                    let shared = try await snapshots.current(for: identity)
                    // The whole snapshot encoded at once, as the shared head and the caller's tail must spell it.
                    let state = try await store.state(of: meetingId)
                    let role = state.participants.first { $0.id == identity.participantId }?.role ?? .participant
                    var view = try Views.snapshot(state, forManager: role.isManager)
                    view["you"] = ["participantId": JSONValue(identity.participantId), "role": .string(role.rawValue)]
                    let direct = try JSONEncoder.sortedKeys.encode(JSONValue.object(view))
                    #expect(String(buffer: shared) == String(decoding: direct, as: UTF8.self))
                    let frame = try await snapshots.snapshot(of: meetingId, atLeast: 0).frame(for: identity.participantId)
                    let seq = state.seq
                    #expect(String(buffer: frame.shared) + String(buffer: frame.own)
                        == "id: \(seq)\nevent: snapshot\ndata: \(String(decoding: direct, as: UTF8.self))\n\n")
                }
                #expect(snapshots.databaseReads == 1, "the second caller's GET reused the first read")
            }
        }
    }
}
