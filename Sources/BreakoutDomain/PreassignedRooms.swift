public import Foundation

/// Creating rooms in `preassigned` mode (docs/rules.md, rule 1): the rooms a pre-assignment list makes and who goes where.
public enum PreassignedRooms {
    /// The list's room names, each once, in the order they first appear.
    public static func distinctRooms(_ list: [Preassignment]) -> [String] {
        var seen = Set<String>()
        return list.compactMap { seen.insert($0.room).inserted ? $0.room : nil }
    }

    /// A member of the meeting as a list may name them.
    public struct Person: Sendable, Equatable {
        public var id: UUID
        /// The email a list may match: any email of someone who is not signed in, a signed-in
        /// person's only when their provider verified it.
        public var email: String?
        /// The provider's subject of a signed-in person; nil for anyone else (nobody can claim one
        /// by typing it).
        public var subject: String?

        public init(id: UUID, email: String?, subject: String?) {
            self.id = id
            self.email = email
            self.subject = subject
        }
    }

    /// The rooms: one per distinct name of the list, then empty "Breakout room N" rooms up to
    /// `roomCount` (N is the room's position, or the next free number when a listed room already
    /// has that name). A `roomCount` below the number of listed rooms does not drop any: the list
    /// is the host's intent, so there are `max(roomCount, distinct names)` rooms.
    ///
    /// `members` are the meeting's members in join order; each the list names (see `listedRoom`)
    /// is assigned to that room.
    public static func plan(
        list: [Preassignment], members: [Person], roomCount: Int
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
        let roomOf = Dictionary(list.map { ($0.member, $0.room) }, uniquingKeysWith: { first, _ in first })
        var assignments = Array(repeating: [UUID](), count: names.count)
        for member in members {
            guard let room = listedRoom(of: member, in: roomOf), let index = roomIndex[room] else { continue }
            assignments[index].append(member.id)
        }
        return (names, assignments)
    }

    /// The room a list names for a person: by their subject first, the provider's stable name for
    /// them, then by their email (lower-cased). A person listed both ways, in two rooms, goes
    /// where their subject says (the email may be an old one); the store places late joiners by
    /// the same rule.
    public static func listedRoom(of person: Person, in roomOf: [Preassignment.Member: String]) -> String? {
        if let subject = person.subject, let room = roomOf[.subject(subject)] { return room }
        if let email = person.email, let room = roomOf[.email(email.lowercased())] { return room }
        return nil
    }
}
