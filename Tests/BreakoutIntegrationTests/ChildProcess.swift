import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A process the tests start (a node, nginx, Janus, a script), with `posix_spawn` rather than
/// Foundation's `Process`: on Linux, `Process.run()` reads `/proc/self/fd` with a 256-byte copy of
/// each entry's name and crashes now and then when the test runner has more than about 1,300
/// descriptors open (the entries fill glibc's buffer to its end; swift-corelibs-foundation fixed it
/// after the toolchain in use). The whole suite, with its many connections, crashed there once.
final class ChildProcess: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let pid: pid_t
    /// The wait status once reaped.
    private let status = Mutex<Int32?>(nil)

    /// Starts `executable` with `arguments` and exactly `environment`; its standard output and
    /// error go to `output` (a descriptor the caller keeps), else to /dev/null; standard input is
    /// /dev/null. Descriptors above 2 are closed in the child.
    init(executable: String, arguments: [String], environment: [String: String], directory: String? = nil, output: Int32? = nil) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if let output {
            posix_spawn_file_actions_adddup2(&actions, output, 1)
            posix_spawn_file_actions_adddup2(&actions, output, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }
        if let directory {
            guard let changeDirectory = Self.addChangeDirectory else { throw Failure(description: "posix_spawn cannot change directory here") }
            _ = changeDirectory(&actions, directory)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Default signal handling in the child (the runner may ignore some).
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw Failure(description: "cannot start \(executable): \(String(cString: strerror(result)))") }
        self.pid = pid
    }

    /// Whether it still runs; reaps it (once) when it has exited.
    var isRunning: Bool {
        status.withLock { status in
            guard status == nil else { return false }
            var waited: Int32 = 0
            let reaped = waitpid(pid, &waited, WNOHANG)
            if reaped == pid { status = waited; return false }
            if reaped == -1 && errno == ECHILD { status = 0; return false }
            return true
        }
    }

    /// The exit status (128 + the signal for a process killed by one); nil while it runs.
    var exitStatus: Int32? {
        guard !isRunning, let waited = status.withLock({ $0 }) else { return nil }
        let signal = waited & 0x7f
        return signal == 0 ? (waited >> 8) & 0xff : 128 + signal
    }

    func signal(_ signal: Int32) {
        if isRunning { _ = Glibc.kill(pid, signal) }
    }

    /// Waits (polling, bounded) for it to exit; true when it did.
    func wait(upTo seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while isRunning {
            if Date() > deadline { return false }
            usleep(10_000)
        }
        return true
    }

    // glibc's posix_spawn_file_actions_addclosefrom_np (2.34) and _addchdir_np (2.29), which the
    // Swift module does not show (they need _GNU_SOURCE).
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias AddChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private static let addCloseFrom: AddCloseFrom? = symbol("posix_spawn_file_actions_addclosefrom_np")
    private static let addChangeDirectory: AddChangeDirectory? = symbol("posix_spawn_file_actions_addchdir_np")

    private static func symbol<T>(_ name: String) -> T? {
        guard let handle = dlopen(nil, RTLD_NOW), let found = dlsym(handle, name) else { return nil }
        return unsafeBitCast(found, to: T.self)
    }
}
