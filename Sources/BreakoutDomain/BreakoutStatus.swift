/// The life cycle of a meeting's set of breakout rooms:
/// `none` → `ready` → `open` → `closing` → `ready` (again), or discarded back to `none`.
public enum BreakoutStatus: String, Sendable, Codable, CaseIterable {
    case none
    case ready
    case open
    case closing

    /// Rooms exist (whether or not they are open).
    public var hasRooms: Bool { self != .none }
    /// Rooms are open to people (open, or closing while the countdown runs).
    public var roomsAreOpen: Bool { self == .open || self == .closing }
}

/// How participants get their rooms when the breakout is created.
public enum BreakoutMode: String, Sendable, Codable, CaseIterable {
    case automatic
    case manual
    case selfSelect = "self_select"
    case preassigned
}
