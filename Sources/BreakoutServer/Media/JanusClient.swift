import AsyncHTTPClient
import BreakoutDomain
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization

/// Janus's HTTP API, as the nodes use it: the videoroom plugin's synchronous requests (create,
/// destroy, allowed, kick, moderate, exists) on one session and handle kept by this node, and a
/// short-lived observer that joins a room to see its publishers' streams.
///
/// Every call is bounded (2 s): a Janus that is down or stuck costs the media worker a retry, never
/// a command (commands do not call Janus at all).
final class JanusClient: Sendable {
    struct Failure: Error, CustomStringConvertible {
        /// Janus's or the videoroom's error code, when it answered with one.
        let code: Int?
        let description: String
    }

    let url: String
    let adminKey: String
    private let http: HTTPClient
    private let handle = Mutex<(session: UInt64, handle: UInt64)?>(nil)
    static let timeout = TimeAmount.seconds(2)

    init(url: String, adminKey: String, http: HTTPClient = .shared) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.adminKey = adminKey
        self.http = http
    }

    // MARK: Videoroom requests

    /// One synchronous videoroom request on this node's handle; its `plugindata.data`. A lost
    /// session (Janus restarted, or the session timed out) is made again once.
    func videoroom(_ body: [String: JSONValue]) async throws -> [String: JSONValue] {
        for attempt in 0..<2 {
            let (session, handle) = try await sessionHandle()
            do {
                let answer = try await post("/\(session)/\(handle)", ["janus": "message", "body": .object(body)])
                guard case .object(let data)? = answer["plugindata"]?["data"] else {
                    throw Failure(code: nil, description: "Janus answered without plugin data")
                }
                if let code = data["error_code"]?.intValue {
                    throw Failure(code: code, description: data["error"]?.stringValue ?? "videoroom error \(code)")
                }
                return data
            } catch let failure as Failure where attempt == 0 && Self.sessionLost.contains(failure.code ?? 0) {
                self.handle.withLock { $0 = nil }
            }
        }
        throw Failure(code: nil, description: "Janus session lost twice")
    }

    /// Janus core errors meaning "no such session" (458) and "no such handle" (459).
    static let sessionLost: Set<Int> = [458, 459]

    private func sessionHandle() async throws -> (UInt64, UInt64) {
        if let current = handle.withLock({ $0 }) { return current }
        let session = try await post("", ["janus": "create"])["data"]?["id"].flatMap(Self.id)
        guard let session else { throw Failure(code: nil, description: "Janus created no session") }
        let attached = try await post("/\(session)", ["janus": "attach", "plugin": "janus.plugin.videoroom"])["data"]?["id"]
        guard let handleId = attached.flatMap(Self.id) else { throw Failure(code: nil, description: "Janus attached no handle") }
        handle.withLock { $0 = (session, handleId) }
        return (session, handleId)
    }

    /// The publishers of a room and their streams, as a participant joining it would see them: a
    /// throwaway session joins as a (never publishing) participant with the observer token, reads
    /// the `joined` event, and is destroyed, which leaves the room.
    func publishers(in room: String) async throws -> [JSONValue] {
        let session = try await post("", ["janus": "create"])["data"]?["id"].flatMap(Self.id)
        guard let session else { throw Failure(code: nil, description: "Janus created no session") }
        do {
            let attached = try await post("/\(session)", ["janus": "attach", "plugin": "janus.plugin.videoroom"])["data"]?["id"]
            guard let handleId = attached.flatMap(Self.id) else { throw Failure(code: nil, description: "Janus attached no handle") }
            let join: [String: JSONValue] = [
                "request": "join", "ptype": "publisher", "room": .string(room),
                "id": .string("observer-" + UUID().uuidString.lowercased()), "display": "breakout",
                "token": .string(MediaSecrets.observerToken(key: adminKey)),
            ]
            _ = try await post("/\(session)/\(handleId)", ["janus": "message", "body": .object(join)])
            // The join is answered by an event on the session's long poll.
            for _ in 0..<5 {
                let event = try await get("/\(session)?maxev=1")
                guard case .object(let data)? = event["plugindata"]?["data"] else { continue }
                if let code = data["error_code"]?.intValue {
                    throw Failure(code: code, description: data["error"]?.stringValue ?? "videoroom error \(code)")
                }
                if data["videoroom"]?.stringValue == "joined" {
                    try? await destroy(session: session)
                    return data["publishers"]?.arrayValue ?? []
                }
            }
            throw Failure(code: nil, description: "Janus did not answer the observer's join")
        } catch {
            try? await destroy(session: session)
            throw error
        }
    }

    private func destroy(session: UInt64) async throws {
        _ = try await post("/\(session)", ["janus": "destroy"])
    }

    // MARK: HTTP

    private func post(_ path: String, _ body: [String: JSONValue]) async throws -> [String: JSONValue] {
        var body = body
        body["transaction"] = .string(UUID().uuidString)
        // Janus answers nobody without its api_secret (the admin key).
        body["apisecret"] = .string(adminKey)
        var request = HTTPClientRequest(url: url + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(JSONValue.object(body))))
        return try await send(request)
    }

    private func get(_ path: String) async throws -> [String: JSONValue] {
        let separator = path.contains("?") ? "&" : "?"
        let secret = adminKey.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return try await send(HTTPClientRequest(url: url + path + separator + "apisecret=" + secret))
    }

    private func send(_ request: HTTPClientRequest) async throws -> [String: JSONValue] {
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await http.execute(request, timeout: Self.timeout)
            body = try await response.body.collect(upTo: 4 << 20)
        } catch {
            throw Failure(code: nil, description: "Janus did not answer at \(url) (\(error))")
        }
        guard response.status == .ok else { throw Failure(code: nil, description: "Janus answered HTTP \(response.status.code)") }
        guard case .object(let answer) = try JSONDecoder().decode(JSONValue.self, from: body) else {
            throw Failure(code: nil, description: "Janus answered something that is not a JSON object")
        }
        if answer["janus"]?.stringValue == "error" {
            let code = answer["error"]?["code"]?.intValue
            throw Failure(code: code, description: answer["error"]?["reason"]?.stringValue ?? "Janus error")
        }
        return answer
    }

    /// Janus's session and handle ids are 53-bit integers in JSON.
    private static func id(_ value: JSONValue) -> UInt64? {
        if case .number(let number) = value, number >= 0 { return UInt64(exactly: number) }
        return nil
    }
}
