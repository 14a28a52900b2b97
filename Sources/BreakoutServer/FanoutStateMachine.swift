import Foundation

/// What the fan-out needs to know of an event: its place in the meeting's sequence, and its size
/// (the window of recent events is bounded in bytes as well as in count).
protocol FanoutEvent: Sendable {
    var seq: Int64 { get }
    var byteCount: Int { get }
}

/// A node's fan-out of each meeting's events to its local streams, as a pure state machine: no I/O,
/// no clock, no tasks. The `EventHub` feeds it what happens (a stream subscribes or leaves, a
/// notification or the poll reports a newer `seq`, a read of the event log succeeds or fails, the
/// node shuts down) and runs the actions it returns (start a read, hand events to streams, finish
/// streams).
///
/// Per meeting served here it keeps:
/// - at most one read in flight, always from `lastSeen`, the newest `seq` handed out; `lastSeen`
///   never goes backwards, and a read goes on while a newer `seq` is known (`wanted`);
/// - the meeting while a read is in flight, even when its last stream has left (`draining`): a
///   stream that subscribes meanwhile joins that read instead of starting a second one from
///   another position, and the read's result is dropped only if nobody joined;
/// - a small window of the latest events handed out (`recent`), so that a stream that subscribes
///   a little behind (its snapshot is a few events old, or it resumes with a recent
///   `Last-Event-ID`) catches up from memory, with the frames already encoded, instead of from
///   the database.
///
/// Events a read brings are handed to every subscriber of the meeting, including ones that have
/// already seen some of them (a stream that subscribed ahead of the feed): streams skip what is
/// not after their own cursor.
struct FanoutStateMachine<Subscriber, Event: FanoutEvent> {
    /// One meeting served on this node.
    struct Meeting {
        enum Read: Equatable {
            case idle
            /// A read of the events after `after` is in flight.
            case reading(after: Int64)
        }

        var subscribers: [Int: Subscriber]
        /// The newest seq handed to the subscribers (or, before the first read, the first subscriber's start).
        var lastSeen: Int64
        /// The newest seq known to exist (notifications, the poll, subscribers' starts).
        var wanted: Int64
        var read: Read
        /// The latest events handed out, contiguous and ending at `lastSeen`.
        var recent: [Event] = []
        var recentBytes = 0

        /// A read is in flight but the meeting has no stream any more: its result goes nowhere.
        var isDraining: Bool { subscribers.isEmpty && read != .idle }
    }

    /// The most events one read asks for; a full batch means there may be more. Default 500.
    let readLimit: Int
    /// The most events kept in `recent` per meeting. Default 128.
    let recentLimit: Int
    /// The most bytes (encoded frames) kept in `recent` per meeting. Default 256 KiB.
    let recentByteLimit: Int

    private(set) var meetings: [UUID: Meeting] = [:]
    /// Subscribers of all meetings (the node reports it as its live streams).
    private(set) var subscriberCount = 0
    private(set) var isShutDown = false

    init(readLimit: Int = 500, recentLimit: Int = 128, recentByteLimit: Int = 256 << 10) {
        self.readLimit = readLimit
        self.recentLimit = recentLimit
        self.recentByteLimit = recentByteLimit
    }

    // MARK: Inputs

    enum SubscribeAction {
        /// The stream gets what the meeting's reads bring from now on.
        case none
        /// Read the meeting's events after `after`: the meeting's first stream on this node (events
        /// committed before it subscribed may have been notified while nobody listened here), or a
        /// stream that starts ahead of what the node has read.
        case startRead(after: Int64)
        /// Hand the stream these events, which the others already got, before anything else.
        case catchUp([Event])
        /// The stream is behind by more than `recent` holds: it reads the events up to `through`
        /// itself; everything after `through` comes from the meeting's reads.
        case catchUpFromDatabase(through: Int64)
        /// The node is shutting down: end the stream at once.
        case shutDown
    }

    /// A stream that has seen everything up to `after` subscribes to `meetingId`.
    mutating func subscribe(_ meetingId: UUID, id: Int, subscriber: Subscriber, after: Int64) -> SubscribeAction {
        guard !isShutDown else { return .shutDown }
        subscriberCount += 1
        guard var meeting = meetings[meetingId] else {
            meetings[meetingId] = Meeting(subscribers: [id: subscriber], lastSeen: after, wanted: after, read: .reading(after: after))
            return .startRead(after: after)
        }
        meeting.subscribers[id] = subscriber
        meeting.wanted = max(meeting.wanted, after)
        let action: SubscribeAction
        if after < meeting.lastSeen {
            if let first = meeting.recent.first, first.seq <= after + 1 {
                action = .catchUp(Array(meeting.recent[Int(after + 1 - first.seq)...]))
            } else {
                action = .catchUpFromDatabase(through: meeting.lastSeen)
            }
        } else if meeting.read == .idle, meeting.lastSeen < meeting.wanted {
            meeting.read = .reading(after: meeting.lastSeen)
            action = .startRead(after: meeting.lastSeen)
        } else {
            action = .none
        }
        meetings[meetingId] = meeting
        return action
    }

    enum UnsubscribeAction {
        /// Unknown (already dropped, or the node shut down): nothing to do.
        case none
        /// End this subscriber's stream. `meetingHasStreams` is false when it was the meeting's last.
        case finish(Subscriber, meetingHasStreams: Bool)
    }

