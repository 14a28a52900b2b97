public import Foundation

/// Creating rooms in `preassigned` mode (docs/rules.md, rule 1): the rooms a pre-assignment list makes and who goes where.
public enum PreassignedRooms {
    /// The list's room names, each once, in the order they first appear.
    public static func distinctRooms(_ list: [Preassignment]) -> [String] {
        var seen = Set<String>()
        return list.compactMap { seen.insert($0.room).inserted ? $0.room : nil }
    }

    /// The rooms: one per distinct name of the list, then empty "Breakout room N" rooms up to
    /// `roomCount` (N is the room's position, or the next free number when a listed room already
    /// has that name). A `roomCount` below the number of listed rooms does not drop any: the list
    /// is the host's intent, so there are `max(roomCount, distinct names)` rooms.
    ///
    /// `members` are the meeting's members with an email, in join order; each whose email is on
    /// the list (emails are lower-cased on both sides) is assigned to that room.
    public static func plan(
        list: [Preassignment], members: [(id: UUID, email: String)], roomCount: Int
    ) -> (roomNames: [String], assignments: [[UUID]]) {
        var names = distinctRooms(list)
        var taken = Set(names)
        var number = names.count
        while names.count < roomCount {
            number += 1
            let name = BreakoutRules.defaultRoomName(number)
            if taken.insert(name).inserted { names.append(name) }
        }
        let roomIndex = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let roomOfEmail = Dictionary(list.map { ($0.email, $0.room) }, uniquingKeysWith: { first, _ in first })
        var assignments = Array(repeating: [UUID](), count: names.count)
        for member in members {
            guard let room = roomOfEmail[member.email.lowercased()], let index = roomIndex[room] else { continue }
            assignments[index].append(member.id)
        }
        return (names, assignments)
    }
}
