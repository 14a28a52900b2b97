import Foundation
import NIOCore
import NIOHTTP1
import PostgresNIO

/// What a sequential command costs before any work of its own, measured beside it on the same
/// machine: the parts a move is made of, each with nothing to do.
///
/// - one HTTP request to a node that answers without the database (`GET /healthz`): the node's CPU
///   and the latency of the request and its answer, the two network waits of a command that are
///   not the database's;
/// - pgbench's transaction (`BEGIN`; one `UPDATE`; `SELECT pg_notify`; `COMMIT`) sent by this
///   process through PostgresNIO on one connection, as a node sends a command's four statements:
///   this process's CPU and the latency, beside pgbench's own (libpq) latency.
///
/// A node's CPU per command cannot be below the first plus the second, nor a command's latency.
enum CommandFloors {
    static func measure(_ c: Context, _ notes: Notes, name: String, seconds: Double = 3) async throws {
        try await healthz(c, name: name, seconds: seconds)
        guard let database = c.database else {
            notes.add("no --database-url: the PostgresNIO floor was not measured")
            return
        }
        try await postgresNIO(c, database, name: name, seconds: seconds)
    }

    private static func healthz(_ c: Context, name: String, seconds: Double) async throws {
        let node = c.api.node(0)
        for _ in 0..<50 { _ = try await c.api.send(.GET, "/healthz", on: node) }
        var latencies = Latencies()
        let cpuStart = c.cpu.sample()
        let end = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < end, latencies.count < 1_000_000 {
            let start = NIODeadline.now()
            let reply = try await c.api.send(.GET, "/healthz", on: node)
            guard reply.ok else { throw APIError(description: "GET /healthz: HTTP \(reply.status)") }
            latencies.record(NIODeadline.now() - start)
        }
        let cpuEnd = c.cpu.sample()
        let perRequest = 1000 / Double(max(1, latencies.count))
        c.report.add(name, "floor: GET /healthz, mean latency", latencies.meanMs, unit: "ms", target: .none)
        c.report.add(name, "floor: GET /healthz, node 1 CPU per request",
                     CPUAccount.used("node 1", from: cpuStart, to: cpuEnd) * perRequest, unit: "ms", target: .none)
    }

    private static func postgresNIO(_ c: Context, _ database: Database, name: String, seconds: Double) async throws {
        let logger = Logger(label: "bench-floor")
        try await database.client.withConnection { connection in
            try await connection.query("DROP TABLE IF EXISTS bench_floor", logger: logger)
            try await connection.query("CREATE TABLE bench_floor (id int PRIMARY KEY, n bigint NOT NULL DEFAULT 0)", logger: logger)
            try await connection.query("INSERT INTO bench_floor (id) SELECT generate_series(1, 100)", logger: logger)
            func transaction(_ index: Int) async throws {
                let id = index % 100 + 1
                try await connection.query("BEGIN", logger: logger)
                try await connection.query("UPDATE bench_floor SET n = n + 1 WHERE id = \(id)", logger: logger)
                try await connection.query("SELECT pg_notify('bench_floor', \(String(id)))", logger: logger)
                try await connection.query("COMMIT", logger: logger)
            }
            for index in 0..<100 { try await transaction(index) }
            var latencies = Latencies()
            let cpuStart = c.cpu.sample()
            let end = ContinuousClock.now + .seconds(seconds)
            while ContinuousClock.now < end, latencies.count < 1_000_000 {
                let start = NIODeadline.now()
                try await transaction(latencies.count)
                latencies.record(NIODeadline.now() - start)
            }
            let cpuEnd = c.cpu.sample()
            try await connection.query("DROP TABLE bench_floor", logger: logger)
            let perTransaction = 1000 / Double(max(1, latencies.count))
            let baselineText = c.baseline.latencyMs1.map { "pgbench 1 client: \(Report.format($0, "ms"))" }
            c.report.add(name, "floor: pgbench's transaction through PostgresNIO, mean latency", latencies.meanMs, unit: "ms",
                         target: .none, baseline: baselineText)
            c.report.add(name, "floor: pgbench's transaction through PostgresNIO, client CPU",
                         CPUAccount.used("bench", from: cpuStart, to: cpuEnd) * perTransaction, unit: "ms", target: .none)
            c.report.add(name, "floor: pgbench's transaction through PostgresNIO, PostgreSQL CPU",
                         CPUAccount.used("postgres", from: cpuStart, to: cpuEnd) * perTransaction, unit: "ms", target: .none)
        }
    }
}
