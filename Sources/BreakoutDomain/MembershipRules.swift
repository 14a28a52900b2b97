/// Rules 10 and 11: leave, remove, roles, end.
public enum MembershipRules {
    /// A member leaves (`actor == target`) or the host removes someone.
    public static func remove(actor: Member, target: Member) throws {
        if actor.id == target.id {
            guard actor.role != .host else { throw DomainError.hostCannotLeave }
            return
        }
        try Permission.requireHost(actor.role)
    }

    /// The host appoints or demotes co-hosts. Returns false when the role is already `role`.
    public static func setRole(actor: Role, target: Member, role: Role) throws -> Bool {
        try Permission.requireHost(actor)
        guard role != .host else { throw DomainError.invalid("role", "must be cohost or participant") }
        guard target.role != .host else { throw DomainError.cannotChangeHost }
        return target.role != role
    }

    /// Only the host ends the meeting.
    public static func end(actor: Role) throws {
        try Permission.requireHost(actor)
    }
}
