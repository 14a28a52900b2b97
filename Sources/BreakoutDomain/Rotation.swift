public import Foundation

/// Rotation with memory (docs/rules.md, rule 1, `rotate`): splits people into rooms of given sizes
/// so that as few pairs as possible share a room again who already shared one in an earlier group.
///
/// A seeded random split is the start; a local search then swaps people between rooms while a
/// swap lowers the number of repeated pairs, with bounded work. Swaps keep every room's size, so
/// the sizes are those asked for. Everything random comes from `SeededGenerator`, so the same
/// seed gives the same split.
public enum Rotation {
    /// The split and how good it is.
    public struct Outcome: Sendable, Equatable {
        /// One list per room, in room order.
        public var groups: [[UUID]]
        /// Pairs in the same room of `groups` who already shared an earlier group.
        public var repeatedPairs: Int
        /// The repeated pairs of the seeded random split the search started from (the baseline).
        public var randomRepeatedPairs: Int
    }

    /// Room sizes for `people` over `roomCount` rooms, differing by at most one: the first
    /// `people % roomCount` rooms take one more.
    public static func roomSizes(people: Int, roomCount: Int) -> [Int] {
        precondition(roomCount > 0)
        return (0..<roomCount).map { people / roomCount + ($0 < people % roomCount ? 1 : 0) }
    }

    /// The number of rooms for rooms of `roomSize`: ⌈people / roomSize⌉, at least 1.
    public static func roomCount(people: Int, roomSize: Int) -> Int {
        precondition(roomSize > 0)
        return max(1, (people + roomSize - 1) / roomSize)
    }

    /// The seeded random split: `people` shuffled with `seed`, then dealt in order into rooms of `roomSizes`.
    public static func randomSplit(_ people: [UUID], roomSizes: [Int], seed: UInt64) -> [[UUID]] {
        var generator = SeededGenerator(seed: seed)
        return deal(generator.shuffled(people), into: roomSizes)
    }

    /// The pairs within each room of `groups` who share one of `earlierGroups`, each pair counted once.
    public static func repeatedPairs(in groups: [[UUID]], earlierGroups: [Set<UUID>]) -> Int {
        let people = groups.flatMap { $0 }
        let met = MetPairs(people: people, earlierGroups: earlierGroups)
        var index = 0
        var count = 0
        for group in groups {
            let members = Array(index..<(index + group.count))
            index += group.count
            for (position, a) in members.enumerated() {
                for b in members[(position + 1)...] where met.have(a, b) { count += 1 }
            }
        }
        return count
    }

    /// Splits `people` into rooms of `roomSizes` (which must add up to `people.count`) with as few
    /// pairs as the search finds who already share one of `earlierGroups`; never more than the
    /// seeded random split of the same people and seed.
    public static func split(
        _ people: [UUID], roomSizes: [Int], earlierGroups: [Set<UUID>], seed: UInt64
    ) -> Outcome {
        precondition(roomSizes.reduce(0, +) == people.count, "room sizes must add up to the people")
        var generator = SeededGenerator(seed: seed)
        let start = deal(generator.shuffled(people), into: roomSizes)
        let order = start.flatMap { $0 }
        var search = SwapSearch(
            met: MetPairs(people: order, earlierGroups: earlierGroups), roomSizes: roomSizes, generator: generator)
        let randomRepeatedPairs = search.cost
        search.run()
        var groups = roomSizes.map { _ in [UUID]() }
        for (person, room) in search.best.enumerated() { groups[room].append(order[person]) }
        return Outcome(groups: groups, repeatedPairs: search.bestCost, randomRepeatedPairs: randomRepeatedPairs)
    }

    static func deal(_ people: [UUID], into roomSizes: [Int]) -> [[UUID]] {
        var rest = people[...]
        return roomSizes.map { size in
            defer { rest = rest.dropFirst(size) }
            return Array(rest.prefix(size))
        }
    }
}

/// Who already shared a group with whom, among `people` (by their index in that list).
struct MetPairs {
    let count: Int
    /// `count × count` flags: 1 where the two already shared a group.
    private var flags: [UInt8]
    /// For each person, the others it already met: a swap updates only these.
    private(set) var neighbours: [[Int]]

    init(people: [UUID], earlierGroups: [Set<UUID>]) {
        count = people.count
        flags = Array(repeating: 0, count: count * count)
        neighbours = Array(repeating: [], count: count)
        var index: [UUID: Int] = [:]
        for (position, person) in people.enumerated() { index[person] = position }
        for group in earlierGroups {
            // Sorted, so that the neighbour lists are in the same order whatever the set's order.
            let present = group.compactMap { index[$0] }.sorted()
            for (position, a) in present.enumerated() {
                for b in present[(position + 1)...] where flags[a * count + b] == 0 {
                    flags[a * count + b] = 1
                    flags[b * count + a] = 1
                    neighbours[a].append(b)
                    neighbours[b].append(a)
                }
            }
        }
    }

    func have(_ a: Int, _ b: Int) -> Bool { flags[a * count + b] != 0 }
}

