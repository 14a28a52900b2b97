/// A failure of the database, or of the store's own bookkeeping, with a stable `code` (the rules'
/// refusals are `DomainError`s). The server says which status each code is answered with.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        /// The database cannot be reached, or went away during the request: retry with the same key.
        case databaseUnavailable = "database_unavailable"
        /// One Idempotency-Key on two different requests.
        case idempotencyKeyReused = "idempotency_key_reused"
        /// A stored answer could not be read back.
        case idempotencyReplayFailed = "idempotency_replay_failed"
        /// A constraint the rules should have kept was violated: the meeting changed meanwhile.
        case conflict
        /// A value PostgreSQL cannot store.
        case invalidValue = "invalid_value"
        /// No free meeting code was found in a few tries.
        case codeExhausted = "code_exhausted"
        /// A bug: a command that was never answered or that broke a rule of the store.
        case internalError = "internal_error"
    }

    public var code: Code
    public var detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code.rawValue): \(detail)" }

    /// No database connection could be had in time (an outage): retry shortly, nothing was applied.
    public static let databaseUnavailable = Self(
        .databaseUnavailable, "The database cannot be reached right now; nothing was changed. Retry in a few seconds.")
    /// The database went away while the request ran (restart, failover, killed backend): whether
    /// it was applied is unknown, so the client sends it again with the same Idempotency-Key.
    public static let databaseConnectionLost = Self(
        .databaseUnavailable,
        "The connection to the database was lost during the request, so it may or may not have been applied. "
            + "Send it again with the same Idempotency-Key: it is applied at most once.")
    static let keyReused = Self(
        .idempotencyKeyReused, "This Idempotency-Key was used for a different request; use a new key for a new request.")
    static let replayFailed = Self(.idempotencyReplayFailed, "Stored answer unreadable.")
    static let notApplied = Self(.internalError, "The command was not applied.")
    static let notAnswered = Self(.internalError, "The command was not answered.")
    static let codeExhausted = Self(.codeExhausted, "Could not allocate a meeting code; try again.")
}
