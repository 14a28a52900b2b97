import Foundation
import Logging
import ServiceLifecycle

/// The last word on how long a node takes to go down. Once shutdown begins (SIGTERM, SIGINT, or
/// the group cancelled because a service failed), a plain thread, which needs neither the
/// database nor a free executor, waits `bound` and then ends the process with a log line.
///
/// ServiceGroup bounds the shutdown too, but by crashing (`fatalError`), which starts the runtime's
/// backtracer and can keep a process and its pipes alive far longer than the bound. This exits first.
struct ShutdownDeadline: Service {
    let bound: Duration
    let logger: Logger

    func run() async throws {
        // Returns when graceful shutdown starts, throws when the group is cancelled: either way the
        // clock starts now.
        try? await gracefulShutdown()
        let seconds = Double(bound.components.seconds) + Double(bound.components.attoseconds) / 1e18
        let logger = logger
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: seconds)
            logger.error("shutdown did not finish within its bound; exiting", metadata: ["bound_s": "\(seconds)"])
            // _exit, not exit: atexit handlers could wait on the very threads that are stuck.
            fflush(nil)  // every open stream, the log's included
            _exit(1)
        }
    }
}
