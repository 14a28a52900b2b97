import Foundation
import NIOCore

/// The live stream: a lecture connecting, idle streams on one node, opening all rooms, broadcasts.
enum StreamScenarios {
    /// 1000 streams of one 1000-participant meeting, all started together over the nodes: the
    /// time from the start until each stream's `snapshot`.
    static func lectureConnect(_ c: Context, _ notes: Notes) async throws {
        let name = Scenario.lectureConnect.rawValue
        let api = c.api
        let (meeting, people) = try await api.meetingWithParticipants(c.sizes.participants, title: "bench lecture-connect")
        let tally = Tally(tracking: ["snapshot"], keepTimes: true)
        let streams = LiveStreams(group: c.group, tally: tally)
        defer { Task { await streams.closeAll() } }
        let n = people.count
        let cpuStart = c.cpu.sample()
        let start = NIODeadline.now()
        try await streams.openMany(n, inFlight: 0, deadline: .now + .seconds(60)) { index in
            (api.node(people[index].node), meeting.id, people[index].token)
        }
        let complete = try await waitUntil(.seconds(60)) { tally.arrivals("snapshot", key: 0).count + tally.failedStreams >= n }
        notes.add(CPUAccount.summary(from: cpuStart, to: c.cpu.sample()))
        if !complete { notes.add("not every stream got its snapshot within 60 s") }
        for failure in tally.failures { notes.add(failure) }
        let arrivals = tally.arrivals("snapshot", key: 0)
        var latencies = Latencies()
        for time in arrivals.times { latencies.record(time - start) }
        c.report.add(name, "streams with a snapshot", Double(arrivals.count), unit: "", target: .atLeast(Double(n)), targetText: "\(n)")
        c.report.add(name, "snapshot p50 after start", latencies.ms(50), unit: "ms", target: .none)
        c.report.add(name, "snapshot p99 after start", latencies.ms(99), unit: "ms", target: .atMost(2000), targetText: "<= 2000 ms")
        c.report.add(name, "last snapshot after start", arrivals.count == n ? arrivals.last.map { $0.ms(since: start) } : nil,
                     unit: "ms", target: .atMost(2000), targetText: "every one <= 2000 ms")
        await streams.closeAll()
    }

    /// Idle streams on one node: connected within 10 s, resident memory per stream, and the node's
    /// CPU back to idle within 5 s after the clients go.
    static func idleStreams(_ c: Context, _ notes: Notes) async throws {
        let name = Scenario.idleStreams.rawValue
        let api = c.api
        let node = api.node(0)
        let total = c.sizes.idleStreams
        let perMeeting = max(1, c.sizes.meetingSize)
        let meetingCount = (total + perMeeting - 1) / perMeeting
        let setupStart = ContinuousClock.now
        let groups = try await concurrentMap(Array(0..<meetingCount), concurrency: 8) { index in
            let size = min(perMeeting, total - index * perMeeting)
            let (meeting, people) = try await api.meetingWithParticipants(size, title: "bench idle \(index)", concurrency: 8)
            return people.map { (meeting.id, $0.token) }
        }
        let targets = groups.flatMap { $0 }
        notes.add("setup (\(meetingCount) meetings, \(total) joins): \(String(format: "%.1f", (ContinuousClock.now - setupStart).seconds)) s")
        guard let pid = node.pid else {
            notes.add("no --node-pid for the first node: memory and CPU figures are not measured")
            return
        }
        try await Task.sleep(for: .seconds(2))
        let idleBefore = try await ProcessStats.cpuShare(pid, over: .seconds(1)) ?? 0
        let rssBefore = ProcessStats.residentKiB(pid)

        let tally = Tally(tracking: ["snapshot"], keepTimes: false)
        let streams = LiveStreams(group: c.group, tally: tally)
        defer { Task { await streams.closeAll() } }
        let start = NIODeadline.now()
        // Connections start as fast as the node lets them through: at most 500 wait for their
        // snapshot at a time (a burst of 5000 SYNs would only overflow the listen backlog).
        try await streams.openMany(total, inFlight: 500, deadline: .now + .seconds(120)) { index in
            (node, targets[index].0, targets[index].1)
        }
        let complete = try await waitUntil(.seconds(60)) { tally.arrivals("snapshot", key: 0).count + tally.failedStreams >= total }
        if !complete { notes.add("not every stream got its snapshot within the bound") }
        for failure in tally.failures { notes.add(failure) }
        let arrivals = tally.arrivals("snapshot", key: 0)
        c.report.add(name, "streams connected (snapshot received) on one node", Double(arrivals.count), unit: "",
                     target: .atLeast(Double(total)), targetText: "\(total)")
        c.report.add(name, "time until all connected", arrivals.count == total ? arrivals.last.map { $0.ms(since: start) / 1000 } : nil,
                     unit: "s", target: .atMost(10), targetText: "<= 10 s")

        // Memory: after a moment for the node to settle.
        try await Task.sleep(for: .seconds(3))
        let rssAfter = ProcessStats.residentKiB(pid)
        if let rssBefore, let rssAfter, arrivals.count > 0 {
            let perStream = Double(rssAfter - rssBefore) * 1024 / 1000 / Double(arrivals.count)
            c.report.add(name, "node resident memory per stream", perStream, unit: "kB", target: .atMost(12), targetText: "<= 12 kB")
            notes.add("VmRSS \(rssBefore) KiB before, \(rssAfter) KiB with \(arrivals.count) streams")
        }
        let busyIdle = try await ProcessStats.cpuShare(pid, over: .seconds(2))
        c.report.add(name, "node CPU with the streams open and idle", busyIdle.map { $0 * 100 }, unit: "% of a core", target: .none)

        // The clients go: how long until the node's CPU is back to idle.
        let threshold = max(0.05, idleBefore + 0.02)
        let closing = ContinuousClock.now
        await streams.closeAll()
        var backToIdle: Double?
        var trace: [String] = []
        while (ContinuousClock.now - closing) < .seconds(30) {
            guard let share = try await ProcessStats.cpuShare(pid, over: .milliseconds(250)) else { break }
            trace.append(String(format: "%.0f", share * 100))
            if share <= threshold {
                backToIdle = (ContinuousClock.now - closing).seconds
                break
            }
        }
        let closedByNode = try await waitUntil(.seconds(1)) { tally.closedStreams >= arrivals.count }
        notes.add("node CPU (% of a core) per 250 ms after the clients closed: \(trace.prefix(40).joined(separator: " "))"
                  + (backToIdle == nil ? " … not idle within 30 s" : "") + (closedByNode ? "" : "; not every socket closed"))
        notes.add("idle CPU before \(String(format: "%.1f", idleBefore * 100))% of a core; idle means <= \(String(format: "%.1f", threshold * 100))% over 250 ms")
        c.report.add(name, "node CPU back to idle after the clients go", backToIdle, unit: "s", target: .atMost(5), targetText: "<= 5 s")
    }

