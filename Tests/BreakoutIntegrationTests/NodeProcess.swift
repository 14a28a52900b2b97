import AsyncHTTPClient
import BreakoutDomain
import BreakoutTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// Something that answers HTTP on loopback: a node, or nginx in front of nodes.
protocol HTTPEndpoint: Sendable {
    var base: String { get }
}

/// A real `breakoutd serve` process on a free loopback port, on the test database.
final class NodeProcess: HTTPEndpoint {
    let name: String
    let port: Int
    let process: ChildProcess
    /// Where the node's output goes: a file, not the test runner's pipes, so that a node outliving a
    /// crashed runner cannot keep those pipes (and `swift test`) open.
    let logFile: URL
    /// The raw wait status, once this file has reaped the process itself (see `hasExited`).
    var base: String { "http://127.0.0.1:\(port)" }

    static let logFolder = FileManager.default.temporaryDirectory.appendingPathComponent("breakout-node-logs")

    /// The executable: BREAKOUTD_BIN (set by scripts/test), else the debug build next to the sources.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["BREAKOUTD_BIN"], !path.isEmpty { return URL(fileURLWithPath: path) }
        return TestDatabase.sqlDirectory.deletingLastPathComponent().appendingPathComponent(".build/debug/breakoutd")
    }

    /// A port nothing listens on, below the kernel's ephemeral range (32768 and up), so that the
    /// thousands of client connections some tests open cannot take it between this check and the
    /// node's bind.
    static func freePort() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 20_000..<32_000)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            if withLoopbackAddress(port: port, { bind(fd, $0, $1) == 0 }) { return port }
        }
        throw RawConnection.Failure("no free port on 127.0.0.1 in 200 tries")
    }

    /// Starts the node (on `port`, else a free one) and returns once it answers /readyz (database
    /// and listener up). It applies the migrations built into the executable.
    static func start(
        _ name: String, port: Int? = nil, heartbeatSeconds: Int = 1, databaseURL: String? = nil,
        workingDirectory: URL? = nil, executable: URL? = nil, environment extra: [String: String] = [:]
    ) async throws -> NodeProcess {
        let binary = executable ?? Self.binary
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "breakoutd not built at \(binary.path)")
        let requestedPort = port
        let port = try port ?? freePort()
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = try databaseURL ?? TestDatabase.url
        environment["PORT"] = String(port)
        environment["HOST"] = "127.0.0.1"
        environment["NODE_ID"] = name
        environment["BREAKOUT_SQL_DIR"] = nil
        environment["BREAKOUT_HEARTBEAT_SECONDS"] = String(heartbeatSeconds)
        environment["LOG_LEVEL"] = "error"
        // The suite runs many nodes at once against one PostgreSQL (max_connections 300): a node's
        // pool keeps no minimum, and closes what it opened for a burst once it has been idle 10 s.
        environment["BREAKOUT_DB_IDLE_SECONDS"] = "10"
        // No crash backtracer: it would keep a crashed node (and the pipes it shares with the test
        // runner) alive for a long time; a node that must go down has to go down.
        environment["SWIFT_BACKTRACE"] = "enable=no"
        environment.merge(extra) { _, new in new }
        try FileManager.default.createDirectory(at: logFolder, withIntermediateDirectories: true)
        let logFile = logFolder.appendingPathComponent("\(name)-\(port).log")
        // Appended to, so a node restarted under the same name and port keeps its earlier lines.
        let log = open(logFile.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw ChildProcess.Failure(description: "cannot open \(logFile.path)") }
        defer { close(log) }
        let process = try ChildProcess(
            executable: binary.path, arguments: ["serve"], environment: environment, directory: workingDirectory?.path, output: log)
        let node = NodeProcess(name: name, port: port, process: process, logFile: logFile)
        do {
            return try await poll("node \(name) to become ready", timeout: .seconds(30), every: .milliseconds(100),
                                  detail: { node.logTail() }) { () async throws -> NodeProcess? in
                // Ready, and still running: a node that lost its port to another test's process exits
                // at once, and that process, not this one, would be the one answering.
                if let reply = try? await node.request(.GET, "/readyz"), reply.status == .ok, !node.hasExited { return node }
                if node.hasExited, requestedPort == nil, node.logTail().contains("Address already in use") {
                    // Another process took the free port first: another one.
                    return try await start(name, heartbeatSeconds: heartbeatSeconds, databaseURL: databaseURL,
                                           workingDirectory: workingDirectory, executable: executable, environment: extra)
                }
                try #require(!node.hasExited, "node \(name) exited with \(node.exitStatus ?? -1): \(node.logTail())")
                return nil
            }
        } catch {
            node.kill()
            throw error
        }
    }

    init(name: String, port: Int, process: ChildProcess, logFile: URL) {
        self.name = name
        self.port = port
        self.process = process
        self.logFile = logFile
    }

    /// The last lines the node wrote, for failure messages.
    func logTail(_ lines: Int = 20) -> String {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// SIGKILL: the node dies at once, as in a crash.
    func kill() {
        guard !hasExited else { return }
        process.signal(SIGKILL)
        waitForExit(seconds: 30)
    }

    /// SIGTERM: graceful shutdown (killed if it has not ended after 30 s).
    func stop() {
        guard !hasExited else { return }
        process.signal(SIGTERM)
        if !waitForExit(seconds: 30) { kill() }
    }

    /// Whether the process has ended (it is reaped then).
    var hasExited: Bool { !process.isRunning }

    /// The exit code once the node has ended (128 + the signal's number when a signal ended it), else nil.
    var exitStatus: Int32? { process.exitStatus }

    /// Polls `hasExited` for at most `seconds`; whether it ended.
    @discardableResult
    func waitForExit(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !hasExited {
            if Date() > deadline { return false }
            usleep(10_000)
        }
        return true
    }

    /// SIGTERM, then waits (without blocking a thread) for the process to exit. Returns how long
    /// it took, or nil after `bound`, when the process is killed.
    func terminate(within bound: Duration) async throws -> Duration? {
        let start = ContinuousClock.now
        guard !hasExited else { return .zero }
        process.signal(SIGTERM)
        while !hasExited {
            if ContinuousClock.now - start > bound {
                kill()
                print("\(name) did not exit within \(bound) of SIGTERM; its last lines:\n\(logTail())")
                return nil
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return ContinuousClock.now - start
    }
}

/// What an endpoint answered.
struct EndpointReply: Sendable {
    var status: HTTPResponseStatus
    var json: JSONValue
    var body: String
    var headers: HTTPHeaders = [:]
}

extension HTTPEndpoint {
    func request(
        _ method: HTTPMethod, _ path: String, token: String? = nil, json: JSONValue? = nil, headers extra: [(String, String)] = []
    ) async throws -> EndpointReply {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(json)))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 10 << 20)
        let text = String(buffer: body)
        let value = (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .null
        return EndpointReply(status: response.status, json: value, body: text, headers: response.headers)
    }

    func post(_ path: String, token: String? = nil, _ json: JSONValue? = nil) async throws -> EndpointReply {
        try await request(.POST, path, token: token, json: json)
    }
}

