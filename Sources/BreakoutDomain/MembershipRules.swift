/// Rules 10 and 11 (docs/rules.md): leave, remove, roles, end.
public enum MembershipRules {
    /// A member leaves (`actor == target`) or the host removes someone: the event that says which.
    @discardableResult
    public static func remove(actor: Member, target: Member) throws -> DomainEvent {
        if actor.id == target.id {
            guard actor.role != .host else { throw DomainError.hostCannotLeave }
            return DomainEvent(.participantLeft(ParticipantLeft(participantId: target.id, reason: .left)))
        }
        try Permission.requireHost(actor.role)
        return DomainEvent(.participantLeft(ParticipantLeft(participantId: target.id, reason: .removed)))
    }

    /// The host appoints or demotes co-hosts: the `role_changed` event, nil when the role is
    /// already `role`.
    public static func setRole(actor: Role, target: Member, role: Role) throws -> DomainEvent? {
        try Permission.requireHost(actor)
        guard role != .host else { throw DomainError.invalid("role", "must be cohost or participant") }
        guard target.role != .host else { throw DomainError.cannotChangeHost }
        guard target.role != role else { return nil }
        return DomainEvent(.roleChanged(RoleChanged(participantId: target.id, role: role)))
    }

    /// Only the host ends the meeting.
    public static func end(actor: Role) throws {
        try Permission.requireHost(actor)
    }
}
