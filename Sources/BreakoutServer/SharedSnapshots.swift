import BreakoutDomain
public import BreakoutStore
public import Foundation
public import Hummingbird
import Synchronization

/// A meeting's snapshot encoded once per view (manager, participant) and shared by every caller
/// that starts from it. Only the caller's own `you` (`{"participantId":…,"role":…}`) is written per
/// caller: it closes the shared object, whose keys are sorted and end before `"you"`, so the bytes
/// are exactly those of encoding the whole snapshot with sorted keys.
public struct EncodedSnapshot: Sendable {
    public let seq: Int64
    let roles: [UUID: Role]
    /// `id: <seq>\nevent: snapshot\ndata: {…` : the SSE frame of the managers' view up to (without)
    /// its closing brace.
    let managerFrameHead: ByteBuffer
    /// The same for the participants' view.
    let participantFrameHead: ByteBuffer
    /// Where the JSON starts in a frame head.
    let headerLength: Int

    init(_ state: MeetingState) throws {
        seq = state.seq
        roles = Dictionary(state.participants.map { ($0.id, $0.role) }, uniquingKeysWith: { first, _ in first })
        let header = "id: \(state.seq)\nevent: snapshot\ndata: "
        headerLength = header.utf8.count
        func head(_ view: [String: JSONValue]) throws -> ByteBuffer {
            let json = try JSONEncoder.sortedKeys.encode(JSONValue.object(view))
            var buffer = ByteBuffer()
            buffer.reserveCapacity(header.utf8.count + json.count)
            buffer.writeString(header)
            buffer.writeBytes(json.dropLast())  // the closing "}"
            return buffer
        }
        managerFrameHead = try head(try Views.snapshot(state, forManager: true))
        participantFrameHead = try head(try Views.snapshot(state, forManager: false))
    }

    /// The caller's role at `seq`: its view and its `you.role` follow it. A caller that is not (or
    /// no longer, or not yet) a participant at `seq` gets a participant's view, which shows the least.
    func role(of participantId: UUID) -> Role { roles[participantId] ?? .participant }

    private func frameHead(for participantId: UUID) -> ByteBuffer {
        role(of: participantId).isManager ? managerFrameHead : participantFrameHead
    }

    /// `,"you":{…}}`: the caller's part, closing the shared object.
    private func closing(for participantId: UUID) throws -> ByteBuffer {
        let you = try JSONValueEncoder().encode(You(participantId: participantId, role: role(of: participantId)))
        var buffer = ByteBuffer(string: ",\"you\":")
        buffer.writeBytes(try JSONEncoder.sortedKeys.encode(you))
        buffer.writeString("}")
        return buffer
    }

    /// The `snapshot` event for `participantId`: the shared head (written as it is) and the caller's tail.
    func frame(for participantId: UUID) throws -> (shared: ByteBuffer, own: ByteBuffer) {
        var own = try closing(for: participantId)
        own.writeString("\n\n")
        return (frameHead(for: participantId), own)
    }

    /// The snapshot as JSON for `participantId` (the body of `GET /v1/meetings/{meetingId}`).
    public func json(for participantId: UUID) throws -> ByteBuffer {
        let head = frameHead(for: participantId)
        let closing = try closing(for: participantId)
        var buffer = ByteBuffer()
        buffer.reserveCapacity(head.readableBytes - headerLength + closing.readableBytes)
        buffer.writeImmutableBuffer(head.getSlice(at: head.readerIndex + headerLength, length: head.readableBytes - headerLength)!)
        buffer.writeImmutableBuffer(closing)
        return buffer
    }
}

/// The node's shared snapshots: each meeting's snapshot is read from PostgreSQL at most once per
/// `seq` and encoded once per view, for all the streams (and requests) that start at that `seq`.
///
/// - Single flight: callers that ask while a read of the meeting is in flight wait for it rather
///   than starting their own; if its `seq` turns out older than they need, one of them reads again
///   (the others wait for that one).
/// - Freshness: a caller says how new a snapshot it needs (`atLeast`). A live stream asks for the
///   newest `seq` this node knows of the meeting (`EventHub.knownSeq(of:)`), so it is never handed
///   a snapshot older than what the node's other streams already show; the stream then subscribes
///   after the snapshot's `seq` and gets everything after it (from the hub's recent events or the
///   database), which makes any snapshot correct and only costs a replay when it is older than
///   the meeting really is. A node that serves no stream of the meeting knows no seq of it and
///   may hand out an entry up to one poll interval old, for the same reason correctly.
///   `GET /v1/meetings/{id}` has no events to replay, so it asks for the meeting's current
///   `last_seq` (`current(for:)`), one cheap query instead of the snapshot's four.
/// - Memory: only the newest entry per meeting is kept (both views), and it is dropped when the
///   meeting has no stream on this node (`drop(_:)` when its last stream leaves, `keep(only:)`
///   with every poll, sparing one read in the last `handOverGrace`).
public final class SharedSnapshots: Sendable {
    let store: MeetingStore
    private let slots = Mutex<[UUID: Slot]>([:])
    private let reads = Atomic<Int>(0)

