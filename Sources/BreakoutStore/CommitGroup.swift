import Synchronization

/// Group commit across meetings: batches of different meetings that wait on this node are applied
/// together, in one transaction: one `BEGIN`, one `COMMIT`, one WAL flush for all of them.
///
/// `CommandBatcher` groups the commands of one meeting; with many meetings busy at once its batches
/// are mostly of one command, and every one of them was a commit of its own (what PostgreSQL's
/// backends waited on, docs/BENCHMARKS.md). Here at most `maxGroups` transactions are in flight on
/// the node; while they are, the batches that arrive wait, and the first of them, when a
/// transaction ends, takes up to `maxWork` waiting batches for the next one. So an idle node adds
/// no wait (it does not even suspend), and a busy node commits less often.
final class CommitGroup<Work: Sendable, Output: Sendable>: Sendable {
    /// Applies the works together; returns one output per work, in their order.
    typealias Execute = @Sendable ([Work]) async -> [Output]

    /// Most batches in one transaction. Default 32.
    let maxWork: Int
    /// Most transactions in flight on the node at once. Default 4.
    let maxGroups: Int
    /// How the database's refusal shows (no connection within the bound, nothing applied): when
    /// every output of a group is one, the works waiting meanwhile get `refuse(work)` at once.
    /// Default nil: no output is a refusal.
    let refusal: Refusal?
    private let state = Mutex(State())

    private struct Waiter: Sendable {
        var work: Work
        var continuation: CheckedContinuation<Turn, Never>
    }

    private enum Turn: Sendable {
        case answered(Output)
        /// The waiter runs its own work together with these.
        case lead(others: [Waiter])
    }

    private struct State: Sendable {
        var waiting: [Waiter] = []
        var inFlight = 0

        mutating func takeSlot(of maxGroups: Int) -> Bool {
            guard inFlight < maxGroups else { return false }
            inFlight += 1
            return true
        }
    }

    struct Refusal: Sendable {
        var isRefusal: @Sendable (Output) -> Bool
        var refuse: @Sendable (Work) -> Output
    }

    init(maxWork: Int = 32, maxGroups: Int = 4, refusal: Refusal? = nil) {
        self.maxWork = maxWork
        self.maxGroups = maxGroups
        self.refusal = refusal
    }

    /// Runs `work` with whatever else waits, and returns its own output.
    func submit(_ work: Work, execute: Execute) async -> Output {
        // A free slot: run at once, without suspending.
        if state.withLock({ $0.takeSlot(of: maxGroups) }) { return await lead(work, others: [], execute: execute) }
        let turn = await withCheckedContinuation { (continuation: CheckedContinuation<Turn, Never>) in
            let leads = state.withLock { state -> Bool in
                // A slot may have come free meanwhile.
                if state.takeSlot(of: maxGroups) { return true }
                state.waiting.append(Waiter(work: work, continuation: continuation))
                return false
            }
            if leads { continuation.resume(returning: .lead(others: [])) }
        }
        switch turn {
        case .answered(let output):
            return output
        case .lead(let others):
            return await lead(work, others: others, execute: execute)
        }
    }

    /// Runs `own` with `others`, answers them, and hands the slot on.
    private func lead(_ own: Work, others: [Waiter], execute: Execute) async -> Output {
        let outputs = await execute([own] + others.map(\.work))
        for (waiter, output) in zip(others, outputs.dropFirst()) {
            waiter.continuation.resume(returning: .answered(output))
        }
        // The database refused this group (no connection within the bound, or lost): the works
        // that wait meanwhile are refused now instead of each waiting the bound again (as
        // CommandBatcher does).
        let refused = refusal.map { outputs.allSatisfy($0.isRefusal) } ?? false
        // The next group is taken off the queue here, under the lock, so no waiter is led twice.
        let (next, turnedAway) = state.withLock { state -> ([Waiter], [Waiter]) in
            if refused {
                let waiting = state.waiting
                state.waiting = []
                state.inFlight -= 1
                return ([], waiting)
            }
            let next = Array(state.waiting.prefix(maxWork))
            state.waiting.removeFirst(next.count)
            if next.isEmpty { state.inFlight -= 1 }
            return (next, [])
        }
        if let refusal {
            for waiter in turnedAway { waiter.continuation.resume(returning: .answered(refusal.refuse(waiter.work))) }
        }
        if let first = next.first { first.continuation.resume(returning: .lead(others: Array(next.dropFirst()))) }
        return outputs[0]
    }

    /// Batches waiting for a transaction (for tests).
    var waitingCount: Int { state.withLock { $0.waiting.count } }
}
