import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Thousands of live-stream (Server-Sent Events) clients in one process, on plain NIO channels
/// with NIO's HTTP/1 codec: each costs a socket and a small handler, not a client object with its
/// own pool, so the benchmark's own cost stays low beside the nodes it measures.
///
/// Handlers run on the event loops and only record arrival times (monotonic, `NIODeadline.now()`)
/// in a `Tally`; the scenarios poll the tally, so polling never adds to a measured time.
final class LiveStreams: Sendable {
    let group: any EventLoopGroup
    let tally: Tally
    private let channels = Mutex<[any Channel]>([])

    init(group: any EventLoopGroup, tally: Tally) {
        self.group = group
        self.tally = tally
    }

    /// Opens one stream; returns once the TCP connection is up and the request is written
    /// (the snapshot arrives later, into the tally).
    func open(stream: Int, node: Node, meetingId: String, token: String) async throws {
        let tally = self.tally
        let bootstrap = ClientBootstrap(group: group)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(30))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(
                        StreamHandler(stream: stream, host: "\(node.host):\(node.port)",
                                      path: "/v1/meetings/\(meetingId)/events", token: token, tally: tally))
                }
            }
        let channel = try await bootstrap.connect(host: node.host, port: node.port).get()
        channels.withLock { $0.append(channel) }
    }

    /// Opens streams `0..<count` with at most `inFlight` waiting for their snapshot at once
    /// (0 = no limit: every connection is started together).
    func openMany(
        _ count: Int, inFlight: Int, deadline: ContinuousClock.Instant,
        _ target: @escaping @Sendable (Int) -> (node: Node, meetingId: String, token: String)
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                if inFlight > 0 {
                    // Wait until fewer than `inFlight` opened streams still lack their snapshot.
                    while index - tally.finishedFirstEvents - tally.failedStreams >= inFlight {
                        guard ContinuousClock.now < deadline else { throw APIError(description: "streams did not connect in time") }
                        try await Task.sleep(for: .milliseconds(2))
                    }
                }
                let (node, meetingId, token) = target(index)
                group.addTask { try await self.open(stream: index, node: node, meetingId: meetingId, token: token) }
            }
            try await group.waitForAll()
        }
    }

    /// Closes every stream (the client goes away) and waits for the sockets to close.
    func closeAll() async {
        let all = channels.withLock { list in
            let copy = list
            list.removeAll()
            return copy
        }
        for channel in all { channel.close(promise: nil) }
        for channel in all { try? await channel.closeFuture.get() }
    }

    var count: Int { channels.withLock { $0.count } }
}

/// What arrived on the streams, by event type: for each type and key, how many streams got it and
/// when. The key is the occurrence number of that type on the stream (0 for the first), or for
/// `broadcast` the number in the benchmark's message ("bench-<n>").
final class Tally: Sendable {
    struct Arrivals: Sendable {
        var count = 0
        var first: NIODeadline?
        var last: NIODeadline?
        var times: [NIODeadline] = []
    }

    private struct State {
        var occurrences: [String: [Int: Int]] = [:]
        var arrivals: [String: [Int: Arrivals]] = [:]
        var failures: [String] = []
        var closed = 0
        var firstEvents = 0
        var failedStreams = 0
    }

    private let state = Mutex(State())
    /// Types whose arrival times are kept (others are ignored after the first event).
    let tracked: Set<String>
    /// Keep every arrival time (for percentiles), not only the first and last.
    let keepTimes: Bool

    init(tracking: Set<String>, keepTimes: Bool = false) {
        self.tracked = tracking
        self.keepTimes = keepTimes
    }

    /// Streams that received their first event (the snapshot) so far.
    var finishedFirstEvents: Int { state.withLock { $0.firstEvents } }
    var closedStreams: Int { state.withLock { $0.closed } }
    var failedStreams: Int { state.withLock { $0.failedStreams } }
    var failures: [String] { state.withLock { $0.failures } }

    func arrivals(_ type: String, key: Int) -> Arrivals {
        state.withLock { $0.arrivals[type]?[key] ?? Arrivals() }
    }

    func record(stream: Int, type: String, key explicitKey: Int?, first: Bool, at time: NIODeadline) {
        state.withLock { state in
            if first { state.firstEvents += 1 }
            guard tracked.contains(type) else { return }
            let key: Int
            if let explicitKey {
                key = explicitKey
            } else {
                key = state.occurrences[type, default: [:]][stream, default: 0]
                state.occurrences[type, default: [:]][stream] = key + 1
            }
            var entry = state.arrivals[type, default: [:]][key, default: Arrivals()]
            entry.count += 1
            if entry.first == nil { entry.first = time }
            entry.last = time
            if keepTimes { entry.times.append(time) }
            state.arrivals[type, default: [:]][key] = entry
        }
    }

