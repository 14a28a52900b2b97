import Foundation
import NIOCore
import NIOHTTP1

/// Commands: one client's latency, a hot meeting, many busy meetings. All commands are moves
/// (`POST /v1/meetings/{id}/moves`) of participants in `self_select` rooms that are open.
enum CommandScenarios {
    static func commandLatency(_ c: Context, _ notes: Notes) async throws {
        let name = Scenario.commandLatency.rawValue
        let api = c.api
        let (meeting, people) = try await api.meetingWithParticipants(1, title: "bench command-latency")
        let rooms = try await api.createBreakout(meeting, roomCount: 2, mode: "self_select", on: api.node(0))
        try await api.open(meeting, on: api.node(0)).check("open")
        let me = people[0]
        // Warm-up: connections, caches, JIT-free but still: the first requests pay for connecting.
        for index in 0..<50 { try await api.move(meeting, me, to: rooms[index % 2]).check("warm-up move") }

        var latencies = Latencies()
        var errors = 0
        let cpuStart = c.cpu.sample()
        let started = ContinuousClock.now
        let end = started + .seconds(c.sizes.duration)
        var index = 50
        while ContinuousClock.now < end, index < 1_000_000 {
            let start = NIODeadline.now()
            do {
                let reply = try await api.move(meeting, me, to: rooms[index % 2])
                if !reply.ok {
                    errors += 1
                    if errors <= 3 { notes.add("HTTP \(reply.status) \(reply.text.prefix(200))") }
                }
            } catch {
                errors += 1
                if errors <= 3 { notes.add("\(error)") }
            }
            latencies.record(NIODeadline.now() - start)
            index += 1
        }
        let elapsed = (ContinuousClock.now - started).seconds
        let cpuEnd = c.cpu.sample()
        notes.add(CPUAccount.summary(from: cpuStart, to: cpuEnd))

        let baseline = c.baseline.latencyMs1
        let target: Target = baseline.map { .atMost(2 * $0) } ?? .missingBaseline
        let targetText = baseline.map { "<= 2 x pgbench latency = \(Report.format(2 * $0, "ms"))" } ?? "<= 2 x pgbench latency (1 client)"
        let baselineText = baseline.map { "pgbench 1 client: \(Report.format($0, "ms"))" }
        c.report.add(name, "mean latency, sequential moves", latencies.meanMs, unit: "ms", target: target, targetText: targetText, baseline: baselineText)
        c.report.add(name, "p50 latency", latencies.ms(50), unit: "ms", target: .none, baseline: baselineText)
        c.report.add(name, "p99 latency", latencies.ms(99), unit: "ms", target: .none)
        c.report.add(name, "commands/s, 1 client", Double(latencies.count) / elapsed, unit: "/s", target: .none,
                     baseline: c.baseline.tps1.map { "pgbench 1 client: \(Report.format($0, "tps"))" })
        c.report.add(name, "errors", Double(errors), unit: "", target: .atMost(0), targetText: "0")
        // The moves all go to node 1: its CPU per move is the node's cost of one command.
        let perCommand = 1000 / Double(max(1, latencies.count))
        c.report.add(name, "node 1 CPU per command", CPUAccount.used("node 1", from: cpuStart, to: cpuEnd) * perCommand, unit: "ms",
                     target: .atMost(0.6), targetText: "<= 0.6 ms")
        c.report.add(name, "PostgreSQL CPU per command", CPUAccount.used("postgres", from: cpuStart, to: cpuEnd) * perCommand, unit: "ms",
                     target: .atMost(0.4), targetText: "<= 0.4 ms")
        try await CommandFloors.measure(c, notes, name: name)
    }

