public import Foundation

/// The states of a help request.
public enum HelpStatus: String, Sendable, Codable {
    case open
    case taken
    case resolved
}

/// Rule 8 (docs/rules.md): the help queue.
public enum HelpRules {
    /// The request `asker` makes now, as `id`.
    public static func request(asker: Member, hasUnresolvedRequest: Bool, id: UUID, now: Date) throws -> HelpRequest {
        let room = try request(asker: asker, hasUnresolvedRequest: hasUnresolvedRequest)
        return HelpRequest(id: id, participantId: asker.id, roomId: room, status: .open, takenBy: nil, createdAt: now)
    }

    /// A manager takes an open request: it is now theirs.
    public static func take(_ request: HelpRequest, by actor: UUID, role: Role) throws -> HelpWorked {
        try take(actor: role, status: request.status)
        var taken = request
        taken.status = .taken
        taken.takenBy = actor
        return HelpWorked(request: taken, by: actor)
    }

    /// A manager resolves an open or taken request (who took it stays on record).
    public static func resolve(_ request: HelpRequest, by actor: UUID, role: Role) throws -> HelpWorked {
        try resolve(actor: role, status: request.status)
        var resolved = request
        resolved.status = .resolved
        return HelpWorked(request: resolved, by: actor)
    }

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
