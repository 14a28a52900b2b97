public import Foundation

/// Spreads participants over rooms so that room sizes differ by at most one.
public enum AutomaticSpread {
    /// Deals `participants` (in the given order) round-robin into `roomCount` rooms.
    /// Room `i` gets `participants[i], participants[i + roomCount], …`.
    public static func spread(_ participants: [UUID], into roomCount: Int) -> [[UUID]] {
        precondition(roomCount > 0)
        var rooms = Array(repeating: [UUID](), count: roomCount)
        for (index, participant) in participants.enumerated() {
            rooms[index % roomCount].append(participant)
        }
        return rooms
    }

    /// The room a late joiner goes to: the one with the fewest assigned participants,
    /// the first by position on a tie. `rooms` is in position order.
    public static func leastPopulated(_ rooms: [(id: UUID, assigned: Int)]) -> UUID? {
        var best: (id: UUID, assigned: Int)?
        for room in rooms where best == nil || room.assigned < best!.assigned {
            best = room
        }
        return best?.id
    }
}
