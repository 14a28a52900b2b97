/// Bounds on user input that the rules enforce. `maxRooms` is a server setting.
public struct Limits: Sendable, Equatable {
    /// Most rooms a breakout may have (docs/rules.md, rule 1: `roomCount` is 1 to this). Default 100.
    public var maxRooms: Int
    /// Most people a meeting may have besides its host (co-hosts count): the next join is 409
    /// `meeting_full`. A server setting. Default 1000, a 1000-person lecture and its teacher.
    public var maxParticipants: Int
    public static let displayNameLength = 1...64
    public static let roomNameLength = 1...64
    public static let titleLength = 1...200
    public static let emailLength = 3...254
    public static let broadcastLength = 1...140
    public static let timerSeconds = 1...86_400
    public static let closeCountdownSeconds = 0...300
    /// People per room when a breakout is asked for by room size (docs/rules.md, rule 1).
    public static let roomSize = 2...50
    /// A rotation's seed: 32 bits, an integer every JSON reader holds exactly.
    public static let seed = 0...4_294_967_295

    public init(maxRooms: Int = 100, maxParticipants: Int = 1000) {
        self.maxRooms = maxRooms
        self.maxParticipants = maxParticipants
    }
}