    /// 1000 participants of one meeting choose rooms at the same moment: each sends
    /// `movesPerParticipant` moves, with `concurrency` requests in flight, over all nodes.
    static func hotMeeting(_ c: Context, _ notes: Notes) async throws {
        let name = Scenario.hotMeeting.rawValue
        let api = c.api
        let sizes = c.sizes
        let setupStart = ContinuousClock.now
        let (meeting, people) = try await api.meetingWithParticipants(sizes.participants, title: "bench hot-meeting")
        let rooms = try await api.createBreakout(meeting, roomCount: sizes.rooms, mode: "self_select", on: api.node(0))
        try await api.open(meeting, on: api.node(0)).check("open")
        notes.add("setup (\(people.count) joins, rooms, open): \(String(format: "%.1f", (ContinuousClock.now - setupStart).seconds)) s")
        try await warmConnections(api, concurrency: sizes.concurrency)

        // Work item k: participant k % n, its (k / n)-th move, to a room other than its last one.
        let n = people.count
        let total = n * sizes.movesPerParticipant
        let (latencies, errors, elapsed) = try await runWorkers(
            cpu: c.cpu, database: c.database, notes: notes, concurrency: sizes.concurrency, until: nil, limit: total
        ) { k in
            let participant = people[k % n]
            let room = rooms[(k % n + k / n) % rooms.count]
            return try await api.move(meeting, participant, to: room)
        }
        report(name, c, notes, latencies: latencies, errors: errors, elapsed: elapsed, share: 0.5, nodeCPUTarget: nil,
               what: "\(n) participants x \(sizes.movesPerParticipant) moves, \(sizes.concurrency) in flight")
    }

    /// `meetings` meetings of `meetingSize` participants, all moving for `duration` seconds.
    static func manyMeetings(_ c: Context, _ notes: Notes) async throws {
        let name = Scenario.manyMeetings.rawValue
        let api = c.api
        let sizes = c.sizes
        let setupStart = ContinuousClock.now
        let roomCount = 4
        let meetings = try await concurrentMap(Array(0..<sizes.meetings), concurrency: 8) { index in
            let (meeting, people) = try await api.meetingWithParticipants(sizes.meetingSize, title: "bench many \(index)", concurrency: 8)
            let rooms = try await api.createBreakout(meeting, roomCount: roomCount, mode: "self_select", on: api.node(index))
            try await api.open(meeting, on: api.node(index)).check("open")
            return (meeting, people, rooms)
        }
        notes.add("setup (\(sizes.meetings) meetings x \(sizes.meetingSize) joins): "
                  + "\(String(format: "%.1f", (ContinuousClock.now - setupStart).seconds)) s")
        try await warmConnections(api, concurrency: sizes.concurrency)
        // Interleaved: participant j of meeting 0, of meeting 1, …, then participant j + 1.
        var order: [(meeting: Int, participant: Int)] = []
        for j in 0..<sizes.meetingSize { for m in 0..<meetings.count { order.append((m, j)) } }
        let items = order
        let (latencies, errors, elapsed) = try await runWorkers(
            cpu: c.cpu, database: c.database, notes: notes, concurrency: sizes.concurrency, until: ContinuousClock.now + .seconds(sizes.duration), limit: 10_000_000
        ) { k in
            let (m, j) = items[k % items.count]
            let (meeting, people, rooms) = meetings[m]
            return try await api.move(meeting, people[j], to: rooms[(j + k / items.count) % rooms.count])
        }
        report(name, c, notes, latencies: latencies, errors: errors, elapsed: elapsed, share: 0.7, nodeCPUTarget: 0.3,
               what: "\(sizes.meetings) meetings x \(sizes.meetingSize) participants, \(sizes.concurrency) in flight")
    }

