public import Foundation

/// What the rules need to know about one person in a meeting.
public struct Member: Sendable, Equatable {
    public var id: UUID
    public var role: Role
    /// nil is the main room.
    public var location: UUID?
    public var assignedRoomId: UUID?
    public var mutedByHost: Bool

    public init(id: UUID, role: Role, location: UUID? = nil, assignedRoomId: UUID? = nil, mutedByHost: Bool = false) {
        self.id = id
        self.role = role
        self.location = location
        self.assignedRoomId = assignedRoomId
        self.mutedByHost = mutedByHost
    }
}

/// What the rules need to know about a meeting's breakout rooms.
public struct BreakoutState: Sendable, Equatable {
    public var status: BreakoutStatus
    public var mode: BreakoutMode
    public var options: BreakoutOptions

    public init(status: BreakoutStatus, mode: BreakoutMode = .manual, options: BreakoutOptions = .init()) {
        self.status = status
        self.mode = mode
        self.options = options
    }

    /// A meeting without breakout rooms.
    public static let none = BreakoutState(status: .none)
}

/// Permission checks shared by every rule.
public enum Permission {
    public static func requireManager(_ role: Role) throws {
        guard role.isManager else { throw DomainError.forbiddenNotManager }
    }

    public static func requireHost(_ role: Role) throws {
        guard role == .host else { throw DomainError.forbiddenNotHost }
    }
}