    private struct Slot {
        var newest: EncodedSnapshot?
        /// When `newest` was read. A stream reads its snapshot before it subscribes, so for a
        /// moment its meeting has no stream here yet; `keep(only:)` spares an entry that young.
        var readAt: ContinuousClock.Instant?
        var reading = false
        var waiters: [UnsafeContinuation<Outcome, Never>] = []

        var isEmpty: Bool { newest == nil && !reading && waiters.isEmpty }
    }

    private enum Outcome: Sendable {
        case snapshot(EncodedSnapshot)
        case failed(any Error)
        /// The caller reads (nobody else is reading).
        case readIt
    }

    init(store: MeetingStore) {
        self.store = store
    }

    /// Snapshot reads from the database so far (for tests and metrics).
    var databaseReads: Int { reads.load(ordering: .relaxed) }

    /// A snapshot of `meetingId` at `atLeast` or newer: shared when one is at hand or being read.
    public func snapshot(of meetingId: UUID, atLeast: Int64) async throws -> EncodedSnapshot {
        if let hit = slots.withLock({ $0[meetingId]?.newest }), hit.seq >= atLeast { return hit }
        while true {
            let outcome = await withUnsafeContinuation { (continuation: UnsafeContinuation<Outcome, Never>) in
                let now = slots.withLock { slots -> Outcome? in
                    var slot = slots[meetingId] ?? Slot()
                    defer { slots[meetingId] = slot }
                    if let newest = slot.newest, newest.seq >= atLeast { return .snapshot(newest) }
                    if slot.reading {
                        slot.waiters.append(continuation)
                        return nil
                    }
                    slot.reading = true
                    return .readIt
                }
                if let now { continuation.resume(returning: now) }
            }
            switch outcome {
            case .snapshot(let snapshot):
                // A read that began before this caller knew of a newer seq may be too old: go round again.
                if snapshot.seq >= atLeast { return snapshot }
            case .failed(let error):
                throw error
            case .readIt:
                return try await read(meetingId)
            }
        }
    }

    /// The snapshot as of the meeting's current `seq` in the database, as JSON for `identity`.
    public func current(for identity: Identity) async throws -> ByteBuffer {
        let last = try await store.lastSeqs(of: [identity.meetingId])[identity.meetingId]
        // An unknown meeting has no last seq: read, and let the read say what is wrong.
        return try await snapshot(of: identity.meetingId, atLeast: last ?? .max).json(for: identity.participantId)
    }

    private func read(_ meetingId: UUID) async throws -> EncodedSnapshot {
        reads.add(1, ordering: .relaxed)
        do {
            let snapshot = try EncodedSnapshot(try await store.state(of: meetingId))
            let waiters = slots.withLock { slots in
                var slot = slots[meetingId] ?? Slot()
                if slot.newest.map({ $0.seq <= snapshot.seq }) ?? true {
                    slot.newest = snapshot
                    slot.readAt = .now
                }
                slot.reading = false
                let waiters = slot.waiters
                slot.waiters = []
                slots[meetingId] = slot
                return waiters
            }
            for waiter in waiters { waiter.resume(returning: .snapshot(snapshot)) }
            return snapshot
        } catch {
            if Task.isCancelled {
                // This caller went away; its waiters did not: the first of them reads instead.
                let next = slots.withLock { slots -> UnsafeContinuation<Outcome, Never>? in
                    guard var slot = slots[meetingId] else { return nil }
                    var next: UnsafeContinuation<Outcome, Never>?
                    if slot.waiters.isEmpty { slot.reading = false } else { next = slot.waiters.removeFirst() }
                    slots[meetingId] = slot.isEmpty ? nil : slot
                    return next
                }
                next?.resume(returning: .readIt)
            } else {
                let waiters = slots.withLock { slots in
                    var slot = slots[meetingId] ?? Slot()
                    let waiters = slot.waiters
                    slot.reading = false
                    slot.waiters = []
                    slots[meetingId] = slot.isEmpty ? nil : slot
                    return waiters
                }
                for waiter in waiters { waiter.resume(returning: .failed(error)) }
            }
            throw error
        }
    }

    /// Forgets the meeting's snapshot (its last stream on this node left).
    func drop(_ meetingId: UUID) {
        slots.withLock { slots in
            slots[meetingId]?.newest = nil
            if slots[meetingId]?.isEmpty == true { slots[meetingId] = nil }
        }
    }

    /// How long an entry outlives `keep(only:)` after its read: the time a stream may take from its
    /// snapshot to its subscription. Under load that took over a second, the poll's interval, and
    /// the next stream of the meeting read the snapshot again (`SharedSnapshotTests`, once).
    static let handOverGrace = Duration.seconds(5)

    /// Forgets the snapshots of every meeting not in `meetingIds` (those without streams here),
    /// except those read in the last `handOverGrace`.
    func keep(only meetingIds: Set<UUID>, now: ContinuousClock.Instant = .now) {
        slots.withLock { slots in
            for (id, var slot) in slots where !meetingIds.contains(id) {
                if let readAt = slot.readAt, now - readAt < Self.handOverGrace { continue }
                slot.newest = nil
                slots[id] = slot.isEmpty ? nil : slot
            }
        }
    }

    /// Meetings with a snapshot kept (for tests).
    var keptMeetings: Int { slots.withLock { $0.values.count { $0.newest != nil } } }
}