    private static func report(
        _ name: String, _ c: Context, _ notes: Notes, latencies: (Latencies, cpu: (CPUAccount.Sample, CPUAccount.Sample)),
        errors: ErrorLog, elapsed: Double, share: Double, nodeCPUTarget: Double?, what: String
    ) {
        let (latencies, (cpuStart, cpuEnd)) = latencies
        let ok = latencies.count - errors.count
        let rate = Double(ok) / elapsed
        let baseline = c.baseline.tps8
        let target: Target = baseline.map { .atLeast(share * $0) } ?? .missingBaseline
        let targetText = ">= \(Int(share * 100))% of pgbench 8 clients" + (baseline.map { " = \(Report.format(share * $0, "/s"))" } ?? "")
        c.report.add(name, "commands/s (\(what))", rate, unit: "/s", target: target, targetText: targetText,
                     baseline: baseline.map { "pgbench 8 clients: \(Report.format($0, "tps"))" })
        c.report.add(name, "errors", Double(errors.count), unit: "", target: .atMost(0), targetText: "0")
        c.report.add(name, "p50 latency", latencies.ms(50), unit: "ms", target: .none)
        c.report.add(name, "p99 latency", latencies.ms(99), unit: "ms", target: .none)
        notes.add("\(latencies.count) commands in \(String(format: "%.2f", elapsed)) s")
        let perCommand = 1000 / Double(max(1, latencies.count))
        c.report.add(name, "nodes' CPU per command", CPUAccount.nodesUsed(from: cpuStart, to: cpuEnd) * perCommand, unit: "ms",
                     target: nodeCPUTarget.map { .atMost($0) } ?? .none, targetText: nodeCPUTarget.map { "<= \($0) ms" } ?? "")
        c.report.add(name, "PostgreSQL CPU per command", CPUAccount.used("postgres", from: cpuStart, to: cpuEnd) * perCommand, unit: "ms",
                     target: .atMost(0.4), targetText: "<= 0.4 ms")
        for sample in errors.samples { notes.add("error: \(sample)") }
    }

    /// Opens the client's pooled connections to every node before a timed run.
    static func warmConnections(_ api: API, concurrency: Int) async throws {
        _ = try await concurrentMap(Array(0..<(concurrency * api.nodes.count)), concurrency: concurrency * api.nodes.count) { index in
            _ = try await api.send(.GET, "/healthz", on: api.node(index))
        }
    }

    /// `concurrency` workers take work items 0, 1, 2, … until `limit` items or the deadline; each
    /// item's latency is recorded, and non-2xx answers or failures are errors.
    static func runWorkers(
        cpu: CPUAccount, database: Database?, notes: Notes, concurrency: Int, until deadline: ContinuousClock.Instant?, limit: Int,
        _ work: @escaping @Sendable (Int) async throws -> API.Reply
    ) async throws -> ((Latencies, cpu: (CPUAccount.Sample, CPUAccount.Sample)), ErrorLog, Double) {
        let counter = Counter()
        let errors = ErrorLog()
        let started = ContinuousClock.now
        let cpuStart = cpu.sample()
        let run: @Sendable () async throws -> Latencies = {
            try await withThrowingTaskGroup(of: Latencies.self) { group in
                for _ in 0..<concurrency {
                    group.addTask {
                        var latencies = Latencies()
                        while true {
                            if let deadline, ContinuousClock.now >= deadline { break }
                            let k = counter.next()
                            guard k < limit else { break }
                            try Task.checkCancellation()
                            let start = NIODeadline.now()
                            do {
                                let reply = try await work(k)
                                if !reply.ok { errors.add("HTTP \(reply.status) \(reply.text.prefix(200))") }
                            } catch is CancellationError {
                                throw CancellationError()
                            } catch {
                                errors.add("\(error)")
                            }
                            latencies.record(NIODeadline.now() - start)
                        }
                        return latencies
                    }
                }
                var all = Latencies()
                for try await part in group { all.add(part) }
                return all
            }
        }
        let latencies: Latencies
        if let database {
            let (result, waits) = try await database.sampleWaits(run)
            latencies = result
            notes.add(waits)
        } else {
            latencies = try await run()
        }
        let cpuEnd = cpu.sample()
        notes.add(CPUAccount.summary(from: cpuStart, to: cpuEnd))
        return ((latencies, cpu: (cpuStart, cpuEnd)), errors, (ContinuousClock.now - started).seconds)
    }
}
