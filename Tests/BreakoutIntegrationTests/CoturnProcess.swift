import Foundation
import Testing

/// A private coturn on loopback, started by scripts/lib/coturn.sh exactly as scripts/run starts it
/// (UDP and TCP on a free port, `use-auth-secret` with a secret of its own, realm "breakout"), in a
/// folder of its own; always stopped. Its clients are coturn's own `turnutils_uclient`.
final class CoturnProcess: Sendable {
    let directory: URL
    let secret: String
    /// What coturn_start printed: the URLs browsers would be given.
    let urls: [String]
    let port: Int

    /// A program of Debian's coturn package on PATH or in /usr/bin.
    static func program(_ name: String) -> String? {
        var candidates = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/\(name)" }
        candidates.append("/usr/bin/\(name)")
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static var server: String? { program("turnserver") }
    static var client: String? { program("turnutils_uclient") }

    /// The TURN tests run where coturn is installed, and always in CI, where its absence fails them.
    static var shouldRun: Bool { (server != nil && client != nil) || NginxProcess.isCI }

    /// Runs a program to its end, at most `bound` seconds (then it is killed), on a thread of its
    /// own (the wait blocks; the test runner's few threads have better things to do).
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], bound: Double
    ) async throws -> (status: Int32, output: String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                do {
                    continuation.resume(returning: try NginxProcess.run(executable, arguments, environment: environment, bound: bound))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Runs a function of scripts/lib/coturn.sh (bounded: 60 s); its exit status and output.
    static func script(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let library = JanusProcess.repositoryRoot.appendingPathComponent("scripts/lib/coturn.sh").path
        return try await run("/bin/bash", ["-c", "source \"$0\" && \"$@\"", library] + arguments, bound: 60)
    }

    /// Starts coturn with `secret` (coturn_start's default port) and returns once it answers.
    static func start(secret: String = "turn-secret-" + UUID().uuidString.lowercased()) async throws -> CoturnProcess {
        try #require(server != nil && client != nil,
                     "coturn not found (turnserver, turnutils_uclient): scripts/test installs Debian's coturn with apt-get (as root)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("breakout-coturn-\(UUID().uuidString.prefix(8))")
        let started = try await script(["coturn_start", directory.path, secret])
        let urls = started.output.split(whereSeparator: \.isNewline).last.map { $0.split(separator: ",").map(String.init) } ?? []
        let port = (try? String(contentsOf: directory.appendingPathComponent("turnserver.port"), encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        let coturn = CoturnProcess(directory: directory, secret: secret, urls: urls, port: port ?? 0)
        guard started.status == 0, let port else {
            let log = coturn.logTail()
            coturn.stop()
            throw ChildProcess.Failure(description: "coturn_start failed (\(started.status)): \(started.output)\n\(log)")
        }
        #expect(urls == ["turn:127.0.0.1:\(port)?transport=udp", "turn:127.0.0.1:\(port)?transport=tcp"], "coturn_start prints its URLs")
        return coturn
    }

    private init(directory: URL, secret: String, urls: [String], port: Int) {
        self.directory = directory
        self.secret = secret
        self.urls = urls
        self.port = port
    }

    /// What one run of `turnutils_uclient` did.
    struct Allocation {
        let status: Int32
        let output: String
        /// Messages the two clients relayed to each other (uclient's "tot_recv_msgs").
        var received: Int {
            output.matches(of: /tot_recv_msgs=([0-9]+)/).last.flatMap { Int($0.output.1) } ?? 0
        }
    }

    /// Two clients of coturn's own `turnutils_uclient` (`-y`: each sends to the other's relay
    /// address, so no peer is needed) allocate a relay with `username` and `password` and send
    /// three messages each, over UDP or, with `tcp`, over TCP to the server. Bounded: 60 s.
    func allocate(username: String, password: String, tcp: Bool = false) async throws -> Allocation {
        let client = try #require(Self.client)
        let arguments = (tcp ? ["-t"] : []) + ["-y", "-c", "-n", "3", "-u", username, "-w", password, "-p", String(port), "127.0.0.1"]
        let result = try await Self.run(client, arguments, bound: 60)
        return Allocation(status: result.status, output: result.output)
    }

    /// coturn's log (with `verbose`, one line per request: each allocation and each refusal).
    var log: String { (try? String(contentsOf: directory.appendingPathComponent("turnserver.log"), encoding: .utf8)) ?? "" }

    func logTail(_ lines: Int = 20) -> String {
        log.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// coturn_stop (SIGTERM, SIGKILL after 5 s), and removes the folder.
    func stop() {
        _ = try? NginxProcess.run("/bin/bash", [
            "-c", "source \"$0\" && coturn_stop \"$1\"",
            JanusProcess.repositoryRoot.appendingPathComponent("scripts/lib/coturn.sh").path, directory.path,
        ], bound: 15)
        try? FileManager.default.removeItem(at: directory)
    }
}