/// Starts `count` nodes, runs `body`, and stops whatever is still running.
func withNodeProcesses<T: Sendable>(_ count: Int, _ body: ([NodeProcess]) async throws -> T) async throws -> T {
    var nodes: [NodeProcess] = []
    do {
        for index in 0..<count { nodes.append(try await NodeProcess.start("node-\(["a", "b", "c", "d"][index])")) }
        let result = try await body(nodes)
        for node in nodes { node.stop() }
        return result
    } catch {
        for node in nodes { node.kill() }
        throw error
    }
}

/// One event received on a live stream.
struct ReceivedEvent: Sendable, Equatable {
    var id: Int64
    var type: String
    var data: JSONValue
}

/// A live stream read in the background: what has arrived so far.
protocol ReceivingStream: Sendable {
    var label: String { get }
    var events: [ReceivedEvent] { get }
}

extension ReceivingStream {
    /// Waits (bounded) until `condition` holds on what arrived, and returns what arrived.
    @discardableResult
    func waitUntil(
        _ what: String, timeout: Duration = .seconds(15), fileID: String = #fileID, line: Int = #line,
        _ condition: ([ReceivedEvent]) -> Bool
    ) async throws -> [ReceivedEvent] {
        // The last few of what arrived say where the stream stopped; all of it could be thousands.
        let detail = { "\(events.count) events, the last \(events.suffix(5).map { "\($0.id):\($0.type)" })" }
        return try await poll("\(label): \(what)", timeout: timeout, detail: detail, fileID: fileID, line: line) {
            let now = events
            return condition(now) ? now : nil
        }
    }

