// The rotation's speed and quality beside a random split (docs/BENCHMARKS.md, "Rotation"):
//
//     swift build -c release --scratch-path .build-release --product rotation-bench
//     .build-release/release/rotation-bench
//
// Pure domain code on one core: no server, no database.
import BreakoutDomain
import Foundation

func people(_ count: Int) -> [UUID] {
    (0..<count).map { UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", $0 + 1))! }
}

func sizes(people: Int, roomSize: Int) -> [Int] {
    Rotation.roomSizes(people: people, roomCount: Rotation.roomCount(people: people, roomSize: roomSize))
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15
}

/// Median, p99 and maximum of `runs` timings of `body`, in milliseconds.
func timings(runs: Int, _ body: (UInt64) -> Void) -> String {
    let clock = ContinuousClock()
    let times = (0..<runs).map { run in milliseconds(clock.measure { body(UInt64(run)) }) }.sorted()
    let p99 = times[min(times.count - 1, times.count * 99 / 100)]
    return String(format: "median %.2f ms, p99 %.2f ms, max %.2f ms", times[times.count / 2], p99, times.last!)
}

/// `rounds` splits, each the history of the next: the rotation's own, or random ones.
func history(_ people: [UUID], roomSize: Int, rounds: Int, rotated: Bool) -> [Set<UUID>] {
    let roomSizes = sizes(people: people.count, roomSize: roomSize)
    var groups: [Set<UUID>] = []
    for round in 0..<rounds {
        let split = rotated
            ? Rotation.split(people, roomSizes: roomSizes, earlierGroups: groups, seed: UInt64(round)).groups
            : Rotation.randomSplit(people, roomSizes: roomSizes, seed: 10_000 + UInt64(round))
        groups += split.map(Set.init)
    }
    return groups
}

let runs = 200
let lecture = people(300)
let trios = sizes(people: 300, roomSize: 3)
for rotated in [false, true] {
    let earlier = history(lecture, roomSize: 3, rounds: 20, rotated: rotated)
    var repeated: [Int] = []
    var random: [Int] = []
    let rotation = timings(runs: runs) { seed in
        let outcome = Rotation.split(lecture, roomSizes: trios, earlierGroups: earlier, seed: seed)
        repeated.append(outcome.repeatedPairs)
        random.append(outcome.randomRepeatedPairs)
    }
    let baseline = timings(runs: runs) { seed in
        _ = Rotation.repeatedPairs(in: Rotation.randomSplit(lecture, roomSizes: trios, seed: seed), earlierGroups: earlier)
    }
    print("300 people in trios after 20 \(rotated ? "rotated" : "random") rounds, \(runs) seeds")
    print("  rotate: \(rotation); repeated pairs mean \(Double(repeated.reduce(0, +)) / Double(runs)), max \(repeated.max()!)")
    print("  random: \(baseline); repeated pairs mean \(Double(random.reduce(0, +)) / Double(runs))")
}

// The search's worst case: repeats that cannot all be avoided, so it runs until its bounds.
let tens = sizes(people: 300, roomSize: 10)
let crowded = history(lecture, roomSize: 10, rounds: 20, rotated: true)
var crowdedRepeats: [(Int, Int)] = []
let crowdedTime = timings(runs: 20) { seed in
    let outcome = Rotation.split(lecture, roomSizes: tens, earlierGroups: crowded, seed: seed)
    crowdedRepeats.append((outcome.repeatedPairs, outcome.randomRepeatedPairs))
}
print("300 people in rooms of 10 after 20 rotated rounds, 20 seeds")
print("  rotate: \(crowdedTime); repeated pairs mean \(Double(crowdedRepeats.map(\.0).reduce(0, +)) / 20), random's \(Double(crowdedRepeats.map(\.1).reduce(0, +)) / 20)")

// 10 rounds of 30 people in rooms of 5, each round's rotation the history of the next.
let seminar = people(30)
let fives = sizes(people: 30, roomSize: 5)
var totals: [(repeated: Int, random: Int)] = []
let seminarTime = timings(runs: 40) { seed in
    var earlier: [Set<UUID>] = []
    var total = (repeated: 0, random: 0)
    for round in 0..<10 {
        let outcome = Rotation.split(seminar, roomSizes: fives, earlierGroups: earlier, seed: seed &* 100 &+ UInt64(round))
        total.repeated += outcome.repeatedPairs
        total.random += outcome.randomRepeatedPairs
        earlier += outcome.groups.map(Set.init)
    }
    totals.append(total)
}
let repeatedTotals = totals.map(\.repeated)
let randomTotals = totals.map(\.random)
print("10 rounds of 30 people in rooms of 5, 40 seeds (all 10 rounds: \(seminarTime))")
print("  rotate: total repeated pairs \(repeatedTotals.min()!)–\(repeatedTotals.max()!) (at least 600 - 435 = 165 for any split)")
print("  random: total repeated pairs \(randomTotals.min()!)–\(randomTotals.max()!), mean \(Double(randomTotals.reduce(0, +)) / 40)")