    func failed(stream: Int, _ why: String) {
        state.withLock { state in
            state.failedStreams += 1
            if state.failures.count < 20 { state.failures.append("stream \(stream): \(why)") }
            else if state.failures.count == 20 { state.failures.append("…") }
        }
    }

    func closed(stream: Int) { state.withLock { $0.closed += 1 } }
}

/// One stream: sends `GET …/events`, then splits the body into SSE frames (`id:`, `event:`,
/// `data:` lines ending with a blank line; `:` comments) and reports each event's type.
/// Only `broadcast` data is looked into (for the message number); snapshots are never parsed.
private final class StreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let stream: Int
    let host: String
    let path: String
    let token: String
    let tally: Tally
    private var buffer = ByteBuffer()
    private var scanned = 0
    private var sawFirstEvent = false
    private var failed = false

    init(stream: Int, host: String, path: String, token: String, tally: Tally) {
        self.stream = stream
        self.host = host
        self.path = path
        self.token = token
        self.tally = tally
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: host)
        headers.add(name: "Accept", value: "text/event-stream")
        headers.add(name: "Authorization", value: "Bearer \(token)")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if head.status != .ok {
                failed = true
                tally.failed(stream: stream, "HTTP \(head.status.code)")
                context.close(promise: nil)
            }
        case .body(var bytes):
            guard !failed else { return }
            let now = NIODeadline.now()
            buffer.writeBuffer(&bytes)
            parseFrames(at: now)
        case .end:
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        tally.closed(stream: stream)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        tally.failed(stream: stream, "\(error)")
        context.close(promise: nil)
    }

    private static let newline = UInt8(ascii: "\n")

    private func parseFrames(at now: NIODeadline) {
        while true {
            // Find "\n\n" after what was already scanned. memchr jumps over a snapshot's long
            // data line at once, so the client's cost stays small beside the nodes'.
            let end: Int? = buffer.withUnsafeReadableBytes { bytes in
                guard let base = bytes.baseAddress else { return nil }
                var index = max(scanned, 1)
                while index < bytes.count {
                    guard let found = memchr(base + index, Int32(Self.newline), bytes.count - index) else { return nil }
                    let newlineAt = base.distance(to: UnsafeRawPointer(found))
                    if bytes[newlineAt - 1] == Self.newline { return newlineAt - 1 }
                    index = newlineAt + 1
                }
                return nil
            }
            guard let end else {
                scanned = max(buffer.readableBytes, 1)
                break
            }
            let frameStart = buffer.readerIndex
            handleFrame(buffer.getSlice(at: frameStart, length: end)!, at: now)
            buffer.moveReaderIndex(forwardBy: end + 2)
            scanned = 1
        }
        if buffer.readerIndex > 1 << 16 { buffer.discardReadBytes() }
    }

    private func handleFrame(_ frame: ByteBuffer, at now: NIODeadline) {
        var type: String?
        var dataRange: Range<Int>?
        frame.withUnsafeReadableBytes { bytes in
            var lineStart = 0
            while lineStart < bytes.count {
                var lineEnd = lineStart
                while lineEnd < bytes.count, bytes[lineEnd] != Self.newline { lineEnd += 1 }
                let line = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<lineEnd])
                if line.starts(with: "event: ".utf8) {
                    type = String(decoding: line.dropFirst(7), as: UTF8.self)
                } else if line.starts(with: "data: ".utf8) {
                    dataRange = (lineStart + 6)..<lineEnd
                    // Data is the last line the server writes; nothing else of interest follows.
                    if type != "broadcast" { break }
                }
                lineStart = lineEnd + 1
            }
        }
        guard let type else { return }  // a comment or retry hint
        var key: Int?
        if type == "broadcast", let dataRange {
            key = frame.getString(at: frame.readerIndex + dataRange.lowerBound, length: dataRange.count)
                .flatMap(Self.messageNumber)
        }
        let first = !sawFirstEvent
        sawFirstEvent = true
        tally.record(stream: stream, type: type, key: key, first: first, at: now)
    }

    /// The n of "bench-<n>" in a broadcast's JSON.
    static func messageNumber(_ json: String) -> Int? {
        guard let range = json.range(of: "bench-") else { return nil }
        return Int(json[range.upperBound...].prefix { $0.isNumber })
    }
}
