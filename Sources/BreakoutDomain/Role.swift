/// A participant's role in a meeting. A meeting has exactly one host, its creator.
public enum Role: String, Sendable, Codable, CaseIterable {
    case host
    case cohost
    case participant

    /// Hosts and co-hosts manage the meeting's breakout rooms.
    public var isManager: Bool { self != .participant }
}
