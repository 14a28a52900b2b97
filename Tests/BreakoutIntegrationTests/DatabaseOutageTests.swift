import BreakoutDomain
import BreakoutStore
import BreakoutTestSupport
import Foundation
import NIOHTTP1
import PostgresNIO
import Testing

/// A PostgreSQL cluster of a test's own (made by the same script as the suite's), so that a test can
/// stop, pause and restart it without disturbing the tests that share the suite's database.
final class PrivateCluster: Sendable {
    let directory: String
    let port: Int
    var url: String { "postgres://postgres@127.0.0.1:\(port)/breakout?sslmode=disable" }

    static var repository: URL { TestDatabase.sqlDirectory.deletingLastPathComponent() }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("breakout-outage-\(UUID().uuidString.prefix(8))").path
        port = try NodeProcess.freePort()
    }

    /// Runs a function of `scripts/lib/postgres.sh`.
    @discardableResult
    func script(_ function: String) throws -> Int32 {
        try Self.bash("source scripts/lib/postgres.sh && \(function) \"$1\" \"$2\"", directory, String(port))
    }

    /// Runs a bash command (in the repository, output to /dev/null, so the server it starts holds
    /// none of our pipes) and returns its exit status. posix_spawn and waitpid, so that a daemon
    /// left behind by the command cannot make us wait.
    @discardableResult
    static func bash(_ command: String, _ arguments: String...) throws -> Int32 {
        // Descriptors this process holds without close-on-exec (other tests' sockets) are closed
        // first: PostgreSQL started from here would otherwise inherit them.
        let closeInherited = "for fd in $(ls /proc/$$/fd); do [ \"$fd\" -gt 2 ] && eval \"exec $fd>&-\"; done 2>/dev/null"
        let argv = ["/bin/bash", "-c", "cd \"$0\" && exec >/dev/null 2>&1 </dev/null && { \(closeInherited); true; } && \(command)", repository.path] + arguments
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", nil, nil, &cArguments, environ)
        try #require(spawned == 0, "cannot run bash: \(spawned)")
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        return (status >> 8) & 0xff
    }

    func start() throws {
        let status = try script("pg_private_start")
        let log = (try? String(contentsOfFile: "\(directory)/postgres.log", encoding: .utf8)) ?? ""
        try #require(status == 0, "private PostgreSQL did not start on port \(port): \(log.split(separator: "\n").suffix(8).joined(separator: "\n"))")
    }
    func stop() throws { try script("pg_private_stop") }

    /// SIGSTOP (or SIGCONT) to the postmaster and every backend: the server hangs without closing anything.
    func signal(_ name: String) throws {
        try Self.bash("pid=$(head -1 \"$1/data/postmaster.pid\") && pkill -\(name) -P \"$pid\"; kill -\(name) \"$pid\"", directory)
    }

    func remove() {
        try? stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A node during a database outage: quick, clear answers instead of hanging; back by itself when
/// the database returns; and a bounded shutdown whatever the database does.
@Suite("Database outage", .serialized)
struct DatabaseOutageTests {
    static let grace = 2
    static let environment = ["BREAKOUT_SHUTDOWN_GRACE_SECONDS": String(grace)]

    @Test("PostgreSQL stopped: 503 database_unavailable within the bound, back within 5 s of its return, SIGTERM exits in time")
    func stoppedDatabase() async throws {
        let cluster = try PrivateCluster()
        defer { cluster.remove() }
        try cluster.start()
        let node = try await NodeProcess.start("outage-a", databaseURL: cluster.url, environment: Self.environment)
        defer { node.kill() }
        #expect(try await node.post("/v1/meetings", ["title": "Before"]).status == .created)

        try cluster.stop()
        // Long enough for the pool's connection attempts to fail over and over.
        for _ in 0..<3 {
            let started = ContinuousClock.now
            let reply = try await node.post("/v1/meetings", ["title": "During"])
            let took = ContinuousClock.now - started
            #expect(reply.status == .serviceUnavailable, "\(reply.body)")
            #expect(reply.json["code"] == "database_unavailable")
            #expect(took < .seconds(4), "answered after \(took)")
            try await Task.sleep(for: .seconds(3))
        }

        try cluster.start()
        try await eventually("the node to serve again within 5 s of the database's return", timeout: .seconds(5), every: .milliseconds(200)) {
            (try? await node.post("/v1/meetings", ["title": "After"]).status) == .created
        }

        try cluster.stop()
        let exit = try await node.terminate(within: .seconds(Self.grace + 5))
        #expect(exit != nil, "the node did not exit within grace + 5 s with the database stopped")
    }

    @Test("Failover behind HAProxy (connections accepted, never answered): every request answered 503 within 2.5 s, not ready, writes back within 3 s")
    func silentBalancer() async throws {
        let database = try DatabaseURL(try TestDatabase.url)
        let proxy = try await SilentDatabaseProxy.start(targetHost: database.host, targetPort: database.port)
        defer { proxy.close() }
        guard var url = URLComponents(string: try TestDatabase.url) else { throw TestDatabase.Missing() }
        url.port = proxy.port
        let node = try await NodeProcess.start("outage-d", databaseURL: try #require(url.string), environment: Self.environment)
        defer { node.kill() }
        let created = try await node.post("/v1/meetings", ["title": "Before the failover"])
        #expect(created.status == .created)
        let meetingId = try #require(created.json["meeting"]?["id"]?.stringValue)
        let token = try #require(created.json["hostToken"]?.stringValue)

        proxy.silence()
        // 6 s: longer than the pool's and the listener's connection attempts (2 s each), so that
        // attempts begun during the outage have been given up and begun again, more than once.
        let outageEnds = ContinuousClock.now + .seconds(6)
        var asked = 0
        while ContinuousClock.now < outageEnds {
            // A command, a command with a key, a read and the readiness check, at once.
            let requests: [(HTTPMethod, String, JSONValue?)] = [
                (.POST, "/v1/meetings", ["title": "During"]),
                (.POST, "/v1/meetings/\(meetingId)/breakout", ["roomCount": 2, "mode": "manual"]),
                (.GET, "/v1/meetings/\(meetingId)", nil),
                (.GET, "/readyz", nil),
            ]
            let replies = try await withThrowingTaskGroup(of: (String, EndpointReply, Duration).self) { group in
                for (index, (method, path, json)) in requests.enumerated() {
                    let key = "silent-\(asked + index)"
                    group.addTask {
                        let started = ContinuousClock.now
                        let reply = try await node.request(method, path, token: path == "/readyz" ? nil : token, json: json,
                                                           headers: [("Idempotency-Key", key)])
                        return ("\(method) \(path)", reply, ContinuousClock.now - started)
                    }
                }
                var replies: [(String, EndpointReply, Duration)] = []
                for try await reply in group { replies.append(reply) }
                return replies
            }
            for (request, reply, took) in replies {
                asked += 1
                #expect(reply.status == .serviceUnavailable, "\(request): \(reply.status) \(reply.body)")
                #expect(took < .milliseconds(2500), "\(request) answered after \(took)")
                if !request.hasSuffix("/readyz") {
                    #expect(reply.json["code"] == "database_unavailable", "\(request): \(reply.body)")
                    #expect(reply.headers.first(name: "Retry-After") != nil, "\(request) without Retry-After")
                }
            }
        }
        #expect(asked >= 8, "only \(asked) requests during the outage")

        // The new primary: writes and readiness are back within 3 s.
        proxy.forward()
        let back = ContinuousClock.now
        try await eventually("writes to come back within 3 s of the new primary", timeout: .seconds(3), every: .milliseconds(100)) {
            (try? await node.post("/v1/meetings/\(meetingId)/breakout", token: token, ["roomCount": 2, "mode": "manual"]).status) == .created
        }
        try await eventually("the node to be ready again", timeout: .seconds(3), every: .milliseconds(100)) {
            (try? await node.request(.GET, "/readyz").status) == .ok
        }
        let tookBack = ContinuousClock.now - back
        #expect(tookBack < .seconds(4), "writes and readiness back after \(tookBack)")
        #expect(node.exitStatus == nil, "the node did not restart")
    }

    @Test("PostgreSQL hanging (SIGSTOP): SIGTERM still exits within grace + 5 s")
    func pausedDatabase() async throws {
        let cluster = try PrivateCluster()
        defer {
            try? cluster.signal("CONT")
            cluster.remove()
        }
        try cluster.start()
        let node = try await NodeProcess.start("outage-b", databaseURL: cluster.url, environment: Self.environment)
        defer { node.kill() }
        let created = try await node.post("/v1/meetings", ["title": "Paused"])
        #expect(created.status == .created)
        try cluster.signal("STOP")
        // Requests in flight against a database that never answers.
        async let stuck = node.post("/v1/meetings", ["title": "Stuck"])
        try await Task.sleep(for: .milliseconds(500))
        let exit = try await node.terminate(within: .seconds(Self.grace + 5))
        #expect(exit != nil, "the node did not exit within grace + 5 s with the database paused")
        _ = try? await stuck
    }

    @Test("SIGTERM in the middle of a burst of commands: in-flight ones finish, the node exits in time")
    func shutdownDuringBurst() async throws {
        let node = try await NodeProcess.start("outage-c", environment: Self.environment)
        defer { node.kill() }
        let created = try await node.post("/v1/meetings", ["title": "Burst"])
        let meetingId = try #require(created.json["meeting"]?["id"]?.stringValue)
        let token = try #require(created.json["hostToken"]?.stringValue)
        #expect(try await node.post("/v1/meetings/\(meetingId)/breakout", token: token, ["roomCount": 1, "mode": "manual"]).status == .created)
        let statuses = try await withThrowingTaskGroup(of: HTTPResponseStatus?.self) { group in
            for i in 0..<60 {
                group.addTask {
                    try? await node.post("/v1/meetings/\(meetingId)/breakout/rooms", token: token, ["name": .string("Room \(i)")]).status
                }
            }
            try await Task.sleep(for: .milliseconds(30))
            let exit = try await node.terminate(within: .seconds(Self.grace + 5))
            #expect(exit != nil, "the node did not exit within grace + 5 s during a burst")
            var statuses: [HTTPResponseStatus?] = []
            for try await status in group { statuses.append(status) }
            return statuses
        }
        // Every request either completed (201, or a clear refusal such as too many rooms) or found
        // the node gone; none was left half-done (checked by the meeting's events being gap-free).
        #expect(statuses.allSatisfy { $0 == nil || $0 == .created || $0 == .conflict || $0 == .serviceUnavailable })
        try await TestDatabase.withClient { client in
            let id = try #require(UUID(uuidString: meetingId))
            for try await (count, newest, lastSeq) in try await client.query(
                "SELECT count(*)::int, max(seq), (SELECT last_seq FROM meetings WHERE id = \(id)) FROM events WHERE meeting_id = \(id)"
            ).decode((Int, Int64, Int64).self) {
                #expect(Int64(count) == newest && newest == lastSeq)
            }
        }
    }
}
