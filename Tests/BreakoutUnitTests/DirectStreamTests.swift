import BreakoutDomain
@testable import BreakoutServer
@testable import BreakoutStore
import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Synchronization
import Testing

/// A caught-up stream written by the hub on its connection's event loop: frames in order and for
/// the caller's view, the stream's end when it must end, and a slow client, a closed connection or
/// a gap ending it so that its client resumes with `Last-Event-ID`.
@Suite("Direct stream")
struct DirectStreamTests {
    static let caller = UUID()

    /// A connection with the handler, as the server's pipeline has it, and a stream attached to it.
    final class Connection: Sendable {
        let channel: NIOAsyncTestingChannel
        let stream: DirectStream
        private let recorded = Recorded()

        final class Recorded: Sendable {
            let endings = Mutex<[DirectStream.Ending]>([])
        }

        /// How the stream ended, in order (at most once).
        var endings: [DirectStream.Ending] { recorded.endings.withLock { $0 } }

        init(role: Role = .participant, cursor: Int64 = 0, bufferLimit: Int = 256) async throws {
            channel = NIOAsyncTestingChannel()
            // As in the server: NIO's HTTP/1 encoder next to the socket, the handler after the codec.
            try await channel.pipeline.addHandler(HTTPResponseEncoder())
            try await channel.pipeline.addHandler(LiveStreamChannelHandler())
            try await channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 8080)).get()
            stream = try #require(await DirectStream.attach(to: channel, bufferLimit: bufferLimit))
            var reader = StreamReader(identity: Identity(participantId: Self.callerId, meetingId: UUID(), role: role))
            reader.cursor = cursor
            let recorded = recorded
            stream.start(reader) { ending in recorded.endings.withLock { $0.append(ending) } }
            await channel.testingEventLoop.run()
        }

        static var callerId: UUID { DirectStreamTests.caller }

        func write(_ events: [EncodedEvent]) async {
            DirectStream.write(events, to: [stream], on: channel.eventLoop)
            await channel.testingEventLoop.run()
        }

        /// Everything written to the connection so far, as text, its chunked framing checked and removed.
        func written() async throws -> String {
            var raw: [UInt8] = []
            while let part = try await channel.readOutbound(as: IOData.self) {
                guard case .byteBuffer(let buffer) = part else { Issue.record("only buffers: \(part)"); continue }
                raw += buffer.readableBytesView
            }
            var text: [UInt8] = []
            var index = 0
            let crlf: [UInt8] = [13, 10]
            while index < raw.count {
                let sizeEnd = try #require((index..<raw.count - 1).first { Array(raw[$0...$0 + 1]) == crlf }, "a chunk size line")
                let size = try #require(Int(String(decoding: raw[index..<sizeEnd], as: UTF8.self), radix: 16))
                let bodyStart = sizeEnd + 2
                try #require(raw.count >= bodyStart + size + 2, "a whole chunk")
                text += raw[bodyStart..<bodyStart + size]
                #expect(Array(raw[bodyStart + size..<bodyStart + size + 2]) == crlf)
                index = bodyStart + size + 2
            }
            return String(decoding: text, as: UTF8.self)
        }
    }

    static func event(_ seq: Int64, _ type: EventType, audience: Audience = .everyone, payload: String = "{}") -> EncodedEvent {
        EncodedEvent(StoredEvent(seq: seq, type: type.rawValue, audience: audience, payload: payload))
    }

    static func ids(_ text: String) -> [Int64] {
        text.split(separator: "\n").compactMap { $0.hasPrefix("id: ") ? Int64($0.dropFirst(4)) : nil }
    }

    @Test("batches are written in order, each event once, only what the caller may see")
    func writesInOrder() async throws {
        let connection = try await Connection(cursor: 2)
        await connection.write([Self.event(1, .roomAdded), Self.event(2, .roomAdded), Self.event(3, .roomAdded)])
        await connection.write([Self.event(4, .helpRequested, audience: .managers), Self.event(5, .broadcast)])
        await connection.write([Self.event(6, .roomRenamed)])
        #expect(Self.ids(try await connection.written()) == [3, 5, 6])
        #expect(connection.endings.isEmpty)
    }

    @Test("the caller's own participant_left is written, then the stream ends; nothing after it")
    func endsAfterItsLastFrame() async throws {
        let connection = try await Connection()
        let left = Self.event(2, .participantLeft, payload: #"{"participantId":"\#(Self.caller.uuidString.lowercased())","reason":"removed"}"#)
        await connection.write([Self.event(1, .roomAdded), left])
        await connection.write([Self.event(3, .roomAdded)])
        #expect(Self.ids(try await connection.written()) == [1, 2])
        #expect(connection.endings == [.finished])
    }

    @Test("a batch that skips events ends the stream instead of writing it (the client resumes from its last id)")
    func gapEnds() async throws {
        let connection = try await Connection(cursor: 4)
        await connection.write([Self.event(7, .roomAdded)])
        #expect(try await connection.written().isEmpty)
        #expect(connection.endings == [.gap])
    }

    @Test("a client that stops reading is dropped after bufferLimit batches while its connection is full")
    func slowClientIsDropped() async throws {
        let connection = try await Connection(bufferLimit: 2)
        await connection.write([Self.event(1, .roomAdded)])
        connection.channel.isWritable = false
        for seq in 2...4 { await connection.write([Self.event(Int64(seq), .roomAdded)]) }
        #expect(connection.endings == [.tooSlow])
        await connection.write([Self.event(5, .roomAdded)])
        #expect(Self.ids(try await connection.written()) == [1, 2, 3, 4], "nothing after the drop")
    }

    @Test("full for a while and then drained: not dropped")
    func drainedInTimeIsKept() async throws {
        let connection = try await Connection(bufferLimit: 2)
        connection.channel.isWritable = false
        for seq in 1...2 { await connection.write([Self.event(Int64(seq), .roomAdded)]) }
        connection.channel.isWritable = true
        for seq in 3...6 { await connection.write([Self.event(Int64(seq), .roomAdded)]) }
        #expect(connection.endings.isEmpty)
        #expect(Self.ids(try await connection.written()) == Array(1...6))
    }

    @Test("a closed connection ends the stream once")
    func closedConnectionEnds() async throws {
        let connection = try await Connection()
        try await connection.channel.close()
        await connection.write([Self.event(1, .roomAdded)])
        connection.stream.detach()
        await connection.channel.testingEventLoop.run()
        #expect(connection.endings == [.connectionClosed])
    }

    @Test("a channel without the handler (a test client calling the router) is not written directly")
    func noHandlerNoDirectStream() async throws {
        let channel = NIOAsyncTestingChannel()
        try await channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 8080)).get()
        #expect(await DirectStream.attach(to: channel, bufferLimit: 2) == nil)
    }

    @Test("a subscription switches to direct writing only once its mailbox is empty")
    func switchesWhenCaughtUp() async throws {
        let connection = try await Connection()
        let subscription = LiveSubscription(id: 1, meetingId: UUID(), limit: 8)
        let reader = StreamReader(identity: Identity(participantId: Self.caller, meetingId: UUID(), role: .participant))
        guard case .queued = subscription.push([Self.event(1, .roomAdded)]) else { Issue.record("queued first"); return }
        #expect(!subscription.writeDirectly(connection.stream, reader: reader) { _ in }, "a batch waits: written by the task first")
        #expect(await subscription.next()?.batches.count == 1)
        #expect(subscription.writeDirectly(connection.stream, reader: reader) { _ in })
        guard case .direct(let stream) = subscription.push([Self.event(2, .roomAdded)]) else { Issue.record("direct now"); return }
        #expect(stream === connection.stream)
    }
}
