public import Foundation

/// "Same as last time" (docs/rules.md, rule 1, `keep`): the rooms of the previous breakout, each
/// with the people present who were in it; newcomers fill the least populated rooms.
public enum PreviousGroups {
    /// `participants` are the members present with role `participant`, in join order. Someone who
    /// left leaves a gap in their old room; nobody else moves to fill it.
    public static func plan(
        previous: BreakoutHistory.EarlierBreakout, participants: [UUID]
    ) -> (roomNames: [String], assignments: [[UUID]]) {
        let rooms = previous.rooms
        let position = Dictionary(uniqueKeysWithValues: rooms.enumerated().map { ($0.element.id, $0.offset) })
        var assignments = rooms.map { _ in [UUID]() }
        var newcomers: [UUID] = []
        for person in participants {
            if let room = previous.lastRoom[person].flatMap({ position[$0] }) {
                assignments[room].append(person)
            } else {
                newcomers.append(person)
            }
        }
        for person in newcomers {
            let counts = zip(rooms, assignments).map { (id: $0.id, assigned: $1.count) }
            guard let room = AutomaticSpread.leastPopulated(counts).flatMap({ position[$0] }) else { break }
            assignments[room].append(person)
        }
        return (rooms.map(\.name), assignments)
    }
}
