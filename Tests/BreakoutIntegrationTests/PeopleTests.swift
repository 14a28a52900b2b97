import BreakoutDomain
import BreakoutStore
import Foundation
import PostgresNIO
import Testing

/// People on a real PostgreSQL: owners, one person one participant, who may join, sessions that
/// end on every node, personal API tokens, and what operators may read of them.
@Suite("People")
struct PeopleTests {
    static let secret = String(repeating: "k", count: 32)

    static func user(_ store: MeetingStore, _ name: String, email: String, verified: Bool = true) async throws -> User {
        try await store.signedIn(
            issuer: "https://idp.test", subject: "\(name)-\(UUID())", email: email, emailVerified: verified, name: name,
            claims: ["eduPersonAffiliation": ["employee"]])
    }

    static func signedIn(_ user: User) -> MeetingStore.SignedIn { MeetingStore.SignedIn(user: user, tokenSecret: secret) }

    /// A store on the test database, migrated (these tests may run before any node has started).
    static func withStore<T: Sendable>(_ body: @Sendable (MeetingStore, PostgresClient) async throws -> T) async throws -> T {
        try await Migrator(logger: TestDatabase.logger).migrate(databaseURL: try TestDatabase.url)
        return try await TestDatabase.withClient { client in
            try await body(MeetingStore(client: client, logger: TestDatabase.logger, connectTimeout: TestDatabase.leaseBound), client)
        }
    }

    @Test("the owner is the host from anywhere, and one person joining twice is one participant with one token")
    func onePersonOneParticipant() async throws {
        try await Self.withStore { store, client in
            let ada = try await Self.user(store, "Ada Lovelace", email: "ada@uni.test")
            let sam = try await Self.user(store, "Sam Student", email: "sam@uni.test")
            let created = try await store.createMeeting(
                title: "Seminar", hostName: "ignored", settings: .init(breakoutRoomsEnabled: true), owner: Self.signedIn(ada))
            // The owner comes back by the code, from another device: its own host participant.
            let back = try await store.join(code: created.meeting.code, displayName: nil, email: nil, signedIn: Self.signedIn(ada))
            #expect(back.participantId == created.participantId)
            #expect(back.token == created.hostToken)
            let first = try await store.join(code: created.meeting.code, displayName: nil, email: nil, signedIn: Self.signedIn(sam))
            let again = try await store.join(code: created.meeting.code, displayName: "Other", email: nil, signedIn: Self.signedIn(sam))
            #expect(again.participantId == first.participantId && again.token == first.token)
            let state = try await store.state(of: created.meeting.id)
            #expect(state.participants.map(\.displayName) == ["Ada Lovelace", "Sam Student"], "no duplicate, the provider's names")
            #expect(state.participants.first?.role == .host)
            let owned = try await store.meetings(of: ada)
            #expect(owned.map(\.id) == [created.meeting.id] && owned.first?.relation == "owner")
        }
    }

