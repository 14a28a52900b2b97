import Foundation
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What writing one event to one live stream costs the writer on this machine with nothing else to
/// do: `streams` loopback TCP connections, read by another thread, each sent `bytes` bytes per
/// round, one write per connection, the round's writes timed by the writing thread's own CPU clock.
///
/// - `syscall`: plain `write(2)` on the sockets, from a thread of its own (the kernel's part);
/// - `nio`: `writeAndFlush` of one shared buffer on NIO channels, from their event loop (what a
///   delivering node does per stream at the least).
///
/// On loopback the kernel runs the receiver's TCP input inside the sender's `write`, so both
/// include that; on a real network interface the receiver's machine pays it.
enum WriteFloor {
    struct Figures: Sendable {
        var syscallMicros: Double
        var nioMicros: Double
    }

    static func measure(streams: Int = 1000, rounds: Int = 100, bytes: Int = 330) async throws -> Figures {
        let readers = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let writers = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let received = Counter()
        let figures: Result<Figures, any Error>
        do {
            let syscall = try await viaSyscall(streams: streams, rounds: rounds, bytes: bytes, readers: readers, received: received)
            let nio = try await viaNIO(streams: streams, rounds: rounds, bytes: bytes, readers: readers, writers: writers, received: received)
            figures = .success(Figures(syscallMicros: syscall, nioMicros: nio))
        } catch {
            figures = .failure(error)
        }
        try? await readers.shutdownGracefully()
        try? await writers.shutdownGracefully()
        return try figures.get()
    }

    /// Bytes read by all reading connections so far.
    final class Counter: Sendable {
        let bytes = Atomic<Int>(0)
    }

    private final class Discard: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received: Counter
        init(received: Counter) { self.received = received }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received.bytes.add(unwrapInboundIn(data).readableBytes, ordering: .relaxed)
        }
    }

    private static func connectReaders(_ count: Int, port: Int, group: any EventLoopGroup, received: Counter) async throws -> [any Channel] {
        var channels: [any Channel] = []
        for _ in 0..<count {
            let channel = try await ClientBootstrap(group: group)
                .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Discard(received: received)) }
                }
                .connect(host: "127.0.0.1", port: port).get()
            channels.append(channel)
        }
        return channels
    }

    /// Waits until the readers have `total` bytes (a round delivered), at most 10 s.
    private static func waitFor(_ total: Int, _ received: Counter) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while received.bytes.load(ordering: .relaxed) < total {
            guard ContinuousClock.now < deadline else { throw APIError(description: "write floor: a round was not read within 10 s") }
            try await Task.sleep(for: .microseconds(200))
        }
    }

    private static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    private static func viaSyscall(streams: Int, rounds: Int, bytes: Int, readers: any EventLoopGroup, received: Counter) async throws -> Double {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw APIError(description: "write floor: socket() failed") }
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0 }
        }
        guard bound, listen(listener, Int32(streams)) == 0 else { throw APIError(description: "write floor: bind/listen failed") }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let start = received.bytes.load(ordering: .relaxed)
        // Accept on a thread of its own while the readers connect.
        let accepted = Task.detached { () -> [Int32] in
            (0..<streams).map { _ in accept(listener, nil, nil) }
        }
        let channels = try await connectReaders(streams, port: port, group: readers, received: received)
        let fds = await accepted.value
        guard fds.allSatisfy({ $0 >= 0 }) else { throw APIError(description: "write floor: accept() failed") }
        defer {
            for fd in fds { close(fd) }
            for channel in channels { channel.close(promise: nil) }
        }
        var one: Int32 = 1
        for fd in fds { setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size)) }
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: bytes)
        var cpu = 0.0
        for round in 1...rounds {
            cpu += try await Task.detached { () -> Double in
                let before = threadCPUSeconds()
                for fd in fds { _ = payload.withUnsafeBytes { write(fd, $0.baseAddress, bytes) } }
                return threadCPUSeconds() - before
            }.value
            try await waitFor(start + round * streams * bytes, received)
        }
        return cpu * 1e6 / Double(rounds * streams)
    }

    private static func viaNIO(
        streams: Int, rounds: Int, bytes: Int, readers: any EventLoopGroup, writers: MultiThreadedEventLoopGroup, received: Counter
    ) async throws -> Double {
        let accepted = Mutex<[any Channel]>([])
        let server = try await ServerBootstrap(group: writers)
            .serverChannelOption(ChannelOptions.backlog, value: Int32(streams))
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                accepted.withLock { $0.append(channel) }
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { server.close(promise: nil) }
        let start = received.bytes.load(ordering: .relaxed)
        let channels = try await connectReaders(streams, port: server.localAddress?.port ?? 0, group: readers, received: received)
        defer { for channel in channels { channel.close(promise: nil) } }
        while accepted.withLock({ $0.count }) < streams { try await Task.sleep(for: .milliseconds(1)) }
        let writing = accepted.withLock { $0 }
        let loop = writers.next()
        let payload = ByteBuffer(repeating: UInt8(ascii: "x"), count: bytes)
        var cpu = 0.0
        for round in 1...rounds {
            cpu += try await loop.submit {
                let before = threadCPUSeconds()
                for channel in writing { channel.writeAndFlush(payload, promise: nil) }
                return threadCPUSeconds() - before
            }.get()
            try await waitFor(start + round * streams * bytes, received)
        }
        for channel in writing { channel.close(promise: nil) }
        return cpu * 1e6 / Double(rounds * streams)
    }
}
