import BreakoutDomain
import BreakoutServer
import BreakoutStore
import Foundation
import Testing

/// The node's fan-out: one read per meeting, handed to every local stream; a slow stream is
/// dropped rather than stalling the others.
@Suite("Event hub")
struct EventHubTests {
    @Test("a stream that stops reading is dropped after its buffer fills; the others get every event")
    func slowConsumerIsDropped() async throws {
        try await withNode { node in
            let meeting = try await TestMeeting.create(on: node)
            _ = try await node.post("\(meeting.path)/breakout", token: meeting.hostToken, ["roomCount": 1, "mode": "manual"])
            try await TestDatabase.withClient { client in
                let store = MeetingStore(client: client, logger: TestDatabase.logger)
                let hub = EventHub(store: store, bufferLimit: 2)
                let meetingId = UUID(uuidString: meeting.id)!
                let start = Int64(try await meeting.snapshot(on: node)["seq"]!.intValue!)
                let fast = hub.subscribe(meetingId, after: start)
                let slow = hub.subscribe(meetingId, after: start)
                #expect(hub.liveStreams == 2)
                var fastIterator = fast.messages.makeAsyncIterator()
                var received: [Int64] = []
                for i in 0..<6 {
                    _ = try await node.post("\(meeting.path)/breakout/rooms", token: meeting.hostToken, ["name": .string("R\(i)")])
                    await hub.refresh([meetingId])
                    // Wait for this batch on the fast stream before causing the next one.
                    while received.last ?? start < start + Int64(i + 1) {
                        if case .events(let batch) = try #require(await fastIterator.next()) { received += batch.map(\.seq) }
                    }
                }
                #expect(received == Array((start + 1)...(start + 6)))
                // The slow stream held two batches, then was dropped: it ends after them.
                var slowSeqs: [Int64] = []
                for await message in slow.messages {
                    if case .events(let batch) = message { slowSeqs += batch.map(\.seq) }
                }
                #expect(slowSeqs == [start + 1, start + 2])
                #expect(hub.liveStreams == 1)
                hub.unsubscribe(meetingId, id: fast.id)
                hub.unsubscribe(meetingId, id: slow.id)
                #expect(hub.liveStreams == 0)
            }
        }
    }
}
