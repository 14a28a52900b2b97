import BreakoutDomain
import BreakoutTestSupport
import Foundation
import Synchronization
import Testing

/// nginx in front of local nodes, with the balancer configuration of deploy/ rendered by
/// scripts/lib/nginx.sh exactly as scripts/run renders it.
final class NginxProcess: HTTPEndpoint {
    let port: Int
    let directory: URL
    let process: ChildProcess
    var base: String { "http://127.0.0.1:\(port)" }

    static var repositoryRoot: URL { TestDatabase.sqlDirectory.deletingLastPathComponent() }
    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// NGINX_BIN (scripts/test exports it), else nginx on PATH or in /usr/sbin.
    static var binary: String? {
        var candidates: [String] = []
        if let path = ProcessInfo.processInfo.environment["NGINX_BIN"], !path.isEmpty { candidates.append(path) }
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            candidates.append("\(folder)/nginx")
        }
        candidates.append("/usr/sbin/nginx")
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The balancer tests run where nginx is installed, and always in CI, where its absence fails them.
    static var shouldRun: Bool { binary != nil || isCI }

    static func requireBinary() throws -> String {
        try #require(binary, "nginx not found: scripts/test installs Debian's nginx with apt-get (as root) and exports NGINX_BIN")
    }

    /// Runs a function of scripts/lib/nginx.sh; returns its exit status and output.
    @discardableResult
    static func script(_ arguments: [String], environment extra: [String: String] = [:]) throws -> (status: Int32, output: String) {
        try run("/bin/bash", ["-c", "source \"$0\" && \"$@\"", repositoryRoot.appendingPathComponent("scripts/lib/nginx.sh").path] + arguments,
                environment: extra)
    }

    /// Runs a program to its end (`bound` seconds at most, then it is killed): its exit status and
    /// output. The output goes to a file rather than a pipe, so a talkative program never waits on
    /// it, and a background child it leaves running holds no pipe open.
    static func run(
        _ executable: String, _ arguments: [String], environment extra: [String: String] = [:], bound: Double = 30
    ) throws -> (status: Int32, output: String) {
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("breakout-run-\(UUID().uuidString).out")
        let descriptor = open(outputFile.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ChildProcess.Failure(description: "cannot open \(outputFile.path)") }
        defer { try? FileManager.default.removeItem(at: outputFile) }
        let process: ChildProcess
        do {
            process = try ChildProcess(
                executable: executable, arguments: arguments,
                environment: ProcessInfo.processInfo.environment.merging(extra) { $1 }, output: descriptor)
            close(descriptor)
        } catch {
            close(descriptor)
            throw error
        }
        if !process.wait(upTo: bound) {
            process.signal(SIGKILL)
            _ = process.wait(upTo: 5)
            return (-1, (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "")
        }
        return (process.exitStatus ?? -1, (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "")
    }

    /// Renders the configuration for nodes on `upstreamPorts` into a new folder.
    static func render(listen: String, upstreamPorts: [Int], serverParameters: String? = nil) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("breakout-nginx-\(UUID().uuidString.prefix(8))")
        let rendered = try script(
            ["nginx_render", directory.path, listen] + upstreamPorts.map(String.init),
            environment: serverParameters.map { ["NGINX_SERVER_PARAMETERS": $0] } ?? [:])
        try #require(rendered.status == 0, "nginx_render failed: \(rendered.output)")
        return directory
    }

    /// `nginx -t` on a rendered folder.
    static func check(_ directory: URL) throws -> (status: Int32, output: String) {
        try run(try requireBinary(), ["-t", "-p", directory.path, "-e", directory.appendingPathComponent("error.log").path,
                                      "-c", directory.appendingPathComponent("nginx.conf").path])
    }

    /// Starts nginx on a free port in front of `upstreamPorts` and returns once it accepts connections.
    static func start(upstreamPorts: [Int], serverParameters: String? = nil) async throws -> NginxProcess {
        let binary = try requireBinary()
        let port = try NodeProcess.freePort()
        let directory = try render(listen: "127.0.0.1:\(port)", upstreamPorts: upstreamPorts, serverParameters: serverParameters)
        let process = try ChildProcess(
            executable: binary,
            arguments: ["-p", directory.path, "-e", directory.appendingPathComponent("error.log").path,
                        "-c", directory.appendingPathComponent("nginx.conf").path, "-g", "daemon off;"],
            environment: ProcessInfo.processInfo.environment)
        let nginx = NginxProcess(port: port, directory: directory, process: process)
        let errorLog = { (try? String(contentsOf: directory.appendingPathComponent("error.log"), encoding: .utf8)) ?? "" }
        do {
            // An nginx that exited will not listen: no use waiting out the bound.
            try await eventually("nginx to listen on port \(port)", every: .milliseconds(50), detail: errorLog) {
                canConnect(port: port) || !process.isRunning
            }
            try #require(process.isRunning, "nginx exited: \(errorLog())")
            return nginx
        } catch {
            nginx.stop()
            throw error
        }
    }

    init(port: Int, directory: URL, process: ChildProcess) {
        self.port = port
        self.directory = directory
        self.process = process
    }

    /// The access log so far (one line per request, with the request id and the nodes tried).
    var accessLog: String {
        (try? String(contentsOf: directory.appendingPathComponent("access.log"), encoding: .utf8)) ?? ""
    }

    /// The access log once a line matching `condition` is in it (nginx writes a request's line
    /// just after it answered); waits 5 s at most.
    func accessLog(where condition: (String) -> Bool) async throws -> String {
        try await poll("a line in nginx's access log", timeout: .seconds(5), detail: { "the log: \(self.accessLog)" }) {
            let log = accessLog
            return log.split(separator: "\n").contains(where: { condition(String($0)) }) ? log : nil
        }
    }

    /// SIGQUIT (graceful), SIGKILL after 5 s; removes the folder.
    func stop() {
        if process.isRunning {
            process.signal(SIGQUIT)
            if !process.wait(upTo: 5) {
                process.signal(SIGKILL)
                _ = process.wait(upTo: 10)
            }
        }
        try? FileManager.default.removeItem(at: directory)
    }

    static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        return withLoopbackAddress(port: port) { connect(fd, $0, $1) == 0 }
    }
}

