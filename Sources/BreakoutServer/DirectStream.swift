import BreakoutDomain
import Foundation
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// A live stream written by the hub on its connection's event loop, without waking the stream's
/// task for each event.
///
/// Through Hummingbird's response writer, each event cost a delivering node about 22 µs per stream
/// (docs/BENCHMARKS.md, runs I and M): the stream's task woke up, picked its frames, and its write hopped
/// to the connection's event loop and back. Once a stream has caught up, the hub instead hands each
/// batch to every stream of an event loop in one `execute`, and there each stream picks its frames
/// (`StreamReader`) and writes them, already framed as chunks, to its socket. The stream's task sleeps until the stream ends;
/// it still writes the snapshot before, and the heartbeat comments and the end of the response.
///
/// Everything mutable here is touched on `eventLoop` only.
final class DirectStream: @unchecked Sendable {
    /// Why a direct stream stopped being written.
    enum Ending: Equatable {
        /// The caller may not see more (meeting ended, caller removed): its frames are written.
        case finished
        /// The connection closed.
        case connectionClosed
        /// The client reads too slowly: `bufferLimit` batches went out while the channel was full.
        case tooSlow
        /// A batch skipped events (it cannot happen while the hub reads in order; if it did, the
        /// client resumes from its last id rather than miss them).
        case gap
    }

    let eventLoop: any EventLoop
    /// The HTTP/1 encoder's context, next to the socket: the stream's chunks, already framed, go
    /// from there straight to the socket, past the codecs (15.1 → 11.4 µs of node CPU per stream
    /// and event against writing `HTTPResponsePart.body` through them; docs/BENCHMARKS.md, run M).
    private let context: ChannelHandlerContext
    private let handler: LiveStreamChannelHandler
    private var reader: StreamReader?
    /// Batches written while the channel was not writable, in a row.
    private var unwritableBatches = 0
    private let bufferLimit: Int
    private var ended = false
    /// Called once, on the event loop, when the stream stops being written (the hub unsubscribes it).
    private var onEnd: (@Sendable (Ending) -> Void)?

    private init(context: ChannelHandlerContext, handler: LiveStreamChannelHandler, bufferLimit: Int) {
        self.eventLoop = context.eventLoop
        self.context = context
        self.handler = handler
        self.bufferLimit = bufferLimit
    }

    /// The direct writer of the stream served on `channel`; nil when the channel has no
    /// `LiveStreamChannelHandler` (a test client that calls the router directly) or is closed.
    static func attach(to channel: any Channel, bufferLimit: Int) async -> DirectStream? {
        try? await channel.eventLoop.submit { () -> DirectStream? in
            guard channel.isActive,
                  let handler = try? channel.pipeline.syncOperations.handler(type: LiveStreamChannelHandler.self),
                  // The response is chunked: NIO's HTTP/1.1 encoder frames every body without a length so.
                  let context = try? channel.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self)
            else { return nil }
            let stream = DirectStream(context: context, handler: handler, bufferLimit: bufferLimit)
            handler.stream = stream
            return stream
        }.get()
    }

    /// Starts writing: from now on the stream's events arrive through `write`. Called by the
    /// stream's subscription under its lock, before the hub can hand it anything directly.
    func start(_ reader: StreamReader, onEnd: @escaping @Sendable (Ending) -> Void) {
        // The hub's `execute` for the first batch is queued after this one.
        eventLoop.execute {
            self.reader = reader
            self.onEnd = onEnd
            // The connection may have closed since `attach` (which marked the stream ended).
            if self.ended || !self.context.channel.isActive {
                self.ended = false
                self.end(.connectionClosed)
            }
        }
    }

    /// Hands `events` to each of `streams`, which all live on `eventLoop`, in one hop.
    static func write(_ events: [EncodedEvent], to streams: [DirectStream], on eventLoop: any EventLoop) {
        eventLoop.execute {
            for stream in streams { stream.write(events) }
        }
    }

    private func write(_ events: [EncodedEvent]) {
        guard !ended, var reader else { return }
        if let first = events.first, first.seq > reader.cursor + 1 { return end(.gap) }
        var wrote = false
        let finished = reader.visit(events) { event, role in
            context.write(NIOAny(IOData.byteBuffer(event.chunk(for: role))), promise: nil)
            wrote = true
        }
        self.reader = reader
        if wrote {
            context.flush()
            if context.channel.isWritable {
                unwritableBatches = 0
            } else {
                unwritableBatches += 1
                if unwritableBatches > bufferLimit { return end(.tooSlow) }
            }
        }
        if finished { end(.finished) }
    }

    /// Stops writing and tells the hub (once).
    fileprivate func end(_ ending: Ending) {
        guard !ended else { return }
        ended = true
        if handler.stream === self { handler.stream = nil }
        onEnd?(ending)
        onEnd = nil
    }

    /// The stream's task is done with the connection (it may serve other requests now).
    func detach() {
        eventLoop.execute { self.end(.finished) }
    }
}

/// In every HTTP/1 connection's pipeline, after the HTTP codec: passes everything through, marks
/// the connection as one a live stream may be written on directly (`DirectStream`), and tells
/// that stream when the connection closes.
final class LiveStreamChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The stream being written directly on this connection, if any.
    fileprivate var stream: DirectStream?

    /// A connection keeps its last read buffer for its next read, and NIO's first guess is 2 kB:
    /// a tenth of an idle live stream's memory (docs/BENCHMARKS.md, run M's heap profile) for a
    /// request of a few hundred bytes. The guess starts at 512 bytes and grows when reads fill it.
    static let reads = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65_536)

    func handlerAdded(context: ChannelHandlerContext) {
        try? context.channel.syncOptions?.setOption(ChannelOptions.recvAllocator, value: Self.reads)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stream?.end(.connectionClosed)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stream?.end(.connectionClosed)
    }
}
