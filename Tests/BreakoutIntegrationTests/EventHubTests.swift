import BreakoutDomain
@testable import BreakoutServer
@testable import BreakoutStore
import BreakoutTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// A node built around a hub the test can look into: the same router as `breakoutd serve`, with
/// its own pool, and the hub running as a service.
func withHubNode<T: Sendable>(
    heartbeat: Duration = .seconds(15), bufferLimit: Int = 256, recentEvents: Int = 128,
    _ body: @Sendable (Node, EventHub, MeetingStore) async throws -> T
) async throws -> T {
    try await Migrator(directory: TestDatabase.sqlDirectory, logger: TestDatabase.logger).migrate(databaseURL: try TestDatabase.url)
    let client = try TestDatabase.makeClient()
    let store = MeetingStore(client: client, logger: TestDatabase.logger, connectTimeout: TestDatabase.leaseBound)
    let hub = EventHub(store: store, bufferLimit: bufferLimit, heartbeat: heartbeat, recentEvents: recentEvents)
    let router = BreakoutServer.buildRouter(store: store, hub: hub, configuration: .init(nodeId: "hub-test", heartbeat: heartbeat, databaseConnectTimeout: TestDatabase.leaseBound))
    var app = Application(router: router, logger: TestDatabase.logger)
    app.addServices(client, hub)
    return try await app.test(.router) { testClient in try await body(Node(client: testClient), hub, store) }
}

/// The node's fan-out: one read per meeting, encoded once and handed to every local stream; a slow
/// stream is dropped rather than stalling the others.
@Suite("Event hub")
struct EventHubTests {
    static func seqs(_ delivery: LiveSubscription.Delivery) -> [Int64] {
        delivery.batches.flatMap { $0.map(\.seq) }
    }

    /// Waits for a heartbeat tick (events may come first).
    static func heartbeat(on subscription: LiveSubscription) async -> Bool {
        while let delivery = await subscription.next() { if delivery.heartbeat { return true } }
        return false
    }

    /// The next event of `type` on `subscription`.
    static func next(_ type: EventType, on subscription: LiveSubscription) async -> EncodedEvent? {
        while let delivery = await subscription.next() {
            if let event = delivery.batches.joined().first(where: { $0.type == type.rawValue }) { return event }
        }
        return nil
    }