/// A stand-in for a node behind nginx: it reads each request in full and records it, then either
/// answers 200 (with its name as the body) or closes the connection without answering, like a
/// node that died while applying the request. Hand-written on sockets: closing a connection after
/// reading a request, on purpose, is what no HTTP server library offers.
final class FakeUpstream: Sendable {
    enum Behaviour: Sendable { case answer, dropAfterReading }

    let name: String
    let port: Int
    private let listener: Int32
    private let requests = Mutex<[String]>([])

    /// The heads of the requests received so far.
    var received: [String] { requests.withLock { $0 } }

    init(_ name: String, _ behaviour: Behaviour) throws {
        self.name = name
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 64) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        try #require(bound, "fake upstream could not listen")
        self.listener = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in
            while true {
                let connection = accept(fd, nil, nil)
                if connection < 0 { return }
                Thread.detachNewThread { [self] in serve(connection, behaviour) }
            }
        }
    }

    private func serve(_ connection: Int32, _ behaviour: Behaviour) {
        defer { Glibc.close(connection) }
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        func fill() -> Bool {
            let n = read(connection, &chunk, chunk.count)
            guard n > 0 else { return false }
            pending += chunk[0..<n]
            return true
        }
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        while true {
            var headEnd: Int?
            while headEnd == nil {
                if pending.count >= 4 {
                    headEnd = (0...(pending.count - 4)).first { Array(pending[$0..<($0 + 4)]) == separator }
                }
                if headEnd == nil, !fill() { return }
            }
            let head = String(decoding: pending[0..<headEnd!], as: UTF8.self)
            let length = head.split(separator: "\r\n").compactMap { line -> Int? in
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                return Int(parts[1].trimmingCharacters(in: .whitespaces))
            }.first ?? 0
            let total = headEnd! + 4 + length
            while pending.count < total { if !fill() { return } }
            pending.removeFirst(total)
            requests.withLock { $0.append(head) }
            guard behaviour == .answer else { return }
            let response = "HTTP/1.1 200 OK\r\nContent-Length: \(name.utf8.count)\r\nContent-Type: text/plain\r\n\r\n\(name)"
            let bytes = Array(response.utf8)
            guard write(connection, bytes, bytes.count) == bytes.count else { return }
        }
    }

    func close() {
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
    }
}