    /// A meeting whose participants all have their stream open, over the nodes; returns when every
    /// snapshot arrived (setup, not timed).
    private static func lecture(
        _ c: Context, _ notes: Notes, title: String, tracking: Set<String>,
        breakout: (mode: String, options: [String: any Sendable]), openFirst: Bool, participants: Int? = nil
    ) async throws -> (API.Meeting, [API.Participant], LiveStreams, Tally) {
        let api = c.api
        let setupStart = ContinuousClock.now
        let (meeting, people) = try await api.meetingWithParticipants(participants ?? c.sizes.participants, title: title)
        _ = try await api.createBreakout(meeting, roomCount: c.sizes.rooms, mode: breakout.mode, options: breakout.options, on: api.node(0))
        if openFirst { try await api.open(meeting, on: api.node(0)).check("open") }
        let tally = Tally(tracking: tracking.union(["snapshot"]))
        let streams = LiveStreams(group: c.group, tally: tally)
        let n = people.count
        try await streams.openMany(n, inFlight: 200, deadline: .now + .seconds(120)) { index in
            (api.node(people[index].node), meeting.id, people[index].token)
        }
        guard try await waitUntil(.seconds(60), { tally.arrivals("snapshot", key: 0).count >= n }) else {
            for failure in tally.failures { notes.add(failure) }
            await streams.closeAll()
            throw APIError(description: "only \(tally.arrivals("snapshot", key: 0).count) of \(n) streams connected")
        }
        notes.add("setup (\(n) joins, rooms, \(n) streams): \(String(format: "%.1f", (ContinuousClock.now - setupStart).seconds)) s")
        return (meeting, people, streams, tally)
    }

