import BreakoutDomain
import BreakoutStore
import Foundation
import HTTPTypes
import HummingbirdWebSocket
import Logging
import NIOWebSocket
import NIOCore
import ServiceLifecycle
import Synchronization

/// `GET /v1/meetings/{meetingId}/media/signal` as a WebSocket: the one door to a room's audio and
/// video (docs/decisions.md, "One door to the media"). Authenticated like the live stream (a bearer
/// token, or `?access_token=` since a browser's WebSocket cannot set headers). After the upgrade
/// the token is checked; a refusal is an `error` message and a close code: 4401 (no such token),
/// 4404 (no such meeting), 4410 (the meeting ended, or the participant left or was removed), 4409
/// (the same person connected again on this node).
struct MediaSignalling: Sendable {
    let store: MeetingStore
    let socket: JanusSocket
    let hub: MediaSignalHub
    let configuration: MediaConfiguration
    let worker: MediaWorker?
    let logger: Logger
    /// How often each Janus session is kept alive (Janus forgets one after 60 s of silence).
    static let keepalive = Duration.seconds(20)
    /// Requests a connection may have waiting: a page has a handful at once (a join, a publish, a
    /// few subscriptions and their candidates). A client that sends faster than the node and Janus
    /// answer is closed (1008), so that no connection queues without bound.
    static let maxWaiting = 256

    /// The meeting id of a signalling path, or nil for every other path.
    static func meetingId(ofSignalPath path: String) -> UUID? {
        let parts = path.split(separator: "?", maxSplits: 1)[0].split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0].isEmpty, parts[1] == "v1", parts[2] == "meetings", parts[4] == "media", parts[5] == "signal" else { return nil }
        return UUID(uuidString: String(parts[3]))
    }

    /// Whether to take a WebSocket upgrade: only at a signalling path, and with a token.
    func shouldUpgrade(_ request: HTTPRequest) -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        guard let path = request.path, let meetingId = Self.meetingId(ofSignalPath: path),
              let token = Self.token(request), !token.isEmpty else { return .dontUpgrade }
        return .upgrade([:]) { inbound, outbound, _ in
            await self.serve(meetingId: meetingId, token: token, inbound: inbound, outbound: outbound)
        }
    }

    static func token(_ request: HTTPRequest) -> String? {
        if let authorization = request.headerFields[.authorization], authorization.hasPrefix("Bearer ") {
            return String(authorization.dropFirst("Bearer ".count))
        }
        guard let path = request.path, let query = path.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for pair in query.split(separator: "&") where pair.hasPrefix("access_token=") {
            return String(pair.dropFirst("access_token=".count)).removingPercentEncoding
        }
        return nil
    }

    private func serve(meetingId: UUID, token: String, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async {
        let participantId: UUID
        do {
            participantId = try await store.mediaLocation(token: token, meetingId: meetingId).participantId
        } catch let error as DomainError {
            let problem = Problem(error)
            try? await outbound.write(.text(Self.errorText(code: problem.code, detail: problem.detail)))
            try? await outbound.close(.init(codeNumber: 4000 + Int(problem.status.code)), reason: problem.code)
            return
        } catch {
            try? await outbound.write(.text(Self.errorText(code: ServerError.Code.serviceUnavailable.rawValue, detail: "The database cannot be reached; connect again.")))
            try? await outbound.close(.unexpectedServerError, reason: "service_unavailable")
            return
        }
        let (inputs, continuation) = AsyncStream.makeStream(of: MediaSignalSession.Input.self)
        let yield: @Sendable (MediaSignalSession.Input) -> Void = { continuation.yield($0) }
        let waiting = WaitingRequests()
        let session = MediaSignalSession(
            meetingId: meetingId, participantId: participantId, token: token, socket: socket, store: store,
            configuration: configuration, worker: worker, outbound: outbound, yield: yield, logger: logger)
        let registration = hub.register(meetingId: meetingId, participantId: participantId) { yield(.change($0)) }
        await withDiscardingTaskGroup { group in
            group.addTask {
                do {
                    for try await message in inbound.messages(maxSize: SignalRequest.maxSDPBytes + 4096) {
                        guard case .text(let text) = message else { continue }
                        if waiting.count.add(1, ordering: .relaxed).newValue > Self.maxWaiting {
                            try? await outbound.close(.policyViolation, reason: "too many requests waiting")
                            break
                        }
                        yield(.client(text))
                    }
                } catch {}
                yield(.closed)
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: Self.keepalive)
                    yield(.keepalive)
                }
            }
            for await input in inputs {
                if case .client = input { waiting.count.subtract(1, ordering: .relaxed) }
                if await !session.handle(input) { break }
            }
            hub.unregister(meetingId: meetingId, participantId: participantId, id: registration)
            await session.end()
            // Closing ends the reader too, once the client answers the close (or after the
            // WebSocket's close timeout).
            if let code = session.closeCode { try? await outbound.close(code, reason: nil) }
            group.cancelAll()
        }
    }

    static func errorText(code: String, detail: String) -> String {
        let message: JSONValue = ["type": "error", "code": .string(code), "detail": .string(detail)]
        return (try? JSONEncoder.sortedKeys.encode(message)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// The client's requests not yet handled on one connection.
private final class WaitingRequests: Sendable {
    let count = Atomic<Int>(0)
}
