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

/// Where the CPU went during a timed phase: each node, PostgreSQL (the postmaster's children) and
/// the benchmark itself. On 2 cores shared by all of them, this says which side a figure is bound by.
struct CPUAccount: Sendable {
    var nodePIDs: [Int32]
    var postmasterPID: Int32?

    struct Sample: Sendable {
        var at: ContinuousClock.Instant
        var seconds: [String: Double]
    }

    func sample() -> Sample {
        var seconds: [String: Double] = [:]
        for (index, pid) in nodePIDs.enumerated() { seconds["node \(index + 1)"] = ProcessStats.cpuSeconds(pid) ?? 0 }
        if let postmasterPID {
            var total = ProcessStats.cpuSeconds(postmasterPID) ?? 0
            for child in ProcessStats.children(of: postmasterPID) { total += ProcessStats.cpuSeconds(child) ?? 0 }
            seconds["postgres"] = total
        }
        seconds["bench"] = ProcessStats.cpuSeconds(getpid()) ?? 0
        seconds[Self.machineKey] = ProcessStats.machineBusySeconds() ?? 0
        return Sample(at: .now, seconds: seconds)
    }

    static let machineKey = "whole machine"

    /// CPU seconds `key` used between the samples.
    static func used(_ key: String, from start: Sample, to end: Sample) -> Double {
        (end.seconds[key] ?? 0) - (start.seconds[key] ?? 0)
    }

    /// CPU seconds all the nodes used between the samples.
    static func nodesUsed(from start: Sample, to end: Sample) -> Double {
        end.seconds.keys.filter { $0.hasPrefix("node ") }.map { used($0, from: start, to: end) }.reduce(0, +)
    }

    /// "CPU during … node 1 34%, …" as shares of one core; "others" is what the rest of the
    /// machine (other users' builds, say) took meanwhile.
    static func summary(from start: Sample, to end: Sample) -> String {
        let wall = (end.at - start.at).seconds
        guard wall > 0 else { return "" }
        func used(_ key: String) -> Double { (end.seconds[key] ?? 0) - (start.seconds[key] ?? 0) }
        let ours = end.seconds.keys.filter { $0 != machineKey }.sorted()
        var parts = ours.map { "\($0) \(Int((used($0) / wall * 100).rounded()))%" }
        let others = used(machineKey) - ours.map(used).reduce(0, +)
        parts.append("others \(Int((max(0, others) / wall * 100).rounded()))%")
        return "CPU during the timed part (\(String(format: "%.1f", wall)) s, % of one core): " + parts.joined(separator: ", ")
    }
}

extension ProcessStats {
    /// CPU time spent by the whole machine, all cores (the first line of /proc/stat, less idle and iowait).
    static func machineBusySeconds() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ")
        else { return nil }
        let values = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard values.count >= 5 else { return nil }
        // user nice system idle iowait irq softirq steal (guest time is already in user).
        let busy = values.prefix(8).enumerated().filter { $0.offset != 3 && $0.offset != 4 }.map(\.element).reduce(0, +)
        return busy / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Processes whose parent is `pid` (PostgreSQL's backends are the postmaster's children).
    static func children(of pid: Int32) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var result: [Int32] = []
        for entry in entries {
            guard let child = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")")
            else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, Int32(fields[1]) == pid { result.append(child) }
        }
        return result
    }
}