    @Test("a stream that stops reading is dropped after its buffer fills; the others get every event")
    func slowConsumerIsDropped() async throws {
        try await withHubNode(bufferLimit: 2) { node, hub, _ in
            let meeting = try await TestMeeting.create(on: node)
            _ = try await node.post("\(meeting.path)/breakout", token: meeting.hostToken, ["roomCount": 1, "mode": "manual"])
            let meetingId = UUID(uuidString: meeting.id)!
            let start = Int64(try await meeting.snapshot(on: node)["seq"]!.intValue!)
            let fast = hub.subscribe(meetingId, after: start)
            let slow = hub.subscribe(meetingId, after: start)
            #expect(hub.liveStreams == 2)
            var received: [Int64] = []
            for i in 0..<6 {
                _ = try await node.post("\(meeting.path)/breakout/rooms", token: meeting.hostToken, ["name": .string("R\(i)")])
                await hub.refresh([meetingId])
                // Wait for this batch on the fast stream before causing the next one.
                while received.last ?? start < start + Int64(i + 1) {
                    received += Self.seqs(try #require(await fast.next()))
                }
            }
            #expect(received == Array((start + 1)...(start + 6)))
            // The slow stream held two batches, then was dropped: it ends after them.
            var slowSeqs: [Int64] = []
            while let delivery = await slow.next() { slowSeqs += Self.seqs(delivery) }
            #expect(slowSeqs == [start + 1, start + 2])
            #expect(hub.liveStreams == 1)
            hub.unsubscribe(fast)
            hub.unsubscribe(slow)
            #expect(hub.liveStreams == 0)
        }
    }

    @Test("each event is encoded once per node: every stream gets the same frame buffers")
    func framesAreShared() async throws {
        try await withHubNode { node, hub, _ in
            let meeting = try await TestMeeting.create(on: node)
            let meetingId = UUID(uuidString: meeting.id)!
            let start = Int64(try await meeting.snapshot(on: node)["seq"]!.intValue!)
            let a = hub.subscribe(meetingId, after: start)
            let b = hub.subscribe(meetingId, after: start)
            let joined = try await meeting.join("Ada", email: "ada@example.edu", on: node)
            await hub.refresh([meetingId])
            let eventA = try #require(await Self.next(.participantJoined, on: a))
            let eventB = try #require(await Self.next(.participantJoined, on: b))
            func address(_ buffer: ByteBuffer) -> UnsafeRawPointer? { buffer.withUnsafeReadableBytes { $0.baseAddress.map { UnsafeRawPointer($0) } } }
            #expect(address(eventA.managerFrame) == address(eventB.managerFrame), "one buffer for every manager stream")
            #expect(address(eventA.participantFrame) == address(eventB.participantFrame), "one buffer for every participant stream")
            // Participants do not see the email; managers do.
            #expect(String(buffer: eventA.managerFrame).contains("ada@example.edu"))
            #expect(!String(buffer: eventA.participantFrame).contains("ada@example.edu"))
            #expect(String(buffer: eventA.participantFrame).hasPrefix("id: \(start + 1)\nevent: participant_joined\ndata: {"))
            #expect(String(buffer: eventA.participantFrame).contains(joined.id.lowercased()))

            // An event without emails: both views are one buffer.
            _ = try await node.post("\(meeting.path)/breakout", token: meeting.hostToken, ["roomCount": 1, "mode": "manual"])
            await hub.refresh([meetingId])
            let created = try #require(await Self.next(.breakoutCreated, on: a))
            #expect(address(created.managerFrame) == address(created.participantFrame))
            hub.unsubscribe(a)
            hub.unsubscribe(b)
        }
    }

    @Test("a stream that subscribes a few events behind gets them from the hub's recent events first")
    func catchUpFromRecentEvents() async throws {
        try await withHubNode { node, hub, _ in
            let meeting = try await TestMeeting.create(on: node)
            let meetingId = UUID(uuidString: meeting.id)!
            let start = Int64(try await meeting.snapshot(on: node)["seq"]!.intValue!)
            let first = hub.subscribe(meetingId, after: start)
            for i in 0..<3 { _ = try await meeting.join("P\(i)", on: node) }
            await hub.refresh([meetingId])
            var seen: [Int64] = []
            while seen.count < 3 { seen += Self.seqs(try #require(await first.next())) }
            let late = hub.subscribe(meetingId, after: start + 1)
            #expect(late.catchUpThrough == nil)
            #expect(Self.seqs(try #require(await late.next())) == [start + 2, start + 3])
            hub.unsubscribe(first)
            hub.unsubscribe(late)
        }
    }

    @Test("streams resuming behind the hub's recent events read them from the database, within them from memory")
    func resumeBehindOrWithinRecentEvents() async throws {
        try await withHubNode(recentEvents: 2) { node, hub, _ in
            let meeting = try await TestMeeting.create(on: node)
            let meetingId = UUID(uuidString: meeting.id)!
            let start = Int64(try await meeting.snapshot(on: node)["seq"]!.intValue!)
            // The node serves the meeting and has handed out five events.
            let watcher = hub.subscribe(meetingId, after: start)
            for i in 0..<5 { _ = try await meeting.join("P\(i)", on: node) }
            await hub.refresh([meetingId])
            var seen: [Int64] = []
            while seen.last != start + 5 { seen += Self.seqs(try #require(await watcher.next())) }

            func resume(after id: Int64) async throws -> String {
                var headers = HTTPFields()
                headers[HTTPField.Name("Last-Event-ID")!] = String(id)
                headers[.authorization] = "Bearer \(meeting.hostToken)"
                return try await node.client.execute(uri: "\(meeting.path)/events", method: .get, headers: headers) { String(buffer: $0.body) }
            }
            let bodies = try await withThrowingTaskGroup(of: (Int64, String).self) { group in
                group.addTask { (start, try await resume(after: start)) }          // 5 behind: from the database
                group.addTask { (start + 3, try await resume(after: start + 3)) }  // 2 behind: from memory
                try await eventually("both streams") { hub.liveStreams == 3 }
                _ = try await meeting.join("Late", on: node)
                #expect(try await node.post("\(meeting.path)/end", token: meeting.hostToken).status == .noContent)
                await hub.refresh([meetingId])
                return try await group.reduce(into: [Int64: String]()) { $0[$1.0] = $1.1 }
            }
            for (after, body) in bodies {
                let ids = SharedSnapshotTests.events(body).map(\.id)
                #expect(ids == Array((after + 1)...(start + 7)), "resumed after \(after)")
            }
            hub.unsubscribe(watcher)
        }
    }

    @Test("one node-wide heartbeat tick reaches every stream")
    func heartbeatReachesEveryStream() async throws {
        try await withHubNode(heartbeat: .milliseconds(50)) { node, hub, _ in
            let one = try await TestMeeting.create(on: node)
            let two = try await TestMeeting.create(on: node)
            let a = hub.subscribe(UUID(uuidString: one.id)!, after: 1)
            let b = hub.subscribe(UUID(uuidString: two.id)!, after: 1)
            #expect(await Self.heartbeat(on: a))
            #expect(await Self.heartbeat(on: b))
            hub.unsubscribe(a)
            hub.unsubscribe(b)
        }
    }

    @Test("shutdown ends every stream with a shutdown signal and the node counts no live stream")
    func shutdownEndsStreams() async throws {
        try await TestDatabase.withClient { client in
            let store = MeetingStore(client: client, logger: TestDatabase.logger, connectTimeout: TestDatabase.leaseBound)
            let hub = EventHub(store: store)
            let meeting = UUID()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await hub.run() }
                let a = hub.subscribe(meeting, after: 0)
                let b = hub.subscribe(meeting, after: 0)
                let c = hub.subscribe(UUID(), after: 0)
                #expect(hub.liveStreams == 3)
                // The hub stops (as on cancellation or graceful shutdown).
                group.cancelAll()
                try await group.waitForAll()
                #expect(hub.liveStreams == 0)
                for subscription in [a, b, c] {
                    #expect(await subscription.next()?.shutdown == true)
                    #expect(await subscription.next() == nil)
                }
                // Streams that leave afterwards change nothing; new ones end at once.
                hub.unsubscribe(a)
                let late = hub.subscribe(meeting, after: 0)
                #expect(await late.next()?.shutdown == true)
                hub.unsubscribe(late)
                #expect(hub.liveStreams == 0)
            }
        }
    }

    @Test("ending the streams early (the server shuts down first) keeps the hub running until its own turn")
    func endStreamsBeforeHubStops() async throws {
        try await TestDatabase.withClient { client in
            let store = MeetingStore(client: client, logger: TestDatabase.logger, connectTimeout: TestDatabase.leaseBound)
            let hub = EventHub(store: store)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await hub.run() }
                let a = hub.subscribe(UUID(), after: 0)
                async let ended: Void = hub.streamsEnded()
                hub.endStreams()
                await ended
                #expect(await a.next()?.shutdown == true)
                #expect(hub.liveStreams == 0)
                try await Task.sleep(for: .milliseconds(50))
                #expect(group.isEmpty == false, "the hub still runs")
                group.cancelAll()
            }
        }
    }
}
