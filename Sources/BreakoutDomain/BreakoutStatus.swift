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
    /// Rooms of a given size or count, splitting up pairs who already shared a room in this meeting.
    case rotate
    /// The rooms and groups of the previous breakout of this meeting.
    case keep

    /// The modes that assign the participants present when the breakout is created.
    public var assignsParticipants: Bool { self == .automatic || self == .rotate || self == .keep }
}
