import BreakoutDomain
import BreakoutTestSupport
import Foundation
import NIOHTTP1
import Synchronization
import Testing

/// A flood from one client address, through the balancer's limits per address (deploy/): the
/// flood is answered 429 past its budget, and another meeting's commands keep their pace.
@Suite("Flood from one address", .serialized)
struct FloodTests {
    /// The median time of `count` moves of one participant between two rooms, one after another,
    /// through `nginx` (from 127.0.0.1, which the template does not limit).
    static func medianMove(_ meeting: TestMeeting, rooms: [String], person: (id: String, token: String),
                           through nginx: NginxProcess, count: Int) async throws -> Duration {
        var took: [Duration] = []
        for index in 0..<count {
            let started = ContinuousClock.now
            let reply = try await nginx.post("\(meeting.path)/moves", token: person.token, ["roomId": .string(rooms[index % 2])])
            try #require(reply.status == .ok, "a move answered \(reply.status): \(reply.body)")
            took.append(ContinuousClock.now - started)
        }
        return took.sorted()[count / 2]
    }

    @Test("joins flooding in from one address: 429 rate_limited past the budget; another meeting's moves keep their pace")
    func joinFlood() async throws {
        // Nodes of names of their own: other suites find their nodes' connections by name.
        let nodes = [try await NodeProcess.start("flood-a"), try await NodeProcess.start("flood-b")]
        defer { nodes.forEach { $0.kill() } }
        do {
            let nginx = try await NginxProcess.start(upstreamPorts: nodes.map(\.port))
            defer { nginx.stop() }
            // The meeting that keeps working: one person moving between two open rooms.
            let seminar = try await TestMeeting.create(on: nodes[0], title: "Seminar")
            let mover = try await seminar.join("Mover", on: nodes[0])
            #expect(try await nodes[0].post("\(seminar.path)/breakout", token: seminar.hostToken,
                                            ["roomCount": 2, "mode": "self_select"]).status == .created)
            #expect(try await nodes[0].post("\(seminar.path)/breakout/open", token: seminar.hostToken).status == .ok)
            let snapshot = try await nodes[0].request(.GET, seminar.path, token: seminar.hostToken)
            let rooms = snapshot.json["breakout"]?["rooms"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            try #require(rooms.count == 2)
            // The flood's target: another meeting, joined again and again.
            let lecture = try await TestMeeting.create(on: nodes[1], title: "Lecture")

            _ = try await Self.medianMove(seminar, rooms: rooms, person: mover, through: nginx, count: 10)  // warm-up
            let quiet = try await Self.medianMove(seminar, rooms: rooms, person: mover, through: nginx, count: 40)

            // 16 clients on 127.0.0.2 (threads of their own: their sockets block), each joining as
            // fast as it is answered, until the moves are measured. Once the balancer refuses them,
            // each goes on at the lowest priority: on this 2-core machine the flooder shares the
            // CPU with nginx and the nodes, which a real one, on a machine of its own, does not.
            let flooding = Shared(true)
            let answered = Shared<[String: Int]>([:])
            let port = nginx.port
            let body = #"{"code":"\#(lecture.code)","displayName":"Flood"}"#
            let flood = Task {
                await onThreads(16) { _ in
                    var lowered = false
                    while flooding.value {
                        guard let connection = try? RawConnection(port: port, from: "127.0.0.2") else { continue }
                        connection.send("POST /v1/meetings/join HTTP/1.1\r\nHost: breakout\r\nContent-Type: application/json\r\n"
                            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
                        let head = String(decoding: connection.receive(timeout: .seconds(10), untilStatusLine: true).bytes.prefix(12),
                                          as: UTF8.self)
                        answered.update { $0[head, default: 0] += 1 }
                        if !lowered, head == "HTTP/1.1 429" {
                            // On Linux the nice value is per thread: 0 names the calling one.
                            setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
                            lowered = true
                        }
                    }
                }
            }
            defer { flooding.update { $0 = false } }
            // The flood's burst goes through first (300 joins); then the balancer refuses it, and the
            // moves are measured while it goes on. Without the limit no refusal comes.
            try await eventually("the balancer to refuse the flood (429)", timeout: .seconds(90), every: .milliseconds(100)) {
                answered.value["HTTP/1.1 429", default: 0] > 0
            }
            let flooded = try await Self.medianMove(seminar, rooms: rooms, person: mover, through: nginx, count: 40)
            flooding.update { $0 = false }
            await flood.value

            let counts = answered.value
            let refused = counts["HTTP/1.1 429", default: 0]
            let joined = counts["HTTP/1.1 201", default: 0]
            print("flood: \(counts); moves' median quiet \(quiet), flooded \(flooded)")
            #expect(refused > 0 && joined <= 300 + 20 * 40, "the flood was not held back: \(counts)")
            // Alone on a quiet machine the flooded median is 1.3–1.6× the quiet one (docs/BENCHMARKS.md,
            // "A flood from one address"); in the suite, beside other tests, the bound is 3×, as for
            // every timed step (ENGINEERING.md).
            #expect(flooded <= quiet * 3 + .milliseconds(2), "moves took \(flooded) at the median under the flood, \(quiet) quiet")
        }
    }
}
