import BreakoutDomain
import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The node's one WebSocket to Janus (its `janus-protocol` transport), which carries the Janus
/// sessions of every participant whose media signalling this node serves.
///
/// One connection, not one HTTP long poll per participant: a node serving 500 participants would
/// otherwise hold 500 polls open to Janus. Requests are matched to their answers by `transaction`;
/// what Janus sends on its own (a roommate publishing, a handle hung up, a kick) is handed to the
/// session it names. When the connection drops, Janus destroys the sessions made on it (it keeps
/// no session of a transport that is gone), so every session here is told `transportLost` and its
/// participant joins again once the connection is back, within a second.
final class JanusSocket: Service, Sendable {
    typealias Message = [String: JSONValue]

    /// What a session hears: a message Janus sent on its own, or that the connection is gone.
    enum Delivery: Sendable {
        case event(Message)
        case transportLost
    }

    let url: String
    private let apiSecret: String
    private let logger: Logger
    private let state = Mutex(State())
    /// How long a request waits for Janus's answer.
    static let timeout = Duration.seconds(5)

    private struct State {
        var writer: WebSocketOutboundWriter?
        var pending: [String: Waiter] = [:]
        var sessions: [UInt64: @Sendable (Delivery) -> Void] = [:]
        var connectedWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// A request waiting for its answer; `ackIsEnough`: its `ack` is the answer.
    private struct Waiter {
        let continuation: CheckedContinuation<Message, any Error>
        let ackIsEnough: Bool
    }

    struct Failure: Error, CustomStringConvertible {
        let code: Int?
        let description: String
    }

    init(url: String, apiSecret: String, logger: Logger) {
        self.url = url
        self.apiSecret = apiSecret
        self.logger = logger
    }

    var isConnected: Bool { state.withLock { $0.writer != nil } }

    // MARK: Requests

    /// Sends `body` (with a fresh transaction and the API secret) and waits for its answer: the
    /// first reply that is not an `ack`, or the `ack` itself when `ackIsEnough` (trickle,
    /// keepalive, detach). A plugin's asynchronous answer (an SDP, a `joined`) comes as an `event`
    /// with the same transaction, so it is found here too.
    func request(_ body: Message, ackIsEnough: Bool = false) async throws -> Message {
        let transaction = UUID().uuidString
        var body = body
        body["transaction"] = .string(transaction)
        body["apisecret"] = .string(apiSecret)
        let text = String(decoding: try JSONEncoder().encode(JSONValue.object(body)), as: UTF8.self)
        let answer: Message = try await withThrowingTaskGroup(of: Message.self) { group in
            group.addTask {
                try await withCheckedThrowingContinuation { continuation in
                    let writer: WebSocketOutboundWriter? = self.state.withLock { state in
                        guard let writer = state.writer else { return nil }
                        state.pending[transaction] = Waiter(continuation: continuation, ackIsEnough: ackIsEnough)
                        return writer
                    }
                    guard let writer else {
                        continuation.resume(throwing: Failure(code: nil, description: "no connection to Janus"))
                        return
                    }
                    Task {
                        do {
                            try await writer.write(.text(text))
                        } catch {
                            self.state.withLock { $0.pending.removeValue(forKey: transaction) }?.continuation.resume(throwing: error)
                        }
                    }
                }
            }
            group.addTask {
                try await Task.sleep(for: Self.timeout)
                throw Failure(code: nil, description: "Janus did not answer within \(Self.timeout)")
            }
            defer { group.cancelAll() }
            do {
                return try await group.next()!
            } catch {
                state.withLock { $0.pending.removeValue(forKey: transaction) }?.continuation.resume(throwing: error)
                throw error
            }
        }
        if answer["janus"]?.stringValue == "error" {
            throw Failure(code: answer["error"]?["code"]?.intValue, description: answer["error"]?["reason"]?.stringValue ?? "Janus error")
        }
        return answer
    }

    // MARK: Sessions

    /// Makes a Janus session whose own messages go to `deliver`.
    func createSession(_ deliver: @escaping @Sendable (Delivery) -> Void) async throws -> UInt64 {
        let answer = try await request(["janus": "create"])
        guard let id = answer["data"]?["id"].flatMap(Self.id) else { throw Failure(code: nil, description: "Janus created no session") }
        state.withLock { $0.sessions[id] = deliver }
        return id
    }

    /// Forgets a session here and asks Janus to destroy it (which detaches its handles: their
    /// feeds leave their rooms at once).
    func destroySession(_ id: UInt64) async {
        state.withLock { _ = $0.sessions.removeValue(forKey: id) }
        _ = try? await request(["janus": "destroy", "session_id": .number(Double(id))])
    }

    /// Waits until the connection is up (or `timeout` passed).
    func waitUntilConnected(timeout: Duration) async -> Bool {
        if isConnected { return true }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let now = self.state.withLock { state -> Bool in
                        if state.writer != nil { return true }
                        state.connectedWaiters.append(continuation)
                        return false
                    }
                    if now { continuation.resume() }
                }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
        return isConnected
    }

    // MARK: The connection

    func run() async throws {
        let failing = Atomic<Bool>(false)
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    var configuration = WebSocketClientConfiguration()
                    configuration.additionalHeaders[HTTPField.Name("Sec-WebSocket-Protocol")!] = "janus-protocol"
                    configuration.maxFrameSize = 1 << 20
                    try await WebSocketClient.connect(url: self.url, configuration: configuration, logger: self.logger) { inbound, outbound, _ in
                        let waiters = self.state.withLock { state in
                            state.writer = outbound
                            defer { state.connectedWaiters = [] }
                            return state.connectedWaiters
                        }
                        for waiter in waiters { waiter.resume() }
                        if failing.exchange(false, ordering: .relaxed) {
                            self.logger.notice("Janus's WebSocket is up again", metadata: ["janus": "\(self.url)"])
                        }
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            guard case .text(let text) = message,
                                  case .object(let body)? = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else { continue }
                            self.receive(body)
                        }
                    }
                } catch {
                    if !failing.exchange(true, ordering: .relaxed) && !Task.isCancelled {
                        self.logger.warning("Janus's WebSocket failed; trying again", metadata: ["janus": "\(self.url)", "error": "\(error)"])
                    }
                }
                self.dropConnection()
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
        dropConnection()
    }

    private func receive(_ body: Message) {
        if let transaction = body["transaction"]?.stringValue {
            let isAck = body["janus"]?.stringValue == "ack"
            let waiter = state.withLock { state -> Waiter? in
                guard let waiter = state.pending[transaction], !isAck || waiter.ackIsEnough else { return nil }
                return state.pending.removeValue(forKey: transaction)
            }
            if let waiter {
                waiter.continuation.resume(returning: body)
                return
            }
            // An ack before a plugin's asynchronous answer: nothing to hand on.
            if isAck { return }
        }
        guard let session = body["session_id"].flatMap(Self.id),
              let deliver = state.withLock({ $0.sessions[session] }) else { return }
        deliver(.event(body))
    }

    private func dropConnection() {
        let (pending, sessions) = state.withLock { state in
            state.writer = nil
            defer { state.pending = [:]; state.sessions = [:] }
            return (state.pending, state.sessions)
        }
        for waiter in pending.values { waiter.continuation.resume(throwing: Failure(code: nil, description: "the connection to Janus closed")) }
        for deliver in sessions.values { deliver(.transportLost) }
    }

    /// Janus's session and handle ids are 53-bit integers in JSON.
    static func id(_ value: JSONValue) -> UInt64? {
        if case .number(let number) = value, number >= 0 { return UInt64(exactly: number) }
        return nil
    }
}
