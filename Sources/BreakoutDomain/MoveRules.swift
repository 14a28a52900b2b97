public import Foundation

/// A member moves itself (docs/rules.md, rule 4).
public enum MoveRules {
    /// The move `mover` makes to `destination`, and its event when it happens (none when it is
    /// already there); throws when it is refused.
    public static func moveEvent(mover: Member, to destination: UUID?, breakout: BreakoutState) throws -> (ParticipantMoved, DomainEvent?) {
        let moved = ParticipantMoved(participantId: mover.id, from: mover.location, to: destination)
        return (moved, try move(mover: mover, to: destination, breakout: breakout) ? DomainEvent(.participantMoved(moved)) : nil)
    }

    /// Whether `mover` may go to `destination` (nil = main). Returns false when it is already there
    /// (nothing to do), true when the move happens; throws when it is refused.
    public static func move(mover: Member, to destination: UUID?, breakout: BreakoutState) throws -> Bool {
        if mover.location == destination { return false }
        guard let room = destination else {
            // Back to the main room.
            if mover.role.isManager || breakout.status == .closing || !breakout.status.roomsAreOpen { return true }
            guard breakout.options.allowReturnToMain else { throw DomainError.returnNotAllowed }
            return true
        }
        switch breakout.status {
        case .none: throw DomainError.noBreakout
        case .ready: throw DomainError.breakoutNotOpen
        case .closing: throw DomainError.breakoutClosing
        case .open: break
        }
        if mover.role.isManager { return true }
        if room == mover.assignedRoomId || breakout.options.allowChooseRoom { return true }
        throw DomainError.roomNotAllowed
    }
}
