import Foundation
import Testing
import Yams

/// deploy/patroni.yml and deploy/haproxy.cfg hold the settings that the failover guarantees rest on
/// (docs/scaling.md): they must not drift from them unnoticed. scripts/ha-test checks the
/// behaviour; this checks the files, without running anything.
@Suite("Failover configuration")
struct FailoverConfigurationTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    @Test("Patroni: synchronous mode (nothing answered is lost), pg_rewind, ttl 10 s within Patroni's own rule")
    func patroni() throws {
        let config = try #require(try Yams.load(yaml: try Self.text("deploy/patroni.yml")) as? [String: Any])
        let bootstrap = try #require(config["bootstrap"] as? [String: Any])
        let dcs = try #require(bootstrap["dcs"] as? [String: Any])
        #expect(dcs["synchronous_mode"] as? Bool == true, "without it a failover may lose answered commits and reuse seqs")
        let postgresql = try #require(dcs["postgresql"] as? [String: Any])
        #expect(postgresql["use_pg_rewind"] as? Bool == true)
        let parameters = try #require(postgresql["parameters"] as? [String: Any])
        #expect(parameters["synchronous_commit"] as? String == "on")
        #expect(parameters["wal_log_hints"] as? String == "on", "pg_rewind needs it")
        let ttl = try #require(dcs["ttl"] as? Int)
        let loopWait = try #require(dcs["loop_wait"] as? Int)
        let retryTimeout = try #require(dcs["retry_timeout"] as? Int)
        #expect(ttl == 10, "docs/scaling.md's figures are for ttl 10")
        #expect(loopWait + 2 * retryTimeout <= ttl, "Patroni's rule: loop_wait + 2 × retry_timeout ≤ ttl")
        #expect(bootstrap["post_bootstrap"] as? String != nil, "the nodes' database is made with the cluster")
    }

    @Test("HAProxy: the nodes' port reaches /primary, the operators' port /replica, and a member marked down loses its connections")
    func haproxy() throws {
        let config = try Self.text("deploy/haproxy.cfg")
        let sections = config.components(separatedBy: "\nlisten ").dropFirst()
        func section(_ name: String) throws -> String {
            try #require(sections.first { $0.hasPrefix(name) }, "listen \(name)")
        }
        let primary = try section("breakout_primary")
        #expect(primary.contains("bind *:5000"))
        #expect(primary.contains("http-check send meth GET uri /primary"))
        let replicas = try section("breakout_replicas")
        #expect(replicas.contains("bind *:5001"))
        #expect(replicas.contains("http-check send meth GET uri /replica"))
        for listen in [primary, replicas] {
            #expect(listen.contains("on-marked-down shutdown-sessions"))
            #expect(listen.contains("server pg1 pg1:5432 check port 8008"), "scripts/lib/ha.sh renders these lines")
            #expect(listen.contains("server pg2 pg2:5432 check port 8008"))
        }
    }

    @Test("docker-compose.yml's ha profile runs those files, and its nodes use HAProxy's primary port")
    func composeProfile() throws {
        let compose = try #require(try Yams.load(yaml: try Self.text("docker-compose.yml")) as? [String: Any])
        let services = try #require(compose["services"] as? [String: Any])
        let ha = services.filter { (($0.value as? [String: Any])?["profiles"] as? [String]) == ["ha"] }
        #expect(Set(ha.keys).isSuperset(of: ["etcd", "pg1", "pg2", "haproxy", "ha-node1", "ha-nginx"]))
        let haproxy = try #require(services["haproxy"] as? [String: Any])
        #expect((haproxy["volumes"] as? [String])?.contains("./deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro") == true)
        let node = try #require(services["ha-node1"] as? [String: Any])
        let environment = try #require(node["environment"] as? [String: Any])
        #expect((environment["DATABASE_URL"] as? String)?.contains("@haproxy:5000/") == true)
        #expect(try Self.text("deploy/patroni.Dockerfile").contains("COPY deploy/patroni.yml"))
    }
}
