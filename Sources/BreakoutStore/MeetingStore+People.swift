public import BreakoutDomain
public import Foundation
import PostgresNIO

/// A person signed in at the campus provider.
public struct User: Sendable, Equatable, Codable {
    public var id: UUID
    /// The provider's name for the person (`sub`), stable when their email changes: what a
    /// pre-assignment list or group set may name them by.
    public var subject: String
    public var email: String?
    public var emailVerified: Bool
    public var name: String
    /// The claims of the last sign-in (for the host policy).
    public var claims: [String: JSONValue]
}

/// A personal API token as its owner sees it (the token itself only once, when it is made).
public struct APIToken: Sendable, Equatable, Codable, IdempotentResult {
    public var id: UUID
    public var name: String
    public var createdAt: Date
    public var expiresAt: Date?
    /// Only in the answer that makes it (the key is left out everywhere else).
    public var token: String?

    enum CodingKeys: String, CodingKey { case id, name, createdAt, expiresAt, token }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encodeIfPresent(expiresAt, forKey: .expiresAt)
        if let token { try container.encode(token, forKey: .token) }
    }
}

/// A meeting on a person's "My meetings".
public struct OwnedMeeting: Sendable, Equatable, Codable {
    public var id: UUID
    public var code: String
    public var title: String
    public var status: String
    public var createdAt: Date
    public var endedAt: Date?
    /// `owner`, or `alternative_host` for a meeting whose owner named this person.
    public var relation: String
}

/// People: users, their web sessions, their API tokens and their meetings (sql/011_people.sql).
extension MeetingStore {
    /// The user of (`issuer`, `subject`), made or brought up to date from this sign-in.
    public func signedIn(
        issuer: String, subject: String, email: String?, emailVerified: Bool, name: String, claims: [String: JSONValue]
    ) async throws -> User {
        let claimsText = try JSONValueEncoder().text(JSONValue.object(claims))
        // Emails are compared case-insensitively, so they are kept lower-cased (as participants' are).
        let email = email?.lowercased()
        let logger = logger
        return try await withBoundedConnection { connection in
            let rows = try await connection.query(
                """
                INSERT INTO users (id, issuer, subject, email, email_verified, name, claims)
                VALUES (\(UUID()), \(issuer), \(subject), \(email), \(emailVerified), \(name), \(claimsText)::jsonb)
                ON CONFLICT (issuer, subject) DO UPDATE SET email = EXCLUDED.email, email_verified = EXCLUDED.email_verified,
                    name = EXCLUDED.name, claims = EXCLUDED.claims, last_sign_in_at = now()
                RETURNING id
                """, logger: logger)
            for try await id in rows.decode(UUID.self) {
                return User(id: id, subject: subject, email: email, emailVerified: emailVerified, name: name, claims: claims)
            }
            throw StoreError.notApplied
        }
    }

    /// Records a sign-in's nonce; false when it was used before (a replayed provider answer).
    public func useNonce(_ nonce: String) async throws -> Bool {
        let logger = logger
        return try await withBoundedConnection { connection in
            try await connection.query("DELETE FROM used_nonces WHERE used_at < now() - interval '1 day'", logger: logger)
            for try await _ in try await connection.query(
                "INSERT INTO used_nonces (nonce_hash) VALUES (\(Tokens.hash(nonce))) ON CONFLICT DO NOTHING RETURNING 1",
                logger: logger
            ).decode(Int.self) { return true }
            return false
        }
    }

    /// A new web session of `userId`: the token for the cookie (only its hash is kept).
    public func startSession(userId: UUID, lifetime: Duration, maxLifetime: Duration? = nil) async throws -> String {
        let token = Tokens.generate()
        let seconds = Double(min(lifetime, maxLifetime ?? lifetime).components.seconds)
        try await run(
            """
            INSERT INTO web_sessions (token_hash, user_id, expires_at)
            VALUES (\(Tokens.hash(token)), \(userId), now() + make_interval(secs => \(seconds)))
            """)
        return token
    }

    /// The user of a live session, whose end moves `lifetime` past now but never past
    /// `maxLifetime` after it began (ASVS 3.3.2: a session ends however busy it is); nil for an
    /// unknown, ended or expired one.
    public func sessionUser(token: String, lifetime: Duration, maxLifetime: Duration? = nil) async throws -> User? {
        let seconds = Double(lifetime.components.seconds)
        let maxSeconds = Double((maxLifetime ?? .seconds(100 * 365 * 86_400)).components.seconds)
        return try await user(
            """
            WITH live AS (
                UPDATE web_sessions
                SET expires_at = least(now() + make_interval(secs => \(seconds)), created_at + make_interval(secs => \(maxSeconds)))
                WHERE token_hash = \(Tokens.hash(token)) AND ended_at IS NULL AND expires_at > now()
                    AND created_at + make_interval(secs => \(maxSeconds)) > now()
                RETURNING user_id
            )
            SELECT u.id, u.subject, u.email, u.email_verified, u.name, u.claims::text FROM users u JOIN live ON live.user_id = u.id
            """)
    }

    /// Ends a session on every node.
    public func endSession(token: String) async throws {
        try await run("UPDATE web_sessions SET ended_at = now() WHERE token_hash = \(Tokens.hash(token)) AND ended_at IS NULL")
    }

