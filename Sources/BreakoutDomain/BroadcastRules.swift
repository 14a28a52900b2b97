/// Rule 5: a manager's message to everyone, or to one room, while rooms are open.
public enum BroadcastRules {
    /// Returns the message to send; throws on a refusal.
    public static func broadcast(actor: Role, breakout: BreakoutState, message: String) throws -> String {
        try Permission.requireManager(actor)
        let message = try InputValidation.broadcastMessage(message)
        guard breakout.status.roomsAreOpen else { throw DomainError.breakoutNotOpen }
        return message
    }
}
