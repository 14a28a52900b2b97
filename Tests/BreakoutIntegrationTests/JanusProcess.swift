import AsyncHTTPClient
import BreakoutDomain
import BreakoutTestSupport
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// A private Janus on loopback, started by scripts/lib/janus.sh exactly as scripts/run starts it
/// (configuration from deploy/janus/), in a folder of its own. The tests kill it (SIGKILL, as in a
/// crash), start it again on the same port (where the nodes expect it), and always stop it.
final class JanusProcess: Sendable {
    let directory: URL
    let adminKey: String
    let port: Int
    var url: String { "http://127.0.0.1:\(port)/janus" }
    /// The WebSocket API (the nodes' signalling connections), on a port janus_start chose and keeps
    /// across restarts in the same folder.
    var socketURL: String {
        let port = (try? String(contentsOf: directory.appendingPathComponent("janus.ws_port"), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "0"
        return "ws://127.0.0.1:\(port)"
    }

    static var repositoryRoot: URL { TestDatabase.sqlDirectory.deletingLastPathComponent() }

    /// Debian's `janus` on PATH or in /usr/bin.
    static var binary: String? {
        var candidates = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/janus" }
        candidates.append("/usr/bin/janus")
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The media tests run where Janus is installed, and always in CI, where its absence fails them.
    static var shouldRun: Bool { binary != nil || NginxProcess.isCI }

    /// Runs a function of scripts/lib/janus.sh on a thread of its own (it takes a second or so, and
    /// the test runner's few threads have better things to do); its exit status and output.
    static func script(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let library = repositoryRoot.appendingPathComponent("scripts/lib/janus.sh").path
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                do {
                    continuation.resume(returning: try run(["-c", "source \"$0\" && \"$@\"", library] + arguments))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try NginxProcess.run("/bin/bash", arguments, bound: 60)
    }

    /// Starts Janus with `adminKey` on a free port below the kernel's ephemeral range (so that no
    /// client connection takes it while Janus is down between a kill and a restart), and returns
    /// once it answers.
    static func start(adminKey: String = "media-admin-" + UUID().uuidString.lowercased()) async throws -> JanusProcess {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("breakout-janus-\(UUID().uuidString.prefix(8))")
        let janus = JanusProcess(directory: directory, adminKey: adminKey, port: try NodeProcess.freePort())
        do {
            try await janus.launch()
            return janus
        } catch {
            janus.stop()
            throw error
        }
    }

    init(directory: URL, adminKey: String, port: Int) {
        self.directory = directory
        self.adminKey = adminKey
        self.port = port
    }

    private func launch() async throws {
        try #require(Self.binary != nil, "janus not found: scripts/test installs Debian's janus with apt-get (as root)")
        let started = try await Self.script(["janus_start", directory.path, adminKey, String(port)])
        try #require(started.status == 0 && started.output.contains(url),
                     "janus_start failed (\(started.status)): \(started.output)\n\(logTail())")
    }

    /// Starts it again on the same port, with the same key, after `kill` or `stop`: a Janus that
    /// restarted and remembers nothing. Returns once it answers.
    func restart() async throws {
        try #require(!isRunning, "Janus is still running")
        try await launch()
    }

    /// The pid janus_start recorded, while its file exists.
    var pid: Int32? {
        (try? String(contentsOf: directory.appendingPathComponent("janus.pid"), encoding: .utf8))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Whether the recorded process is alive (a zombie, whose parent the script was, is not).
    var isRunning: Bool {
        guard let pid else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        // "pid (comm) state ...": the state follows the last ')'.
        guard let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z" && state != "X"
    }

    /// SIGKILL, as in a crash; returns once it is gone and its port closed.
    func kill() async throws {
        guard let pid, isRunning else { return }
        Foundation.kill(pid, SIGKILL)
        try await eventually("janus (pid \(pid)) to die", timeout: .seconds(10)) {
            !isRunning && !NginxProcess.canConnect(port: port)
        }
    }

    /// SIGTERM (janus_stop: SIGKILL after 5 s), and removes the folder.
    func stop() {
        if isRunning, let pid {
            Foundation.kill(pid, SIGTERM)
            let deadline = Date().addingTimeInterval(5)
            while isRunning, Date() < deadline { usleep(20_000) }
            if isRunning { Foundation.kill(pid, SIGKILL) }
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// The last lines of Janus's log, for failure messages.
    func logTail(_ lines: Int = 20) -> String {
        let text = (try? String(contentsOf: directory.appendingPathComponent("janus.log"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// A client of this Janus's HTTP API, with the api_secret (as the nodes and an operator).
    var api: JanusAPI { JanusAPI(url: url, adminKey: adminKey) }
    /// The same API as anyone else on the network: without the secret.
    var outsider: JanusAPI { JanusAPI(url: url, adminKey: adminKey, sendsSecret: false) }
}

/// Janus's HTTP API as the tests use it: what a browser does (join a room as a publisher, with a
/// token) and what an operator would look at (does a room exist, its `allowed` list, who is in it).
/// The room secrets and the observer's token are derived from the admin key as the nodes derive
/// them (HMAC-SHA256, base64url without padding), computed here independently.
final class JanusAPI: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let code: Int?
        let description: String
    }

    let url: String
    let adminKey: String
    /// Whether requests carry the api_secret (the admin key), as the nodes' do.
    let sendsSecret: Bool
    /// The session and handle the synchronous requests go through; made again when lost.
    private let handle = Mutex<JanusHandle?>(nil)

    init(url: String, adminKey: String, sendsSecret: Bool = true) {
        self.url = url
        self.adminKey = adminKey
        self.sendsSecret = sendsSecret
    }

    static func derive(_ text: String, key: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: SymmetricKey(data: Data(key.utf8)))
        return Data(mac).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    func roomSecret(_ room: String) -> String { Self.derive("media room secret \(room)", key: adminKey) }
    /// A participant's media token, which only the nodes hold (never sent to a browser).
    func mediaToken(_ participantId: String) -> String { Self.derive("media token \(participantId.lowercased())", key: adminKey) }
    var observerToken: String { Self.derive("media observer", key: adminKey) }

    // MARK: HTTP

    /// POST `body` (with a transaction) to `path`, or GET `path` when `body` is nil; Janus's answer.
    func send(_ path: String, _ body: [String: JSONValue]? = nil, timeout: TimeAmount = .seconds(5)) async throws -> JSONValue {
        let secret = sendsSecret ? (path.contains("?") ? "&" : "?") + "apisecret=" + adminKey : ""
        var request = HTTPClientRequest(url: url + path + (body == nil ? secret : ""))
        if var body {
            body["transaction"] = .string(UUID().uuidString)
            if sendsSecret { body["apisecret"] = .string(adminKey) }
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(JSONValue.object(body))))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 4 << 20)
        let answer = try JSONDecoder().decode(JSONValue.self, from: Data(String(buffer: bytes).utf8))
        if answer["janus"]?.stringValue == "error" {
            throw Failure(code: answer["error"]?["code"]?.intValue, description: answer["error"]?["reason"]?.stringValue ?? "Janus error")
        }
        return answer
    }

    /// A new session with the videoroom plugin attached: one participant's page.
    func attach() async throws -> JanusHandle {
        let session = try #require(try await send("", ["janus": "create"])["data"]?["id"].flatMap(Self.id), "Janus made no session")
        let handle = try #require(try await send("/\(session)", ["janus": "attach", "plugin": "janus.plugin.videoroom"])["data"]?["id"]
            .flatMap(Self.id), "Janus attached no handle")
        return JanusHandle(api: self, session: session, handle: handle)
    }

    static func id(_ value: JSONValue) -> UInt64? {
        if case .number(let number) = value, number >= 0 { return UInt64(exactly: number) }
        return nil
    }

    // MARK: Looking at rooms

    /// One synchronous videoroom request on the shared handle; its `plugindata.data`. A handle
    /// lost (Janus restarted) or failing is dropped, so that the next call makes another.
    func videoroom(_ body: [String: JSONValue]) async throws -> JSONValue {
        let current: JanusHandle
        if let cached = handle.withLock({ $0 }) {
            current = cached
        } else {
            current = try await attach()
            handle.withLock { $0 = current }
        }
        do {
            return try await current.request(body)
        } catch let failure as Failure where failure.code != nil && failure.code! >= 420 && failure.code! < 500 && failure.code! != 458 && failure.code! != 459 {
            throw failure  // the videoroom's own answer (no such room, ...): the handle is fine
        } catch {
            handle.withLock { $0 = nil }
            throw error
        }
    }

    func exists(_ room: String) async throws -> Bool {
        try #require(try await videoroom(["request": "exists", "room": .string(room)])["exists"]?.boolValue)
    }

    /// The room's `allowed` list, or nil when there is no such room (426). Asked as the nodes ask,
    /// by adding nothing with the room's secret: the answer carries the whole list.
    func allowed(_ room: String) async throws -> Set<String>? {
        do {
            let data = try await videoroom(["request": "allowed", "room": .string(room), "secret": .string(roomSecret(room)),
                                            "action": "add", "allowed": []])
            return Set(try #require(data["allowed"]?.arrayValue, "no allowed list: \(data)").compactMap(\.stringValue))
        } catch let failure as Failure where failure.code == 426 {
            return nil
        }
    }

    /// The ids of the participants in the room (publishers, with or without media).
    func participants(in room: String) async throws -> Set<String> {
        let data = try await videoroom(["request": "listparticipants", "room": .string(room)])
        return Set(try #require(data["participants"]?.arrayValue, "no participants: \(data)").compactMap { $0["id"]?.stringValue })
    }
}

/// One session and videoroom handle: what a participant's page holds.
struct JanusHandle: Sendable {
    let api: JanusAPI
    let session: UInt64
    let handle: UInt64

    /// A synchronous videoroom request; its `plugindata.data`, or the videoroom's error thrown.
    func request(_ body: [String: JSONValue]) async throws -> JSONValue {
        let answer = try await api.send("/\(session)/\(handle)", ["janus": "message", "body": .object(body)])
        let data = try #require(answer["plugindata"]?["data"], "no plugin data: \(answer)")
        if let code = data["error_code"]?.intValue {
            throw JanusAPI.Failure(code: code, description: data["error"]?.stringValue ?? "videoroom error \(code)")
        }
        return data
    }

    /// Joins `room` as a publisher (sending no media) with feed id `id` and `token`; the `joined`
    /// event's data, or the videoroom's error (433: not in the allowed list) thrown. The answer
    /// comes as an event on the session's long poll.
    @discardableResult
    func join(_ room: String, id: String, token: String) async throws -> JSONValue {
        let ack = try await api.send("/\(session)/\(handle)", ["janus": "message", "body": [
            "request": "join", "ptype": "publisher", "room": .string(room), "id": .string(id),
            "token": .string(token), "display": "test",
        ]])
        try #require(ack["janus"]?.stringValue == "ack", "join not acknowledged: \(ack)")
        return try await nextEvent { data in
            if let code = data["error_code"]?.intValue {
                throw JanusAPI.Failure(code: code, description: data["error"]?.stringValue ?? "videoroom error \(code)")
            }
            return data["videoroom"]?.stringValue == "joined" ? data : nil
        }
    }

    /// Reads the session's events until `match` returns a value (bounded: 5 s).
    func nextEvent<T>(_ match: (JSONValue) throws -> T?) async throws -> T {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            let answer = try await api.send("/\(session)?maxev=1", nil, timeout: .seconds(5))
            for event in answer.arrayValue ?? [answer] {
                if let data = event["plugindata"]?["data"], let value = try match(data) { return value }
            }
        }
        throw JanusAPI.Failure(code: nil, description: "no matching event on session \(session) within 5 s")
    }

    /// Ends the session (leaving any room it joined).
    func destroy() async {
        _ = try? await api.send("/\(session)", ["janus": "destroy"])
    }
}
