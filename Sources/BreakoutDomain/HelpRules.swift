public import Foundation

/// The states of a help request.
public enum HelpStatus: String, Sendable, Codable {
    case open
    case taken
    case resolved
}

/// Rule 8: the help queue.
public enum HelpRules {
    /// A member in a room asks for help; at most one unresolved request each.
    /// Returns the room the request is about.
    public static func request(asker: Member, hasUnresolvedRequest: Bool) throws -> UUID {
        guard let room = asker.location else { throw DomainError.notInRoom }
        guard !hasUnresolvedRequest else { throw DomainError.helpAlreadyRequested }
        return room
    }

    public static func take(actor: Role, status: HelpStatus) throws {
        try Permission.requireManager(actor)
        switch status {
        case .open: return
        case .taken: throw DomainError.helpAlreadyTaken
        case .resolved: throw DomainError.helpAlreadyResolved
        }
    }

    /// An open or taken request may be resolved by any manager.
    public static func resolve(actor: Role, status: HelpStatus) throws {
        try Permission.requireManager(actor)
        if status == .resolved { throw DomainError.helpAlreadyResolved }
    }
}
