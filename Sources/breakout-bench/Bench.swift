import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// `breakout-bench`: the benchmark of the service at campus scale, against the targets in
/// docs/BENCHMARKS.md. It drives running nodes through the public HTTP API and live stream only
/// (and reads the `timers` table for timer lateness), so it measures any server that keeps the v1
/// contract. `scripts/bench` starts the database, the pgbench baseline and three release nodes,
/// and calls it.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "breakout-bench",
        abstract: "Benchmark running breakout nodes against the targets in docs/BENCHMARKS.md.",
        discussion: "Scenarios: \(Scenario.allCases.map(\.rawValue).joined(separator: ", ")), or all.")

    @Argument(help: "Scenarios to run (default: all).")
    var scenarios: [String] = ["all"]

    @Option(name: .customLong("node"), help: "A node's base URL, http://127.0.0.1:PORT (repeat for each node).")
    var nodeURLs: [String] = []

    @Option(name: .customLong("node-pid"), help: "The process id of each node, in the order of --node (memory and CPU figures).")
    var nodePIDs: [Int32] = []

    @Option(help: "The PostgreSQL postmaster's process id (CPU figures of its backends).")
    var postgresPid: Int32?

    @Option(help: "PostgreSQL URL, for timer lateness and the server's settings (env DATABASE_URL).")
    var databaseURL: String = ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ""

    @Option(name: .customLong("baseline-tps-1"), help: "pgbench tps with 1 client.") var baselineTps1: Double?
    @Option(name: .customLong("baseline-latency-ms-1"), help: "pgbench average latency in ms with 1 client.")
    var baselineLatencyMs1: Double?
    @Option(name: .customLong("baseline-tps-8"), help: "pgbench tps with 8 clients.") var baselineTps8: Double?
    @Option(name: .customLong("baseline-latency-ms-8"), help: "pgbench average latency in ms with 8 clients.")
    var baselineLatencyMs8: Double?

    @Option(help: "Write the results as JSON to this file.") var json: String?
    @Option(help: "Also write the table (Markdown) to this file.") var table: String?

    @Option(help: "Multiply every size (participants, streams, meetings, messages, timers) by this, for dry runs.")
    var scale: Double = 1

    @Option(help: "Participants of the one big meeting (hot-meeting, lecture-connect, open-all, fan-out).")
    var participants: Int = 1000
    @Option(help: "Rooms of the big meeting (hot-meeting, fan-out, open-all).") var rooms: Int = 10
    @Option(help: "Moves each participant sends in hot-meeting.") var movesPerParticipant: Int = 3
    @Option(help: "Requests in flight at once in hot-meeting and many-meetings.") var concurrency: Int = 128
    @Option(help: "Meetings in many-meetings.") var meetings: Int = 200
    @Option(help: "Participants per meeting in many-meetings and idle-streams.") var meetingSize: Int = 20
    @Option(help: "Seconds of load in many-meetings and in command-latency.") var duration: Double = 10
    @Option(help: "Idle streams on one node in idle-streams.") var idleStreams: Int = 5000
    @Option(help: "Broadcasts in fan-out.") var messages: Int = 200
    @Option(help: "Participants (streams) of the lecture in fan-out-wide, over all nodes.") var wideParticipants: Int = 5000
    @Option(help: "Broadcasts in fan-out-wide.") var wideMessages: Int = 100
    @Option(help: "Open/close rounds in open-all.") var openRounds: Int = 3
    @Option(help: "Meetings with a timer in timer-burst.") var timers: Int = 300
    @Option(help: "The rooms' timerSeconds in timer-burst.") var timerSeconds: Int = 5
    @Option(help: "Seconds after which a scenario is abandoned (reported as timed out).") var scenarioTimeout: Double = 300

    func validate() throws {
        guard !nodeURLs.isEmpty else { throw ValidationError("Give at least one --node.") }
        for scenario in scenarios where scenario != "all" && Scenario(rawValue: scenario) == nil {
            throw ValidationError("Unknown scenario '\(scenario)'.")
        }
    }

    func scaled(_ value: Int) -> Int { max(1, Int((Double(value) * scale).rounded())) }

    func run() async throws {
        let nodes = try nodeURLs.enumerated().map { index, url -> Node in
            guard let components = URLComponents(string: url), let host = components.host, let port = components.port else {
                throw ValidationError("--node must look like http://127.0.0.1:8080, not \(url)")
            }
            return Node(index: index, host: host, port: port, pid: index < nodePIDs.count ? nodePIDs[index] : nil)
        }
        let baseline = Baseline(tps1: baselineTps1, latencyMs1: baselineLatencyMs1, tps8: baselineTps8, latencyMs8: baselineLatencyMs8)
        let report = Report(baseline: baseline)
        let group = MultiThreadedEventLoopGroup.singleton
        var httpConfiguration = HTTPClient.Configuration()
        // Enough pooled connections for the in-flight commands to every node, kept alive between requests.
        httpConfiguration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(concurrency, 64) + 16)
        httpConfiguration.timeout = .init(connect: .seconds(10), read: .seconds(60))
        let http = HTTPClient(eventLoopGroup: group, configuration: httpConfiguration)
        let api = API(http: http, nodes: nodes)
        let database = databaseURL.isEmpty ? nil : try Database(url: databaseURL)

        let sizes = Sizes(
            participants: scaled(participants), rooms: rooms, movesPerParticipant: movesPerParticipant, concurrency: concurrency,
            meetings: scaled(meetings), meetingSize: meetingSize, duration: duration, idleStreams: scaled(idleStreams),
            messages: scaled(messages), wideParticipants: scaled(wideParticipants), wideMessages: scaled(wideMessages),
            openRounds: openRounds, timers: scaled(timers), timerSeconds: timerSeconds)
        let cpu = CPUAccount(nodePIDs: nodes.compactMap(\.pid), postmasterPID: postgresPid)
        let context = Context(api: api, report: report, baseline: baseline, sizes: sizes, group: group, database: database, cpu: cpu)

        do {
            try await api.waitReady()
            await describeMachine(report, database: database, sizes: sizes, nodes: nodes)
            let chosen = scenarios.contains("all") ? Scenario.allCases : scenarios.compactMap(Scenario.init(rawValue:))
            print(Report.header)
            for scenario in chosen {
                await run(scenario, context)
            }
        } catch {
            print("benchmark stopped: \(error)")
        }
        print("\n" + report.table())
        if let json { try report.writeJSON(to: json) }
        if let table { try (report.table() + "\n").write(toFile: table, atomically: true, encoding: .utf8) }
        await database?.shutdown()
        try await http.shutdown()
    }

    /// Runs one scenario within its time bound; a time-out or an error is recorded and the run goes on.
    func run(_ scenario: Scenario, _ context: Context) async {
        let started = ContinuousClock.now
        let loadBefore = loadAverage()
        let notes = Notes()
        var timedOut = false
        var failure: String?
        do {
            try await withTimeout(.seconds(scenarioTimeout)) {
                try await scenario.run(context, notes)
            }
        } catch is TimedOut {
            timedOut = true
            context.report.add(scenario.rawValue, "whole scenario", nil, unit: "", target: .none,
                               targetText: "within \(Int(scenarioTimeout)) s", verdict: .timedOut)
        } catch {
            failure = "\(error)"
            context.report.add(scenario.rawValue, "error: \(String(describing: error).prefix(120))", nil, unit: "",
                               target: .none, verdict: .missed)
        }
        let seconds = (ContinuousClock.now - started).seconds
        context.report.addRun(.init(
            scenario: scenario.rawValue, seconds: seconds, loadBefore: loadBefore, loadAfter: loadAverage(), timedOut: timedOut,
            error: failure, notes: notes.all))
        for note in notes.all { print("  note (\(scenario.rawValue)): \(note)") }
        print("  (\(scenario.rawValue): \(String(format: "%.1f", seconds)) s, load average before \(loadBefore), after \(loadAverage()))")
        // Let the nodes settle (connections close, timers drain) before the next scenario.
        try? await Task.sleep(for: .seconds(2))
    }

    func describeMachine(_ report: Report, database: Database?, sizes: Sizes, nodes: [Node]) async {
        report.setMachine("nproc", String(ProcessInfo.processInfo.activeProcessorCount))
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        if let model = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("model name") }) {
            report.setMachine("cpu", model.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "")
        }
        report.setMachine("memoryGiB", String(format: "%.1f", Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824))
        report.setMachine("loadAverageAtStart", loadAverage())
        report.setMachine("nodes", String(nodes.count))
        if let database, let settings = try? await database.settings() {
            for (key, value) in settings { report.setMachine("postgres.\(key)", value) }
        }
        let mirror = Mirror(reflecting: sizes)
        for child in mirror.children { if let label = child.label { report.setSetting(label, "\(child.value)") } }
        for (key, value) in report.contents.machine.sorted(by: { $0.key < $1.key }) { print("machine: \(key) = \(value)") }
    }
}

/// The sizes of this run (after `--scale`).
struct Sizes: Sendable {
    var participants: Int
    var rooms: Int
    var movesPerParticipant: Int
    var concurrency: Int
    var meetings: Int
    var meetingSize: Int
    var duration: Double
    var idleStreams: Int
    var messages: Int
    var wideParticipants: Int
    var wideMessages: Int
    var openRounds: Int
    var timers: Int
    var timerSeconds: Int
}

/// What every scenario gets.
struct Context: Sendable {
    let api: API
    let report: Report
    let baseline: Baseline
    let sizes: Sizes
    let group: any EventLoopGroup
    let database: Database?
    let cpu: CPUAccount
}

/// Remarks a scenario makes beside its figures (setup times, anomalies), kept in the JSON.
final class Notes: Sendable {
    private let list = Mutex<[String]>([])
    func add(_ note: String) { list.withLock { $0.append(note) } }
    var all: [String] { list.withLock { $0 } }
}

struct TimedOut: Error {}

/// Runs `body`, cancelling it after `timeout`.
func withTimeout<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw TimedOut() }
        return value
    }
}

/// /proc/loadavg's three averages.
func loadAverage() -> String {
    let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
    return text.split(separator: " ").prefix(3).joined(separator: " ")
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
