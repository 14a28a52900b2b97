import BreakoutServer
import BreakoutTestSupport
import Foundation
import Testing

/// TURN for people behind strict networks: a real coturn (scripts/lib/coturn.sh, as scripts/run
/// starts it) accepts the credentials that `TurnCredentials` makes for a participant, relays with
/// them over UDP and TCP, and refuses expired ones and ones made with another secret (401). What
/// coturn decided is read from its own log, where each request has a line with its username.
@Suite("TURN (coturn)", .serialized, .enabled(if: CoturnProcess.shouldRun, "coturn is not installed (scripts/test installs it as root)"))
struct TurnTests {
    /// Runs `body` with a private coturn, stopped afterwards whatever happened.
    static func withCoturn<T>(_ body: (CoturnProcess) async throws -> T) async throws -> T {
        let coturn = try await CoturnProcess.start()
        do {
            let result = try await body(coturn)
            coturn.stop()
            return result
        } catch {
            coturn.stop()
            throw error
        }
    }

    /// Waits (bounded) until coturn's log has `line`; it writes it as it answers, the client may
    /// have exited a moment before.
    static func awaitLog(_ coturn: CoturnProcess, _ line: String) async throws {
        try await eventually("coturn's log to say \"\(line)\"", timeout: .seconds(10), every: .milliseconds(50),
                             detail: { coturn.logTail() }) { coturn.log.contains(line) }
    }

    @Test("fresh credentials from TurnCredentials allocate a relay and carry data, over UDP and over TCP", .timeLimit(.minutes(3)))
    func freshCredentialsRelay() async throws {
        try await Self.withCoturn { coturn in
            let credentials = TurnCredentials(secret: coturn.secret, participantId: UUID(), urls: coturn.urls, now: Date())
            for tcp in [false, true] {
                let run = try await coturn.allocate(username: credentials.username, password: credentials.credential, tcp: tcp)
                let transport = tcp ? "TCP" : "UDP"
                #expect(run.status == 0, "turnutils_uclient over \(transport) failed (\(run.status)): \(run.output)\n\(coturn.logTail())")
                #expect(!run.output.contains("Cannot complete Allocation"), "\(transport): \(run.output)")
                #expect(run.received > 0, "nothing relayed over \(transport): \(run.output)")
            }
            try await Self.awaitLog(coturn, "user <\(credentials.username)>: incoming packet ALLOCATE processed, success")
            #expect(!coturn.log.contains("user <\(credentials.username)>: incoming packet message processed, error 401"),
                    "fresh credentials refused: \(coturn.logTail())")
        }
    }

    @Test("expired credentials, and credentials made with another secret, are refused with 401", .timeLimit(.minutes(3)))
    func badCredentialsRefused() async throws {
        try await Self.withCoturn { coturn in
            // Made an hour and a minute ago, for an hour: expired a minute ago, correctly signed.
            let expired = TurnCredentials(
                secret: coturn.secret, participantId: UUID(), urls: coturn.urls, now: Date().addingTimeInterval(-3660))
            #expect(expired.expiry < Int(Date().timeIntervalSince1970))
            let forged = TurnCredentials(secret: coturn.secret + "-other", participantId: UUID(), urls: coturn.urls, now: Date())
            for (name, credentials) in [("expired", expired), ("another secret's", forged)] {
                let run = try await coturn.allocate(username: credentials.username, password: credentials.credential)
                #expect(run.status != 0, "\(name) credentials were accepted: \(run.output)\n\(coturn.logTail())")
                #expect(run.output.contains("Cannot complete Allocation"), "\(name): \(run.output)")
                #expect(run.received == 0, "\(name): data relayed: \(run.output)")
                try await Self.awaitLog(coturn, "user <\(credentials.username)>: incoming packet message processed, error 401: Unauthorized")
                #expect(!coturn.log.contains("user <\(credentials.username)>: incoming packet ALLOCATE processed, success"),
                        "\(name) credentials got an allocation: \(coturn.logTail())")
            }
        }
    }

    @Test("breakoutd refuses a TURN configuration that is half there or wrong, naming the variable")
    func configurationChecked() async throws {
        // A database that is not there: were the configuration accepted, the node would fail soon after.
        let media = ["BREAKOUT_MEDIA": "janus", "BREAKOUT_JANUS_ADMIN_KEY": "media-admin-key-0123456789",
                     "DATABASE_URL": "postgres://postgres@127.0.0.1:1/none?sslmode=disable"]
        let secret = "turn-secret-0123456789abcdef"
        let urls = "turn:turn.example.org:3478?transport=udp,turns:turn.example.org:443?transport=tcp"
        let cases: [(environment: [String: String], message: String)] = [
            (["BREAKOUT_TURN_URLS": urls], "BREAKOUT_TURN_SECRET must be set with BREAKOUT_TURN_URLS"),
            (["BREAKOUT_TURN_SECRET": secret], "BREAKOUT_TURN_URLS must be set with BREAKOUT_TURN_SECRET"),
            (["BREAKOUT_TURN_URLS": urls, "BREAKOUT_TURN_SECRET": "short"], "BREAKOUT_TURN_SECRET must be at least 16 characters"),
            (["BREAKOUT_TURN_URLS": "stun:turn.example.org:3478", "BREAKOUT_TURN_SECRET": secret],
             "BREAKOUT_TURN_URLS must be turn: or turns: URLs"),
        ]
        for (environment, message) in cases {
            // Checked before anything starts: no database is reached, the node exits at once.
            let run = try await CoturnProcess.run(NodeProcess.binary.path, ["serve"], environment: media.merging(environment) { $1 }, bound: 30)
            #expect(run.status != 0, "accepted \(environment): \(run.output)")
            #expect(run.output.contains(message), "\(environment): \(run.output)")
        }
    }
}
