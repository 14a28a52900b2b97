import BreakoutDomain
import Foundation
import Synchronization

/// A command waiting for its meeting: who asks, whom it is about, and what it decides.
struct PendingCommand: Sendable {
    /// The caller's token hash; nil for anonymous commands (a join) and the server's own timers.
    var tokenHash: Data?
    /// Other members the command is about, loaded with the facts.
    var memberIds: [UUID]
    var claim: Idempotency.Claim?
    /// Whether the command decides from the loaded facts alone and can share a transaction with others.
    var batchable: Bool {
        if case .batchable = decide { return true }
        return false
    }
    /// The decision: the caller's member (nil when anonymous) and the command's view of the meeting.
    var decide: Decision

    /// How a command decides, which says what it may touch: a batchable one sees only the loaded
    /// facts (`MeetingTransaction`), so it can share a transaction with others; an exclusive one
    /// runs alone and may also query the database (`ExclusiveTransaction`).
    enum Decision: Sendable {
        case batchable(@Sendable (inout MeetingTransaction, Member?) throws -> any IdempotentResult)
        case exclusive(@Sendable (inout ExclusiveTransaction, Member?) async throws -> any IdempotentResult)
    }
}

/// The commands of one meeting that go into one transaction (`CommitGroup` puts several together).
struct MeetingBatch: Sendable {
    var meetingId: UUID
    var commands: [PendingCommand]
}

/// Group commit at the node: commands for the same meeting that wait on this node are applied
/// together, in one transaction — one lock, one write, one commit, one NOTIFY — each still decided
/// by the rules in arrival order and answered with its own result.
///
/// Per meeting there is a lane of waiting commands. The first command to arrive at an idle lane
/// leads: it takes the waiting commands from the front (a run of batchable ones up to `maxBatch`,
/// or one exclusive command), has them executed, answers each, then hands the lead to the next
/// waiting command, if any, and returns its own answer. So a meeting has at most one transaction in
/// flight per node, and the commands that arrive meanwhile form the next batch.
final class CommandBatcher: Sendable {
    typealias Answer = Result<any IdempotentResult, any Error>
    typealias Execute = @Sendable (UUID, [PendingCommand]) async -> [Answer]

    /// Most commands applied in one transaction. Default 128.
    let maxBatch: Int
    fileprivate let lanes = Mutex<[UUID: Lane]>([:])
    private let nextTicket = Atomic<Int>(0)

    fileprivate enum Turn: Sendable {
        case answered(Answer)
        case lead
    }

    fileprivate struct Waiter: Sendable {
        var ticket: Int
        var command: PendingCommand
        var continuation: CheckedContinuation<Turn, Never>
    }

    fileprivate struct Lane: Sendable {
        /// In arrival order; while a batch runs its leader is not here any more.
        var waiting: [Waiter] = []
    }

    init(maxBatch: Int = 128) {
        self.maxBatch = maxBatch
    }

    /// Applies `command` on `meetingId`, batched with the commands waiting for the same meeting.
    func submit(_ meetingId: UUID, _ command: PendingCommand, execute: Execute) async throws -> any IdempotentResult {
        let ticket = nextTicket.add(1, ordering: .relaxed).newValue
        // An idle lane: lead at once, without suspending (one task switch less per command on a
        // quiet meeting, as `CommitGroup` does for a free slot).
        let leadsNow = lanes.withLock { lanes -> Bool in
            guard lanes[meetingId] == nil else { return false }
            lanes[meetingId] = Lane()
            return true
        }
        if leadsNow { return try await lead(meetingId, ticket: ticket, own: command, execute: execute).get() }
        let turn = await withCheckedContinuation { (continuation: CheckedContinuation<Turn, Never>) in
            let leads = lanes.withLock { lanes -> Bool in
                let idle = lanes[meetingId] == nil
                lanes[meetingId, default: Lane()].waiting.append(Waiter(ticket: ticket, command: command, continuation: continuation))
                return idle
            }
            if leads { continuation.resume(returning: .lead) }
        }
        switch turn {
        case .answered(let answer):
            return try answer.get()
        case .lead:
            return try await lead(meetingId, ticket: ticket, execute: execute).get()
        }
    }

    /// Runs one batch that starts with the leader's own command, answers the others, and passes the
    /// lead on. `own`: the leader's command when it never waited in the lane (the lane was idle).
    private func lead(_ meetingId: UUID, ticket: Int, own ownCommand: PendingCommand? = nil, execute: Execute) async -> Answer {
        // A leader that never waited runs alone; whoever arrived since is led next.
        let batch = ownCommand != nil ? [] : lanes.withLock { lanes -> [Waiter] in
            guard var lane = lanes[meetingId] else { return [] }
            let batch = Self.nextBatch(lane.waiting, maxBatch: maxBatch)
            lane.waiting.removeFirst(batch.count)
            lanes[meetingId] = lane
            return batch
        }
        let answers = await execute(meetingId, ownCommand.map { [$0] } ?? batch.map(\.command))
        var own: Answer = .failure(StoreError.notAnswered)
        if ownCommand != nil, let answer = answers.first { own = answer }
        for (waiter, answer) in zip(batch, answers) {
            if waiter.ticket == ticket {
                own = answer
            } else {
                waiter.continuation.resume(returning: .answered(answer))
            }
        }
        // The database gave no connection within the bound, or the connection was lost under the
        // batch: the commands that arrived meanwhile would each wait the bound again for the same
        // answer (a lane three batches deep answered after 6 s during a failover, one batch behind
        // a lost connection after 3.9 s). They have not run, so they are answered now that nothing
        // was applied, and during an outage every command is answered within the bound (2 s).
        let refused = !answers.isEmpty && answers.allSatisfy(Self.isRefusal)
        let (next, turnedAway) = lanes.withLock { lanes -> (Waiter?, [Waiter]) in
            guard let lane = lanes[meetingId], let first = lane.waiting.first else {
                lanes[meetingId] = nil
                return (nil, [])
            }
            guard !refused else {
                lanes[meetingId] = nil
                return (nil, lane.waiting)
            }
            return (first, [])
        }
        for waiter in turnedAway { waiter.continuation.resume(returning: .answered(.failure(StoreError.databaseUnavailable))) }
        next?.continuation.resume(returning: .lead)
        return own
    }

    /// The database is out of reach: it refused a connection in time, or the connection was lost.
    static func isRefusal(_ answer: Answer) -> Bool {
        guard case .failure(let error) = answer, let store = error as? StoreError else { return false }
        return store.code == .databaseUnavailable
    }

    /// The commands that go together: the front one, and when it is batchable, the batchable ones
    /// right behind it (an exclusive command waits for its own transaction, keeping arrival order).
    private static func nextBatch(_ waiting: [Waiter], maxBatch: Int) -> [Waiter] {
        guard let first = waiting.first else { return [] }
        guard first.command.batchable else { return [first] }
        return Array(waiting.prefix { $0.command.batchable }.prefix(maxBatch))
    }
}

extension CommandBatcher {
    /// Commands waiting for `meetingId` behind the batch in flight (for tests and metrics).
    func waitingCount(_ meetingId: UUID) -> Int {
        lanes.withLock { $0[meetingId]?.waiting.count ?? 0 }
    }
}

extension CommandBatcher {
    /// Whether a batch of `meetingId` is in flight on this node.
    func isBusy(_ meetingId: UUID) -> Bool {
        lanes.withLock { $0[meetingId] != nil }
    }
}
