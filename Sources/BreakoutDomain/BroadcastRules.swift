public import Foundation

/// Rule 5 (docs/rules.md): a manager's message to everyone, or to one room, while rooms are open.
public enum BroadcastRules {
    /// The message to send; throws on a refusal.
    public static func broadcast(actor: Role, breakout: BreakoutState, message: String) throws -> String {
        try Permission.requireManager(actor)
        let message = try InputValidation.broadcastMessage(message)
        guard breakout.status.roomsAreOpen else { throw DomainError.breakoutNotOpen }
        return message
    }

    /// The broadcast `actor` sends now, to everyone (`roomId` nil) or to one room.
    public static func broadcast(actor: Member, breakout: BreakoutState, message: String, roomId: UUID?, now: Date) throws -> Broadcast {
        Broadcast(message: try broadcast(actor: actor.role, breakout: breakout, message: message), roomId: roomId, from: actor.id, sentAt: now)
    }
}