    @Test("alternative hosts join as co-hosts; signed_in and invited meetings refuse the others")
    func whoMayJoin() async throws {
        try await Self.withStore { store, client in
            let ada = try await Self.user(store, "Ada", email: "ada2@uni.test")
            let grace = try await Self.user(store, "Grace", email: "grace@uni.test")
            let sam = try await Self.user(store, "Sam", email: "sam2@uni.test")
            let unverified = try await Self.user(store, "Eve", email: "grace@uni.test", verified: false)
            let invited = try await store.createMeeting(
                title: "Invited only", hostName: "",
                settings: .init(breakoutRoomsEnabled: true, whoMayJoin: .invited, alternativeHosts: ["Grace@Uni.test"]),
                owner: Self.signedIn(ada))
            let code = invited.meeting.code
            let joined = try await store.join(code: code, displayName: nil, email: nil, signedIn: Self.signedIn(grace))
            let state = try await store.state(of: invited.meeting.id)
            #expect(state.participants.first { $0.id == joined.participantId }?.role == .cohost)
            #expect(try await store.meetings(of: grace).first?.relation == "alternative_host")
            await #expect(throws: DomainError.notInvited) {
                try await store.join(code: code, displayName: nil, email: nil, signedIn: Self.signedIn(sam))
            }
            await #expect(throws: DomainError.notInvited, "an unverified email is not the alternative host's") {
                try await store.join(code: code, displayName: nil, email: nil, signedIn: Self.signedIn(unverified))
            }
            await #expect(throws: DomainError.signInRequired) {
                try await store.join(code: code, displayName: "Anon", email: "grace@uni.test")
            }
            // On the pre-assignment list by verified email: invited.
            let host = Caller(meetingId: invited.meeting.id, token: invited.hostToken)
            _ = try await store.replacePreassignments(host, [Preassignment(room: "Table 1", email: "sam2@uni.test")])
            _ = try await store.join(code: code, displayName: nil, email: nil, signedIn: Self.signedIn(sam))

            let signedInOnly = try await store.createMeeting(
                title: "Signed in", hostName: "", settings: .init(breakoutRoomsEnabled: true, whoMayJoin: .signedIn),
                owner: Self.signedIn(ada))
            await #expect(throws: DomainError.signInRequired) {
                try await store.join(code: signedInOnly.meeting.code, displayName: "Anon", email: nil)
            }
            _ = try await store.join(code: signedInOnly.meeting.code, displayName: nil, email: nil, signedIn: Self.signedIn(sam))
        }
    }

    @Test("a session works until it ends or expires; an API token until it is revoked")
    func sessionsAndTokens() async throws {
        try await Self.withStore { store, client in
            let ada = try await Self.user(store, "Ada", email: "ada3@uni.test")
            let session = try await store.startSession(userId: ada.id, lifetime: .seconds(3600))
            #expect(try await store.sessionUser(token: session, lifetime: .seconds(3600))?.id == ada.id)
            // Another node is just another store on the same database.
            let otherNode = MeetingStore(client: client, logger: TestDatabase.logger, connectTimeout: TestDatabase.leaseBound)
            #expect(try await otherNode.sessionUser(token: session, lifetime: .seconds(3600))?.id == ada.id)
            try await store.endSession(token: session)
            #expect(try await otherNode.sessionUser(token: session, lifetime: .seconds(3600)) == nil, "signed out on every node")
            let short = try await store.startSession(userId: ada.id, lifetime: .seconds(1))
            try await Task.sleep(for: .milliseconds(1500))
            #expect(try await store.sessionUser(token: short, lifetime: .seconds(1)) == nil, "expired")
            // In use all along, a session still ends at its absolute end (ASVS 3.3.2).
            // (5 s: the two uses before it hold with both cores busy.)
            let busy = try await store.startSession(userId: ada.id, lifetime: .seconds(3600), maxLifetime: .seconds(5))
            #expect(try await store.sessionUser(token: busy, lifetime: .seconds(3600), maxLifetime: .seconds(5))?.id == ada.id)
            try await Task.sleep(for: .milliseconds(1000))
            #expect(try await store.sessionUser(token: busy, lifetime: .seconds(3600), maxLifetime: .seconds(5))?.id == ada.id, "used again")
            try await Task.sleep(for: .milliseconds(4500))
            #expect(try await store.sessionUser(token: busy, lifetime: .seconds(3600), maxLifetime: .seconds(5)) == nil,
                    "past its absolute end although used seconds ago")

            let made = try #require(try await store.createAPIToken(userId: ada.id, name: "LMS", expiresInDays: 30, maxAlive: 20)).token
            let token = try #require(made.token)
            #expect(token.hasPrefix("bk_"))
            #expect(try await store.apiTokenUser(token: token)?.id == ada.id)
            #expect(try await store.apiTokens(userId: ada.id).map(\.id) == [made.id])
            #expect(try await store.apiTokens(userId: ada.id).first?.token == nil, "shown once")
            #expect(try await store.revokeAPIToken(userId: ada.id, id: made.id))
            #expect(try await store.apiTokenUser(token: token) == nil)
            #expect(try await !store.revokeAPIToken(userId: ada.id, id: made.id))
            #expect(try await store.useNonce("nonce-\(UUID())"))
            let nonce = "nonce-\(UUID())"
            #expect(try await store.useNonce(nonce))
            #expect(try await !store.useNonce(nonce), "an answer of the provider is used once")
        }
    }

    @Test("breakout_readonly reads people and owners, never session or token material")
    func operatorsReadPeople() async throws {
        try await Self.withStore { store, client in
            let ada = try await Self.user(store, "Ada", email: "ada4@uni.test")
            _ = try await store.startSession(userId: ada.id, lifetime: .seconds(3600))
            _ = try await store.createAPIToken(userId: ada.id, name: "script", expiresInDays: 90, maxAlive: 20)
            let created = try await store.createMeeting(
                title: "Owned", hostName: "", settings: .init(breakoutRoomsEnabled: true), owner: Self.signedIn(ada))
            try await client.withConnection { connection in
                let logger = TestDatabase.logger
                try await connection.query("BEGIN", logger: logger)
                try await connection.query("SET LOCAL ROLE breakout_readonly", logger: logger)
                var owned: [UUID] = []
                for try await id in try await connection.query(
                    "SELECT meeting_id FROM breakout_meetings WHERE owner_email = 'ada4@uni.test'", logger: logger
                ).decode(UUID.self) { owned.append(id) }
                #expect(owned.contains(created.meeting.id), "which meetings does ada own")
                var signedIn: [String] = []
                for try await email in try await connection.query(
                    "SELECT email FROM breakout_signed_in WHERE email = 'ada4@uni.test'", logger: logger
                ).decode(String.self) { signedIn.append(email) }
                #expect(signedIn.contains("ada4@uni.test"), "who is signed in now")
                var people: [String] = []
                for try await name in try await connection.query(
                    "SELECT name FROM breakout_people WHERE email = 'ada4@uni.test'", logger: logger
                ).decode(String.self) { people.append(name) }
                #expect(!people.isEmpty && people.allSatisfy { $0 == "Ada" }, "who has signed in")
                try await connection.query("SAVEPOINT s", logger: logger)
                for statement in [
                    "SELECT name FROM users LIMIT 1", "SELECT claims FROM users LIMIT 1",
                    "SELECT token_hash FROM web_sessions LIMIT 1", "SELECT token_hash FROM api_tokens LIMIT 1",
                    "SELECT nonce_hash FROM used_nonces LIMIT 1", "UPDATE users SET name = 'x'",
                ] {
                    await #expect(throws: PSQLError.self, "\(statement) must be refused") {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query("ROLLBACK TO SAVEPOINT s", logger: logger)
                }
                try await connection.query("ROLLBACK", logger: logger)
            }
        }
    }
}