/// Local search over swaps of two people in different rooms, keeping room sizes.
struct SwapSearch {
    /// Swaps looked at before the search stops: about 6 ns each in a release build, so 4 million
    /// bound it near 25 ms (300 people in rooms of 10 after 20 rounds, where repeats cannot all be
    /// avoided, take 23 ms); 300 people in trios after 20 rounds reach no repeat in about 1 ms.
    static let evaluationBudget = 4_000_000
    /// Passes over the people in a repeated pair without a new best before the search stops:
    /// beyond about 40 a further pass rarely finds one (measured on 30 people in rooms of 5).
    static let patience = 40

    let met: MetPairs
    let roomCount: Int
    var generator: SeededGenerator
    /// Each person's room.
    var room: [Int]
    /// `clashes[p * roomCount + r]`: how many people in room `r` (other than `p`) `p` already met.
    var clashes: [Int]
    var cost: Int
    private(set) var best: [Int]
    private(set) var bestCost: Int

    init(met: MetPairs, roomSizes: [Int], generator: SeededGenerator) {
        self.met = met
        self.generator = generator
        roomCount = roomSizes.count
        room = roomSizes.enumerated().flatMap { index, size in Array(repeating: index, count: size) }
        clashes = Array(repeating: 0, count: met.count * roomSizes.count)
        var doubled = 0
        for person in 0..<met.count {
            for other in met.neighbours[person] {
                clashes[person * roomCount + room[other]] += 1
                if room[other] == room[person] { doubled += 1 }
            }
        }
        cost = doubled / 2
        best = room
        bestCost = cost
    }

    func clashesHere(_ person: Int) -> Int { clashes[person * roomCount + room[person]] }

    /// The change in repeated pairs if `a` and `b` (in different rooms) swap rooms.
    func delta(_ a: Int, _ b: Int) -> Int {
        let roomA = room[a], roomB = room[b]
        let together = met.have(a, b) ? 2 : 0
        return clashes[b * roomCount + roomA] + clashes[a * roomCount + roomB] - together
            - clashes[a * roomCount + roomA] - clashes[b * roomCount + roomB]
    }

    mutating func move(_ person: Int, to destination: Int) {
        let origin = room[person]
        for other in met.neighbours[person] {
            clashes[other * roomCount + origin] -= 1
            clashes[other * roomCount + destination] += 1
        }
        room[person] = destination
    }

    mutating func swap(_ a: Int, _ b: Int) {
        cost += delta(a, b)
        let roomA = room[a]
        move(a, to: room[b])
        move(b, to: roomA)
    }

    /// Each pass takes the people still in a repeated pair, in a seeded order, and swaps each with
    /// whoever lowers the count most (or, when none does, keeps it: a sideways swap lets the search
    /// cross plateaus). A pass without a new best ends with one random swap to leave a local minimum.
    mutating func run() {
        let people = met.count
        guard roomCount > 1, people > 1 else { return }
        var evaluations = 0
        var passesWithoutBest = 0
        while bestCost > 0, evaluations < Self.evaluationBudget, passesWithoutBest < Self.patience {
            let troubled = generator.shuffled((0..<people).filter { clashesHere($0) > 0 })
            for a in troubled where clashesHere(a) > 0 && evaluations < Self.evaluationBudget {
                let offset = generator.next(below: people)
                var chosen = -1
                var chosenDelta = 1
                for step in 0..<people {
                    let b = (offset + step) % people
                    guard room[b] != room[a] else { continue }
                    let change = delta(a, b)
                    if change < chosenDelta {
                        chosen = b
                        chosenDelta = change
                    }
                }
                evaluations += people
                if chosen >= 0 { swap(a, chosen) }
            }
            if cost < bestCost {
                best = room
                bestCost = cost
                passesWithoutBest = 0
            } else {
                passesWithoutBest += 1
                kick()
            }
        }
    }

    /// One random swap of someone in a repeated pair, whatever it costs.
    private mutating func kick() {
        let troubled = (0..<met.count).filter { clashesHere($0) > 0 }
        guard !troubled.isEmpty else { return }
        let a = troubled[generator.next(below: troubled.count)]
        let others = (0..<met.count).filter { room[$0] != room[a] }
        guard !others.isEmpty else { return }
        swap(a, others[generator.next(below: others.count)])
    }
}

/// SplitMix64 (Steele, Lea and Flood, 2014): a small generator with a 64-bit state, good enough to
/// shuffle people and the same on every platform and Swift version, unlike the standard library's
/// shuffle, whose use of a generator is not specified.
public struct SeededGenerator: Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound`; the modulo bias is below bound / 2⁶⁴, nothing for a few hundred people.
    public mutating func next(below bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next() % UInt64(bound))
    }

    /// `items` in a seeded order (Fisher–Yates).
    public mutating func shuffled<Item>(_ items: [Item]) -> [Item] {
        var items = items
        var index = items.count - 1
        while index > 0 {
            items.swapAt(index, next(below: index + 1))
            index -= 1
        }
        return items
    }
}