    /// Open all rooms (automatic, move automatically) with every participant's stream open: the
    /// time from the request until the last stream has `breakout_opened`. Repeated `openRounds`
    /// times (closing at once in between).
    static func openAll(_ c: Context, _ notes: Notes) async throws {
        let name = Scenario.openAll.rawValue
        let api = c.api
        let (meeting, people, streams, tally) = try await lecture(
            c, notes, title: "bench open-all", tracking: ["breakout_opened", "breakout_closed"],
            breakout: ("automatic", ["moveAutomatically": true, "closeCountdownSeconds": 0]), openFirst: false)
        defer { Task { await streams.closeAll() } }
        let n = people.count
        var lasts: [Double] = []
        var answers: [Double] = []
        var fewest = n
        let cpuStart = c.cpu.sample()
        for round in 0..<c.sizes.openRounds {
            let start = NIODeadline.now()
            try await api.open(meeting, on: api.node(0)).check("open")
            answers.append(NIODeadline.now().ms(since: start))
            let all = try await waitUntil(.seconds(10)) { tally.arrivals("breakout_opened", key: round).count >= n }
            let arrivals = tally.arrivals("breakout_opened", key: round)
            fewest = min(fewest, arrivals.count)
            if all, let last = arrivals.last { lasts.append(last.ms(since: start)) } else {
                notes.add("round \(round): only \(arrivals.count) of \(n) streams got breakout_opened within 10 s")
            }
            try await api.close(meeting, on: api.node(0)).check("close")
            if !(try await waitUntil(.seconds(10), { tally.arrivals("breakout_closed", key: round).count >= n })) {
                notes.add("round \(round): not every stream got breakout_closed within 10 s")
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        notes.add(CPUAccount.summary(from: cpuStart, to: c.cpu.sample()) + " (including the closes and pauses between rounds)")
        notes.add("last breakout_opened per round (ms): \(lasts.map { String(format: "%.0f", $0) }.joined(separator: ", "))")
        let sorted = lasts.sorted()
        let median = sorted.isEmpty ? nil : sorted[sorted.count / 2]
        c.report.add(name, "streams that got breakout_opened (fewest of \(c.sizes.openRounds) rounds)", Double(fewest), unit: "",
                     target: .atLeast(Double(n)), targetText: "\(n)")
        c.report.add(name, "last stream's breakout_opened after the request (median of \(c.sizes.openRounds))", median, unit: "ms",
                     target: .atMost(300), targetText: "<= 300 ms")
        c.report.add(name, "same, worst round", lasts.count == c.sizes.openRounds ? sorted.last : nil, unit: "ms",
                     target: .atMost(300), targetText: "<= 300 ms")
        c.report.add(name, "open request answered after (median)", answers.sorted()[answers.count / 2], unit: "ms", target: .none)
        await streams.closeAll()
    }

    /// Broadcasts to every stream of a lecture, one after another: for each, the time from
    /// sending the request until the last stream has it. `wide`: the lecture of
    /// `wideParticipants` (5000 over the nodes) and `wideMessages` broadcasts.
    static func fanOut(_ c: Context, _ notes: Notes, wide: Bool = false) async throws {
        let name = (wide ? Scenario.fanOutWide : Scenario.fanOut).rawValue
        let api = c.api
        let (meeting, people, streams, tally) = try await lecture(
            c, notes, title: "bench \(name)", tracking: ["broadcast"], breakout: ("self_select", [:]), openFirst: true,
            participants: wide ? c.sizes.wideParticipants : c.sizes.participants)
        defer { Task { await streams.closeAll() } }
        let n = people.count
        let warmUp = 5
        let bound = 2.0
        var latencies = Latencies()
        var answers = Latencies()
        var incomplete = 0
        var cpuStart = c.cpu.sample()
        let messages = wide ? c.sizes.wideMessages : c.sizes.messages
        for number in 0..<(warmUp + messages) {
            let start = NIODeadline.now()
            try await api.broadcast(meeting, message: "bench-\(number) fan-out", on: api.node(0)).check("broadcast")
            let answered = NIODeadline.now()
            let all = try await waitUntil(.seconds(bound)) { tally.arrivals("broadcast", key: number).count >= n }
            guard number >= warmUp else {
                cpuStart = c.cpu.sample()
                continue
            }
            answers.record(answered - start)
            if all, let last = tally.arrivals("broadcast", key: number).last {
                latencies.record(last - start)
            } else {
                incomplete += 1
                latencies.record(milliseconds: bound * 1000)
            }
        }
        let cpuEnd = c.cpu.sample()
        notes.add(CPUAccount.summary(from: cpuStart, to: cpuEnd))
        c.report.add(name, "request to last stream, p50", latencies.ms(50), unit: "ms", target: .atMost(10), targetText: "<= 10 ms")
        c.report.add(name, "request to last stream, p99", latencies.ms(99), unit: "ms", target: .atMost(40), targetText: "<= 40 ms")
        // Every node delivers to its share of the streams; the one that takes the broadcast
        // request also runs the command, which is included (a few hundred µs per message).
        let deliveries = Double(max(1, messages * n))
        c.report.add(name, "nodes' CPU per stream and event", CPUAccount.nodesUsed(from: cpuStart, to: cpuEnd) * 1e6 / deliveries,
                     unit: "µs", target: .atMost(6), targetText: "<= 6 µs")
        c.report.add(name, "benchmark client's CPU per stream and event", CPUAccount.used("bench", from: cpuStart, to: cpuEnd) * 1e6 / deliveries,
                     unit: "µs", target: .none)
        c.report.add(name, "request to last stream, max", latencies.maxMs, unit: "ms", target: .none)
        c.report.add(name, "broadcast request answered, p50", answers.ms(50), unit: "ms", target: .none)
        c.report.add(name, "messages not delivered to all \(n) streams within \(Int(bound)) s", Double(incomplete), unit: "",
                     target: .atMost(0), targetText: "0")
        await streams.closeAll()
        guard !wide else { return }
        // The floor under "nodes' CPU per stream and event", on this machine, in this run.
        let floor = try await WriteFloor.measure(streams: n)
        c.report.add(name, "floor: one write(2) of 330 bytes to a loopback stream, writer's CPU", floor.syscallMicros, unit: "µs", target: .none)
        c.report.add(name, "floor: one NIO writeAndFlush of 330 bytes to a loopback stream, writer's CPU", floor.nioMicros, unit: "µs", target: .none)
    }
}
