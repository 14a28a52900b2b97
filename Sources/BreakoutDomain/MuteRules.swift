/// Host mutes (docs/rules.md, rule 9). Anyone managing may set one; lifting it needs a manager in the same location.
public enum MuteRules {
    /// Returns false when the target is already in that state (nothing to do).
    public static func setMute(actor: Member, target: Member, muted: Bool) throws -> Bool {
        guard actor.role.isManager else {
            throw actor.id == target.id && !muted ? DomainError.cannotUnmuteSelf : DomainError.forbiddenNotManager
        }
        if target.mutedByHost == muted { return false }
        if !muted, actor.location != target.location { throw DomainError.notInSameRoom }
        return true
    }

    /// "Lift all mutes": a manager lifts every mute in its own location (the only ones it may lift).
    public static func unmuteAll(actor: Member) throws {
        try Permission.requireManager(actor.role)
    }
}
