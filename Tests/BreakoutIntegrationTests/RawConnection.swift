import Foundation

/// A plain TCP connection to a node on loopback, for what no HTTP client sends: broken bytes in
/// headers, bodies larger than the node takes, request heads that never end.
final class RawConnection {
    private let fd: Int32

    /// - Parameter source: the loopback address to send from (`127.0.0.2`: another client address
    ///   than the other tests' 127.0.0.1); default the system's choice.
    init(port: Int, from source: String? = nil) throws {
        // Close-on-exec: processes other tests spawn (PostgreSQL among them) must not inherit
        // thousands of these; PostgreSQL refuses to start when they use up its descriptors.
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket: errno \(errno)") }
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else {
                let code = errno
                Glibc.close(fd)
                throw Failure("bind \(source): errno \(code)")
            }
        }
        let connected = withLoopbackAddress(port: port) { connect(fd, $0, $1) == 0 }
        guard connected else {
            let code = errno
            Glibc.close(fd)
            throw Failure("connect: errno \(code)")
        }
        // A node that refused a body stops reading it: sending the rest then gives up after 2 s
        // instead of waiting for the node to close the connection.
        var sendTimeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { Glibc.close(fd) }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// Sends everything it can; false once the node has closed the connection (it may refuse a
    /// body before it has all arrived).
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// What arrived until the node closed the connection, `timeout` passed without a byte, or
    /// (with `untilStatusLine`) a response's status line is in.
    func receive(timeout: Duration = .seconds(10), untilStatusLine: Bool = false) -> (bytes: [UInt8], closed: Bool) {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        while true {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, milliseconds)
            if ready == 0 { return (received, false) }
            if ready < 0 { if errno == EINTR { continue }; return (received, true) }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return (received, true) }
            received += buffer[0..<count]
            if untilStatusLine, received.contains(UInt8(ascii: "\n")) { return (received, false) }
        }
    }

    /// The status of the first response in `bytes` (`HTTP/1.1 413 …`), if one arrived.
    static func status(of bytes: [UInt8]) -> Int? {
        let head = String(decoding: bytes.prefix(32), as: UTF8.self)
        guard head.hasPrefix("HTTP/1.1 ") else { return nil }
        return Int(head.dropFirst(9).prefix(3))
    }

    /// One request, `Connection: close`; the status the node answered (nil when it closed without one).
    static func exchange(port: Int, head: String, body: [UInt8] = []) throws -> Int? {
        let connection = try RawConnection(port: port)
        var bytes = Array(head.utf8)
        bytes += body
        connection.send(bytes)
        return status(of: connection.receive(untilStatusLine: true).bytes)
    }
}

/// Calls `body` with 127.0.0.1:`port` as a socket address and its length, for bind and connect.
func withLoopbackAddress<T>(port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
}

/// Resident memory and open descriptors of a process, from /proc.
enum ProcessFigures {
    static func residentKilobytes(of pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }

    static func openDescriptors(of pid: Int32) -> Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))?.count
    }

    /// Raises this process's soft limit on open files to its hard limit (nodes it starts inherit it).
    static func raiseOpenFileLimit() -> Int {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        return Int(clamping: limit.rlim_cur)
    }
}

/// Runs `body(index)` on `count` threads of their own and returns when all have ended. For loops of
/// blocking socket calls (`RawConnection`): on the concurrency pool's threads (two on this
/// machine) they would hold up every other test's tasks meanwhile.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) async {
    await withTaskGroup(of: Void.self) { group in
        for index in 0..<count {
            group.addTask {
                await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                    let thread = Thread {
                        body(index)
                        done.resume()
                    }
                    thread.start()
                }
            }
        }
    }
}