    /// A stream leaves (its client went away, it ended, or it was too slow and is dropped).
    mutating func unsubscribe(_ meetingId: UUID, id: Int) -> UnsubscribeAction {
        guard var meeting = meetings[meetingId], let subscriber = meeting.subscribers.removeValue(forKey: id) else {
            return .none
        }
        subscriberCount -= 1
        if meeting.subscribers.isEmpty, meeting.read == .idle {
            meetings[meetingId] = nil
        } else {
            // With a read in flight the meeting stays (draining) until the read ends.
            meetings[meetingId] = meeting
        }
        return .finish(subscriber, meetingHasStreams: !meeting.subscribers.isEmpty)
    }

    enum NotifiedAction: Equatable {
        case none
        case startRead(after: Int64)
    }

    /// The meeting has events up to `seq` (a notification, the poll).
    mutating func notified(_ meetingId: UUID, seq: Int64) -> NotifiedAction {
        guard !isShutDown, var meeting = meetings[meetingId] else { return .none }
        meeting.wanted = max(meeting.wanted, seq)
        var action = NotifiedAction.none
        if meeting.read == .idle, meeting.lastSeen < meeting.wanted {
            meeting.read = .reading(after: meeting.lastSeen)
            action = .startRead(after: meeting.lastSeen)
        }
        meetings[meetingId] = meeting
        return action
    }

    enum ReadSucceededAction {
        case none
        /// Hand `events` to `subscribers`; then, when `thenReadAfter` is set, read again from there.
        case deliver([Event], to: [Subscriber], thenReadAfter: Int64?)
    }

    /// The read in flight for `meetingId` brought `events` (in order, after the position it was asked for).
    mutating func readSucceeded(_ meetingId: UUID, events: [Event]) -> ReadSucceededAction {
        guard var meeting = meetings[meetingId], case .reading = meeting.read else { return .none }
        // Defensive: never hand out anything at or before lastSeen again.
        let new = events.first.map { $0.seq > meeting.lastSeen } == true ? events : events.filter { $0.seq > meeting.lastSeen }
        if meeting.subscribers.isEmpty {
            // Nobody joined while draining: forget the meeting.
            meetings[meetingId] = nil
            return .none
        }
        guard let last = new.last else {
            // Nothing new (or a read that raced a newer notification): wait for the next notification or poll.
            meeting.read = .idle
            meetings[meetingId] = meeting
            return .none
        }
        meeting.lastSeen = last.seq
        meeting.wanted = max(meeting.wanted, last.seq)
        remember(new, in: &meeting)
        // Read on while a newer seq is known, or when the batch was full (there may be more).
        let more = meeting.lastSeen < meeting.wanted || events.count >= readLimit
        meeting.read = more ? .reading(after: meeting.lastSeen) : .idle
        meetings[meetingId] = meeting
        return .deliver(new, to: Array(meeting.subscribers.values), thenReadAfter: more ? meeting.lastSeen : nil)
    }

    /// The read in flight for `meetingId` failed. The meeting waits for the next notification or
    /// poll (about a second), which starts a new read from the same position.
    mutating func readFailed(_ meetingId: UUID) {
        guard var meeting = meetings[meetingId], case .reading = meeting.read else { return }
        meeting.read = .idle
        meetings[meetingId] = meeting.subscribers.isEmpty ? nil : meeting
    }

    /// The node shuts down: every subscriber, to be ended (their clients reconnect elsewhere). Later
    /// subscriptions are refused and later reads go nowhere.
    mutating func shutdown() -> [Subscriber] {
        isShutDown = true
        let all = meetings.values.flatMap { $0.subscribers.values }
        meetings = [:]
        subscriberCount = 0
        return all
    }

    // MARK: Queries

    /// The newest seq this node knows of `meetingId`, when it serves the meeting.
    func knownSeq(of meetingId: UUID) -> Int64? { meetings[meetingId]?.wanted }

    /// Meetings with at least one stream here.
    var meetingsWithStreams: [UUID] { meetings.compactMap { $0.value.subscribers.isEmpty ? nil : $0.key } }

    /// Every subscriber (for the node-wide heartbeat).
    var allSubscribers: [Subscriber] { meetings.values.flatMap { $0.subscribers.values } }

    // MARK: Helpers

    private func remember(_ events: [Event], in meeting: inout Meeting) {
        meeting.recent.append(contentsOf: events)
        meeting.recentBytes += events.reduce(0) { $0 + $1.byteCount }
        var drop = 0
        var bytes = meeting.recentBytes
        while drop < meeting.recent.count, meeting.recent.count - drop > recentLimit || bytes > recentByteLimit {
            bytes -= meeting.recent[drop].byteCount
            drop += 1
        }
        if drop > 0 {
            meeting.recent.removeFirst(drop)
            meeting.recentBytes = bytes
        }
    }
}

extension FanoutStateMachine.SubscribeAction: Equatable where Subscriber: Equatable, Event: Equatable {}
extension FanoutStateMachine.UnsubscribeAction: Equatable where Subscriber: Equatable {}
extension FanoutStateMachine.ReadSucceededAction: Equatable where Subscriber: Equatable, Event: Equatable {}