    func waitForSeq(_ seq: Int64, timeout: Duration = .seconds(15), fileID: String = #fileID, line: Int = #line) async throws {
        try await waitUntil("seq \(seq)", timeout: timeout, fileID: fileID, line: line) { ($0.last?.id ?? 0) >= seq }
    }
}

/// Cuts a Server-Sent Events body into frames as its bytes arrive.
struct FrameSplitter {
    private var pending = ""

    /// The frames (without their closing blank line) that `buffer` completes.
    mutating func frames(completedBy buffer: ByteBuffer) -> [String] {
        pending += String(buffer: buffer)
        var frames: [String] = []
        while let range = pending.range(of: "\n\n") {
            frames.append(String(pending[..<range.lowerBound]))
            pending.removeSubrange(..<range.upperBound)
        }
        return frames
    }
}

/// A live-stream client: reads Server-Sent Events in the background and keeps what arrived.
final class StreamClient: ReceivingStream {
    private let received = Mutex<[ReceivedEvent]>([])
    private let finished = Mutex<Bool>(false)
    private let retryHint = Mutex<Int?>(nil)
    /// The `retry:` the server sent, if any (on graceful shutdown).
    var retryMilliseconds: Int? { retryHint.withLock { $0 } }
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)
    let label: String

    init(label: String) { self.label = label }

    /// Connects to `node` and returns once the response head arrived.
    static func connect(
        _ label: String, to node: some HTTPEndpoint, meetingId: String, token: String, lastEventId: Int64? = nil
    ) async throws -> StreamClient {
        let client = StreamClient(label: label)
        var request = HTTPClientRequest(url: "\(node.base)/v1/meetings/\(meetingId)/events?access_token=\(token)")
        if let lastEventId { request.headers.add(name: "Last-Event-ID", value: String(lastEventId)) }
        let response = try await ResumingStream.client.execute(request, timeout: .seconds(600))
        try #require(response.status == .ok, "\(label): stream answered \(response.status)")
        try #require(response.headers.first(name: "content-type") == "text/event-stream")
        client.task.withLock {
            $0 = Task {
                var splitter = FrameSplitter()
                do {
                    for try await buffer in response.body {
                        for frame in splitter.frames(completedBy: buffer) { client.parse(frame) }
                    }
                } catch {}
                client.finished.withLock { $0 = true }
            }
        }
        return client
    }

    private let replacedFrame = Mutex(false)
    /// The server said a newer stream of the same caller took this one's place (`stream_replaced`).
    var wasReplaced: Bool { replacedFrame.withLock { $0 } }

    private func parse(_ frame: String) {
        if frame.hasPrefix("event: stream_replaced\n") { replacedFrame.withLock { $0 = true } }
        let (retry, event) = Self.parseFrame(frame)
        if let retry { retryHint.withLock { $0 = retry } }
        if let event { received.withLock { $0.append(event) } }
    }

    /// One Server-Sent Events frame (without its closing blank line): a `retry:` hint and/or an event.
    static func parseFrame(_ frame: String) -> (retry: Int?, event: ReceivedEvent?) {
        let retry = frame.hasPrefix("retry: ") ? Int(frame.dropFirst(7).prefix { $0 != "\n" }) : nil
        var id: Int64?
        var type = "message"
        var data = ""
        for line in frame.split(separator: "\n") {
            if line.hasPrefix("id: ") { id = Int64(line.dropFirst(4)) }
            else if line.hasPrefix("event: ") { type = String(line.dropFirst(7)) }
            else if line.hasPrefix("data: ") { data += line.dropFirst(6) }
        }
        guard let id else { return (retry, nil) }
        let value = (try? JSONDecoder().decode(JSONValue.self, from: Data(data.utf8))) ?? .null
        return (retry, ReceivedEvent(id: id, type: type, data: value))
    }

    var events: [ReceivedEvent] { received.withLock { $0 } }
    var isFinished: Bool { finished.withLock { $0 } }
    var lastId: Int64? { events.last?.id }

    func close() {
        task.withLock { $0?.cancel() }
    }
}
