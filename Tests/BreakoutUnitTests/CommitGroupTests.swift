@testable import BreakoutStore
import BreakoutTestSupport
import Synchronization
import Testing

/// `CommitGroup` without a database: who waits, who goes together, who gets which output.
@Suite("Commit group")
struct CommitGroupTests {
    /// Work that records each group it runs and holds work 0 until `release` is called.
    final class Recorder: Sendable {
        let groups = Mutex<[[Int]]>([])
        private let gate = AsyncStream<Void>.makeStream()

        func execute(_ works: [Int]) async -> [Int] {
            groups.withLock { $0.append(works) }
            if works.contains(0) { for await _ in gate.stream { break } }
            return works.map { $0 * 10 }
        }

        func release() { gate.continuation.finish() }
    }

    func submit(_ work: Int, to group: CommitGroup<Int, Int>, _ recorder: Recorder) -> Task<Int, Never> {
        Task { await group.submit(work) { await recorder.execute($0) } }
    }

    /// Starts work 0, which holds its slot until `release`, and waits until it runs.
    func hold(_ group: CommitGroup<Int, Int>, _ recorder: Recorder) async throws -> Task<Int, Never> {
        let first = submit(0, to: group, recorder)
        try await eventually("work 0 to run") { recorder.groups.withLock { $0.count } == 1 }
        return first
    }

    /// Submits works 1…5 and waits until all of them wait for a slot.
    func queueFive(_ group: CommitGroup<Int, Int>, _ recorder: Recorder) async throws -> [Task<Int, Never>] {
        let others = (1...5).map { submit($0, to: group, recorder) }
        try await eventually("five works waiting") { group.waitingCount == 5 }
        return others
    }

    @Test("while every slot is busy, arriving work waits and then goes together, each answered with its own output")
    func waitingWorkGoesTogether() async throws {
        let group = CommitGroup<Int, Int>(maxWork: 32, maxGroups: 1)
        let recorder = Recorder()
        let first = try await hold(group, recorder)
        let others = try await queueFive(group, recorder)
        recorder.release()
        #expect(await first.value == 0)
        for (index, task) in others.enumerated() { #expect(await task.value == (index + 1) * 10) }
        let groups = recorder.groups.withLock { $0 }
        #expect(groups.count == 2)
        #expect(groups.last.map(Set.init) == Set(1...5))
    }

    @Test("with a slot free, work runs at once and alone: an idle node adds no wait")
    func freeSlotRunsAtOnce() async throws {
        let group = CommitGroup<Int, Int>(maxWork: 32, maxGroups: 2)
        let recorder = Recorder()
        let first = try await hold(group, recorder)
        // Work 0 still holds its slot; work 7 takes the other one and finishes first.
        #expect(await submit(7, to: group, recorder).value == 70)
        #expect(recorder.groups.withLock { $0 } == [[0], [7]])
        recorder.release()
        #expect(await first.value == 0)
    }

    @Test("a group takes at most maxWork, and the rest form the next groups")
    func groupsAreBounded() async throws {
        let group = CommitGroup<Int, Int>(maxWork: 2, maxGroups: 1)
        let recorder = Recorder()
        let first = try await hold(group, recorder)
        let others = try await queueFive(group, recorder)
        recorder.release()
        _ = await first.value
        for task in others { _ = await task.value }
        #expect(recorder.groups.withLock { $0.map(\.count) } == [1, 2, 2, 1])
        #expect(group.waitingCount == 0)
    }

    @Test("a group the database refused turns the waiting works away at once, with the refusal, instead of a turn each")
    func refusalTurnsWaitingAway() async throws {
        // Work 0's output (0) is the refusal; a work turned away gets minus itself.
        let group = CommitGroup<Int, Int>(maxWork: 2, maxGroups: 1, refusal: .init(isRefusal: { $0 == 0 }, refuse: { -$0 }))
        let recorder = Recorder()
        let first = try await hold(group, recorder)
        let others = try await queueFive(group, recorder)
        recorder.release()
        #expect(await first.value == 0)
        for (index, task) in others.enumerated() { #expect(await task.value == -(index + 1)) }
        #expect(recorder.groups.withLock { $0 } == [[0]], "no work ran after the refusal")
        // The slot is free again: the next work runs.
        #expect(await submit(9, to: group, recorder).value == 90)
    }
}