    /// The user of a live API token; nil for an unknown, revoked or expired one.
    public func apiTokenUser(token: String) async throws -> User? {
        try await user(
            """
            SELECT u.id, u.subject, u.email, u.email_verified, u.name, u.claims::text FROM api_tokens t JOIN users u ON u.id = t.user_id
            WHERE t.token_hash = \(Tokens.hash(token)) AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
            """)
    }

    private func user(_ query: PostgresQuery) async throws -> User? {
        let logger = logger
        return try await withBoundedConnection { connection in
            for try await (id, subject, email, verified, name, claims) in try await connection.query(query, logger: logger)
                .decode((UUID, String, String?, Bool, String, String).self) {
                let values = (try? JSONDecoder().decode([String: JSONValue].self, from: Data(claims.utf8))) ?? [:]
                return User(id: id, subject: subject, email: email, emailVerified: verified, name: name, claims: values)
            }
            return nil
        }
    }

    /// A new API token of `userId`, working for `expiresInDays`, with the answer to send (its JSON);
    /// nil when the person already holds `maxAlive` tokens that work. The answer is the only place
    /// the token ever appears, and a retry with the same `claim` gets that answer again, as it was
    /// stored (sealed in the key's row): not decoded and encoded again, which could move a date's
    /// last digit.
    public func createAPIToken(
        userId: UUID, name: String, expiresInDays: Int, maxAlive: Int, claim: Idempotency.Claim? = nil
    ) async throws -> (token: APIToken, answer: JSONValue)? {
        let name = try InputValidation.text(name, field: "name", length: 1...64)
        let token = "bk_" + Tokens.generate()
        let id = UUID()
        let logger = logger
        do {
            return try await boundedTransaction { connection in
                // The person's row, locked: two tokens made at once are counted one after the other.
                try await connection.query("SELECT 1 FROM users WHERE id = \(userId) FOR UPDATE", logger: logger)
                if let claim, let stored = try await self.claimIdempotencyKey(claim, on: connection) {
                    return (try APIToken(storedForm: stored), stored)
                }
                let rows = try await connection.query(
                    """
                    INSERT INTO api_tokens (id, user_id, name, token_hash, expires_at)
                    SELECT \(id), \(userId), \(name), \(Tokens.hash(token)), now() + make_interval(days => \(expiresInDays)::int)
                    WHERE (SELECT count(*) FROM api_tokens
                           WHERE user_id = \(userId) AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())) < \(maxAlive)
                    RETURNING created_at, expires_at
                    """, logger: logger)
                for try await (createdAt, expiresAt) in rows.decode((Date, Date?).self) {
                    let made = APIToken(id: id, name: name, createdAt: createdAt, expiresAt: expiresAt, token: token)
                    let answer = try made.storedForm()
                    if let claim { try await self.storeIdempotentResult(claim, result: answer, on: connection) }
                    return (made, answer)
                }
                // Too many: nothing is kept, the key's claim included (the transaction rolls back).
                throw TooManyAPITokens()
            }
        } catch {
            // The transaction wraps what ended it: unwrapped, a refusal (a reused key) keeps its code.
            let error = Self.translate(error)
            if error is TooManyAPITokens { return nil }
            throw error
        }
    }

    /// Rolls back the transaction of a token one too many.
    private struct TooManyAPITokens: Error {}

    /// `userId`'s tokens that still work, newest first.
    public func apiTokens(userId: UUID) async throws -> [APIToken] {
        let logger = logger
        return try await withBoundedConnection { connection in
            var tokens: [APIToken] = []
            for try await (id, name, createdAt, expiresAt) in try await connection.query(
                """
                SELECT id, name, created_at, expires_at FROM api_tokens
                WHERE user_id = \(userId) AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
                ORDER BY created_at DESC
                """, logger: logger
            ).decode((UUID, String, Date, Date?).self) {
                tokens.append(APIToken(id: id, name: name, createdAt: createdAt, expiresAt: expiresAt, token: nil))
            }
            return tokens
        }
    }

    /// Revokes one of `userId`'s tokens; false when it has none with that id.
    public func revokeAPIToken(userId: UUID, id: UUID) async throws -> Bool {
        let logger = logger
        return try await withBoundedConnection { connection in
            for try await _ in try await connection.query(
                "UPDATE api_tokens SET revoked_at = now() WHERE id = \(id) AND user_id = \(userId) AND revoked_at IS NULL RETURNING 1",
                logger: logger
            ).decode(Int.self) { return true }
            return false
        }
    }

    /// The meetings `user` owns or is an alternative host of, newest first (active and ended).
    public func meetings(of user: User) async throws -> [OwnedMeeting] {
        let email = user.emailVerified ? user.email : nil
        let logger = logger
        return try await withBoundedConnection { connection in
            var meetings: [OwnedMeeting] = []
            for try await (id, code, title, status, createdAt, endedAt, owned) in try await connection.query(
                """
                SELECT id, code, title, status, created_at, ended_at, owner_id = \(user.id) FROM meetings
                WHERE owner_id = \(user.id) OR (\(email)::text IS NOT NULL AND \(email)::text = ANY (alternative_hosts))
                ORDER BY created_at DESC LIMIT 200
                """, logger: logger
            ).decode((UUID, String, String, String, Date, Date?, Bool).self) {
                meetings.append(OwnedMeeting(
                    id: id, code: code, title: title, status: status, createdAt: createdAt, endedAt: endedAt,
                    relation: owned ? "owner" : "alternative_host"))
            }
            return meetings
        }
    }
}
