public import BreakoutDomain
public import Foundation
import Crypto
import PostgresNIO

/// Safe retries. The HTTP layer makes an `Idempotency.Claim` for a request that carries an
/// `Idempotency-Key` and hands it to the store with the command; the command's own transaction
/// reads the key's stored answer (under the meeting's lock) and stores its answer with it. A retry — on any node, even after the first
/// node died right after its commit — finds the stored result and returns it without applying
/// anything; a retry with the same key but another request is refused.
public enum Idempotency {
    public struct Claim: Sendable {
        /// SHA-256 of the caller's token (empty for anonymous calls), so keys never cross callers.
        public var scope: Data
        /// SHA-256 of the client's key (hex): the table never holds the key itself.
        public var key: String
        /// SHA-256 of method, path and body.
        public var fingerprint: Data
        /// Seals the stored answer. Derived from the client's key, which only the client and this
        /// request know, so the answers of a join or a meeting's creation (which carry tokens) are
        /// of no use to anyone who reads the table.
        private let sealingKey: SymmetricKey

        public init(token: String?, key: String, method: String, path: String, body: [UInt8]) {
            self.scope = token.map { Data(SHA256.hash(data: Data($0.utf8))) } ?? Data()
            self.key = Data(SHA256.hash(data: Data(key.utf8))).hexString
            var hasher = SHA256()
            hasher.update(data: Data("\(method) \(path)\n".utf8))
            hasher.update(data: body)
            self.fingerprint = Data(hasher.finalize())
            self.sealingKey = HKDF<SHA256>.deriveKey(
                inputKeyMaterial: SymmetricKey(data: Data(key.utf8)), salt: scope,
                info: Data("breakout idempotent answer".utf8), outputByteCount: 32)
        }

        /// The answer as the table stores it: `{"sealed": base64}` (ChaCha20-Poly1305).
        func seal(_ answer: JSONValue) throws -> String {
            let box = try ChaChaPoly.seal(try JSONEncoder().encode(answer), using: sealingKey)
            return String(decoding: try JSONEncoder().encode(JSONValue.object(["sealed": .string(box.combined.base64EncodedString())])), as: UTF8.self)
        }

        /// The stored answer, opened. (Rows without a seal hold answers without tokens.)
        func open(_ stored: JSONValue) throws -> JSONValue {
            guard let sealed = stored["sealed"]?.stringValue else { return stored }
            guard let combined = Data(base64Encoded: sealed),
                  let plain = try? ChaChaPoly.open(ChaChaPoly.SealedBox(combined: combined), using: sealingKey)
            else { throw StoreError.replayFailed }
            return try JSONDecoder().decode(JSONValue.self, from: plain)
        }
    }

}

extension MeetingStore {
    /// Claims an idempotency key inside the open transaction (creating a meeting: no meeting lock
    /// serialises it, so the key row itself does). Returns the stored result of
    /// an earlier request with the same key (the caller then rolls back and returns it), or nil
    /// when this request is the first (its result is stored by `storeIdempotentResult`).
    func claimIdempotencyKey(_ claim: Idempotency.Claim, on connection: PostgresConnection) async throws -> JSONValue? {
        // A concurrent first attempt with the same key makes this wait until it commits or rolls back.
        var inserted = false
        for try await _ in try await connection.query(
            """
            INSERT INTO idempotency_keys (scope, key, fingerprint) VALUES (\(claim.scope), \(claim.key), \(claim.fingerprint))
            ON CONFLICT (scope, key) DO NOTHING RETURNING 1
            """, logger: logger).decode(Int.self) { inserted = true }
        if inserted { return nil }
        for try await (fingerprint, result) in try await connection.query(
            "SELECT fingerprint, result::text FROM idempotency_keys WHERE scope = \(claim.scope) AND key = \(claim.key)",
            logger: logger
        ).decode((Data, String?).self) {
            guard fingerprint == claim.fingerprint else { throw StoreError.keyReused }
            return try result.map { try claim.open(JSONDecoder().decode(JSONValue.self, from: Data($0.utf8))) } ?? .null
        }
        return nil
    }

    func storeIdempotentResult(_ claim: Idempotency.Claim, result: JSONValue, on connection: PostgresConnection) async throws {
        let text = try claim.seal(result)
        try await connection.query(
            "UPDATE idempotency_keys SET result = \(text)::jsonb WHERE scope = \(claim.scope) AND key = \(claim.key)",
            logger: logger)
    }
}

/// Results that can be stored with an idempotency key and returned again on a retry: stored as
/// their JSON (the answer clients got), read back as the command's answer type.
public protocol IdempotentResult: Codable, Sendable {}

extension IdempotentResult {
    func storedForm() throws -> JSONValue { try JSONValueEncoder().encode(self) }

    init(storedForm: JSONValue) throws {
        do {
            self = try JSONDecoder.breakout.decode(Self.self, from: storedForm)
        } catch {
            throw StoreError.replayFailed
        }
    }
}

/// A stored answer as read from the table, before it is read as its command's answer type.
extension JSONValue: IdempotentResult {}

extension Array: IdempotentResult where Element: IdempotentResult {}
extension Room: IdempotentResult {}
extension RoomRenamed: IdempotentResult {}
extension OptionsChanged: IdempotentResult {}
extension Assignment: IdempotentResult {}
extension BreakoutOpened: IdempotentResult {}
extension Breakout: IdempotentResult {}
extension BreakoutCreation: IdempotentResult {}
extension BreakoutRules.CloseOutcome: IdempotentResult {}
extension ParticipantMoved: IdempotentResult {}
extension Broadcast: IdempotentResult {}
extension HelpRequest: IdempotentResult {}
extension MuteChanged: IdempotentResult {}
extension Preassignment: IdempotentResult {}
extension RoleChanged: IdempotentResult {}

/// The answer of a command that answers nothing (204), stored as `null`.
public struct NoContent: IdempotentResult {
    public init() {}
    public init(from decoder: any Decoder) throws {}
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encodeNil()
    }
}
