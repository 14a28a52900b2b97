import NIOCore
import NIOPosix
import Synchronization

/// A TCP proxy on loopback in front of the test database that can play HAProxy during a failover.
///
/// `forward()`: every new connection is passed through to PostgreSQL. `silence()`: the primary is
/// gone: every forwarded connection is closed (HAProxy's `on-marked-down shutdown-sessions`), and
/// new ones are accepted and then never answered, as a balancer does while nothing behind it
/// answers. Connections accepted while silent stay silent after `forward()`: only the client's
/// own time-out ends them, so a client that waits on one for long misses the new primary.
/// `refuse()`: as `silence()`, but every new connection is closed at once, as HAProxy does when
/// no member is up or the one it tries refuses.
final class SilentDatabaseProxy: Sendable {
    private struct State {
        var silent = false
        var refusing = false
        var forwarded: [any Channel] = []
        var silenced: [any Channel] = []
    }

    let port: Int
    private let targetHost: String
    private let targetPort: Int
    private let state = Mutex(State())
    private let server = Mutex<(any Channel)?>(nil)

    private init(port: Int, targetHost: String, targetPort: Int) {
        self.port = port
        self.targetHost = targetHost
        self.targetPort = targetPort
    }

    static func start(targetHost: String, targetPort: Int) async throws -> SilentDatabaseProxy {
        let port = try NodeProcess.freePort()
        let proxy = SilentDatabaseProxy(port: port, targetHost: targetHost, targetPort: targetPort)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in proxy.accept(child) }
            .bind(host: "127.0.0.1", port: port).get()
        proxy.server.withLock { $0 = channel }
        return proxy
    }

    func forward() {
        state.withLock { state in
            state.silent = false
            state.refusing = false
        }
    }

    func refuse() {
        state.withLock { $0.refusing = true }
        silence()
    }

    func silence() {
        let forwarded = state.withLock { state in
            state.silent = true
            defer { state.forwarded = [] }
            return state.forwarded
        }
        for channel in forwarded { channel.close(promise: nil) }
    }

    func close() {
        silence()
        for channel in state.withLock({ $0.silenced }) { channel.close(promise: nil) }
        server.withLock { $0 }?.close(promise: nil)
    }

    /// A new client connection: kept silent, or glued to a new connection to PostgreSQL.
    private func accept(_ client: any Channel) -> EventLoopFuture<Void> {
        let (silent, refusing) = state.withLock { state in
            if state.refusing { return (true, true) }
            if state.silent { state.silenced.append(client) } else { state.forwarded.append(client) }
            return (state.silent, false)
        }
        if refusing {
            return client.close()
        }
        if silent {
            // Accepted; whatever the client sends is read and dropped, nothing is ever answered.
            return client.eventLoop.makeSucceededVoidFuture()
        }
        return ClientBootstrap(group: client.eventLoop)
            .channelInitializer { upstream in upstream.pipeline.addHandler(Glue(peer: client)) }
            .connect(host: targetHost, port: targetPort)
            .flatMap { upstream in
                // Silenced while connecting: this one must not get through either.
                let keep = self.state.withLock { state in
                    if !state.silent { state.forwarded.append(upstream) }
                    return !state.silent
                }
                guard keep else {
                    upstream.close(promise: nil)
                    return client.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
                }
                return client.pipeline.addHandler(Glue(peer: upstream))
            }
    }

    /// Copies what one side reads to the other; either side closing closes both.
    private final class Glue: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let peer: any Channel

        init(peer: any Channel) { self.peer = peer }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            peer.writeAndFlush(unwrapInboundIn(data), promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            peer.close(promise: nil)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
