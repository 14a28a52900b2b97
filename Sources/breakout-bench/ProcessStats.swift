import Foundation

/// A node's resident memory and CPU time, from /proc (Linux).
enum ProcessStats {
    /// VmRSS in KiB.
    static func residentKiB(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }

    /// utime + stime in seconds.
    static func cpuSeconds(_ pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after "(comm)": state is field 3, utime 14, stime 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let utime = Double(fields[11]), let stime = Double(fields[12]) else { return nil }
        return (utime + stime) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// CPU used over `window`, as a fraction of one core.
    static func cpuShare(_ pid: Int32, over window: Duration) async throws -> Double? {
        guard let before = cpuSeconds(pid) else { return nil }
        let start = ContinuousClock.now
        try await Task.sleep(for: window)
        guard let after = cpuSeconds(pid) else { return nil }
        return (after - before) / (ContinuousClock.now - start).seconds
    }
}
