@testable import BreakoutServer
import Foundation
import Testing

/// The fan-out's decisions, without a database: which reads start, from where, and who gets what.
@Suite("Fan-out state machine")
struct FanoutStateMachineTests {
    struct Event: FanoutEvent, Equatable {
        var seq: Int64
        var byteCount = 100
    }

    typealias Machine = FanoutStateMachine<String, Event>

    static let meeting = UUID()
    static func events(_ seqs: ClosedRange<Int64>) -> [Event] { seqs.map { Event(seq: $0) } }

    /// The events and subscribers of a delivery, and where the next read starts (nil: none).
    static func delivery(_ action: Machine.ReadSucceededAction) -> (seqs: [Int64], to: Set<String>, next: Int64?)? {
        guard case .deliver(let events, let subscribers, let next) = action else { return nil }
        return (events.map(\.seq), Set(subscribers), next)
    }

    @Test("the first stream of a meeting starts one read from its position; others join it")
    func firstStreamStartsTheRead() {
        var machine = Machine()
        #expect(machine.subscribe(Self.meeting, id: 1, subscriber: "a", after: 10) == .startRead(after: 10))
        #expect(machine.subscribe(Self.meeting, id: 2, subscriber: "b", after: 10) == .none)
        #expect(machine.notified(Self.meeting, seq: 12) == .none, "a read is already in flight")
        let delivered = Self.delivery(machine.readSucceeded(Self.meeting, events: Self.events(11...12)))
        #expect(delivered?.seqs == [11, 12])
        #expect(delivered?.to == ["a", "b"])
        #expect(delivered?.next == nil)
        #expect(machine.subscriberCount == 2)
        #expect(machine.knownSeq(of: Self.meeting) == 12)
    }

    @Test("a notification of a newer seq starts a read from the last seq handed out, once")
    func notificationStartsOneRead() {
        var machine = Machine()
        _ = machine.subscribe(Self.meeting, id: 1, subscriber: "a", after: 10)
        _ = machine.readSucceeded(Self.meeting, events: [])
        #expect(machine.notified(Self.meeting, seq: 10) == .none, "nothing new")
        #expect(machine.notified(Self.meeting, seq: 11) == .startRead(after: 10))
        #expect(machine.notified(Self.meeting, seq: 13) == .none)
        // The read saw only 11; 13 is known, so it reads on from 11.
        let first = Self.delivery(machine.readSucceeded(Self.meeting, events: Self.events(11...11)))
        #expect(first?.seqs == [11])
        #expect(first?.next == 11)
        let second = Self.delivery(machine.readSucceeded(Self.meeting, events: Self.events(12...13)))
        #expect(second?.seqs == [12, 13])
        #expect(second?.next == nil)
        #expect(machine.notified(Self.meeting, seq: 13) == .none)
    }

    @Test("notifications for meetings without streams here are ignored")
    func unknownMeetingIsIgnored() {
        var machine = Machine()
        #expect(machine.notified(UUID(), seq: 5) == .none)
        #expect(machine.meetings.isEmpty)
    }

    @Test("a full batch reads on even when no newer seq is known")
    func fullBatchReadsOn() {
        var machine = Machine(readLimit: 3)
        _ = machine.subscribe(Self.meeting, id: 1, subscriber: "a", after: 0)
        #expect(Self.delivery(machine.readSucceeded(Self.meeting, events: Self.events(1...3)))?.next == 3)
        #expect(Self.delivery(machine.readSucceeded(Self.meeting, events: Self.events(4...5)))?.next == nil)
    }

    /// The race of the old hub: the last stream leaves during a read and a new one subscribes. The
    /// old pump carried on with the new feed, a second pump could start, and `lastSeen` could go
    /// backwards. Here the meeting stays (draining) until the read ends; the newcomer joins that
    /// read; no second read starts; the position only moves forward.
    @Test("last stream leaves during a read, a new one subscribes: one read, position never goes back")
    func leaveDuringReadThenSubscribe() {
        var machine = Machine()
        #expect(machine.subscribe(Self.meeting, id: 1, subscriber: "a", after: 10) == .startRead(after: 10))
        #expect(machine.notified(Self.meeting, seq: 15) == .none)
        #expect(machine.unsubscribe(Self.meeting, id: 1) == .finish("a", meetingHasStreams: false))
        #expect(machine.subscriberCount == 0)
        #expect(machine.meetings[Self.meeting]?.isDraining == true, "kept until its read ends")

        // A new stream subscribes, ahead of the read in flight: no second read.
        #expect(machine.subscribe(Self.meeting, id: 2, subscriber: "b", after: 20) == .none)
        #expect(machine.notified(Self.meeting, seq: 21) == .none)
        #expect(machine.meetings[Self.meeting]?.read == .reading(after: 10))

        // The read in flight ends: it goes to the newcomer (which skips what it has), and reads on.
        let first = Self.delivery(machine.readSucceeded(Self.meeting, events: Self.events(11...15)))
        #expect(first?.to == ["b"])
        #expect(first?.next == 15)
        #expect(machine.meetings[Self.meeting]?.lastSeen == 15)
        let second = Self.delivery(machine.readSucceeded(Self.meeting, events: Self.events(16...21)))
        #expect(second?.seqs == Array(16...21))
        #expect(second?.next == nil)
        #expect(machine.meetings[Self.meeting]?.lastSeen == 21)
        #expect(machine.meetings[Self.meeting]?.read == .idle)
        // A stale result (nothing in flight) changes nothing.
        #expect(machine.readSucceeded(Self.meeting, events: Self.events(12...14)) == .none)
        #expect(machine.meetings[Self.meeting]?.lastSeen == 21)
    }

    @Test("a stream that subscribes behind a draining meeting's position catches up, and the read goes on")
    func subscribeBehindWhileDraining() {
        var machine = Machine()
        _ = machine.subscribe(Self.meeting, id: 1, subscriber: "a", after: 0)
        _ = machine.readSucceeded(Self.meeting, events: Self.events(1...10))
        #expect(machine.notified(Self.meeting, seq: 12) == .startRead(after: 10))
        _ = machine.unsubscribe(Self.meeting, id: 1)
        #expect(machine.subscribe(Self.meeting, id: 2, subscriber: "b", after: 8) == .catchUp(Self.events(9...10)))
        #expect(Self.delivery(machine.readSucceeded(Self.meeting, events: Self.events(11...12)))?.to == ["b"])
    }

    @Test("a draining meeting nobody rejoins is forgotten when its read ends; the next stream starts afresh")
    func drainingMeetingIsForgotten() {
        var machine = Machine()
        _ = machine.subscribe(Self.meeting, id: 1, subscriber: "a", after: 10)
        _ = machine.unsubscribe(Self.meeting, id: 1)
        #expect(machine.readSucceeded(Self.meeting, events: Self.events(11...12)) == .none)
        #expect(machine.meetings.isEmpty)
        #expect(machine.knownSeq(of: Self.meeting) == nil)
        #expect(machine.subscribe(Self.meeting, id: 2, subscriber: "b", after: 30) == .startRead(after: 30))
    }

    @Test("an idle meeting is forgotten with its last stream")
    func idleMeetingIsForgotten() {
        var machine = Machine()
        _ = machine.subscribe(Self.meeting, id: 1, subscriber: "a", after: 10)
        _ = machine.subscribe(Self.meeting, id: 2, subscriber: "b", after: 10)
        _ = machine.readSucceeded(Self.meeting, events: [])
        #expect(machine.unsubscribe(Self.meeting, id: 1) == .finish("a", meetingHasStreams: true))
        #expect(machine.unsubscribe(Self.meeting, id: 1) == .none, "only once")
        #expect(machine.unsubscribe(Self.meeting, id: 2) == .finish("b", meetingHasStreams: false))
        #expect(machine.meetings.isEmpty)
        #expect(machine.subscriberCount == 0)
    }

    @Test("a stream that subscribes behind catches up from recent events, or from the database beyond them")
    func catchUpFromRecentOrDatabase() {
        var machine = Machine(recentLimit: 4)
        _ = machine.subscribe(Self.meeting, id: 1, subscriber: "a", after: 0)
        _ = machine.readSucceeded(Self.meeting, events: Self.events(1...10))
        #expect(machine.meetings[Self.meeting]?.recent.map(\.seq) == Array(7...10))
        #expect(machine.subscribe(Self.meeting, id: 2, subscriber: "b", after: 10) == .none)
        #expect(machine.subscribe(Self.meeting, id: 3, subscriber: "c", after: 8) == .catchUp(Self.events(9...10)))
        #expect(machine.subscribe(Self.meeting, id: 4, subscriber: "d", after: 6) == .catchUp(Self.events(7...10)))
        #expect(machine.subscribe(Self.meeting, id: 5, subscriber: "e", after: 5) == .catchUpFromDatabase(through: 10))
    }

    @Test("recent events are bounded in bytes too")
    func recentBoundedInBytes() {
        var machine = Machine(recentLimit: 100, recentByteLimit: 250)
        _ = machine.subscribe(Self.meeting, id: 1, subscriber: "a", after: 0)
        _ = machine.readSucceeded(Self.meeting, events: Self.events(1...5))
        #expect(machine.meetings[Self.meeting]?.recent.map(\.seq) == [4, 5])
        #expect(machine.meetings[Self.meeting]?.recentBytes == 200)
        _ = machine.notified(Self.meeting, seq: 6)
        _ = machine.readSucceeded(Self.meeting, events: [Event(seq: 6, byteCount: 1000)])
        #expect(machine.meetings[Self.meeting]?.recent.isEmpty == true, "one event larger than the bound is not kept")
        #expect(machine.subscribe(Self.meeting, id: 2, subscriber: "b", after: 5) == .catchUpFromDatabase(through: 6))
    }

    @Test("a stream that subscribes ahead of what the node has read starts a read when none is in flight")
    func subscribeAheadStartsRead() {
        var machine = Machine()
        _ = machine.subscribe(Self.meeting, id: 1, subscriber: "a", after: 10)
        _ = machine.readSucceeded(Self.meeting, events: [])
        #expect(machine.subscribe(Self.meeting, id: 2, subscriber: "b", after: 14) == .startRead(after: 10))
        #expect(machine.knownSeq(of: Self.meeting) == 14)
        #expect(Self.delivery(machine.readSucceeded(Self.meeting, events: Self.events(11...14)))?.next == nil)
    }

    @Test("a failed read leaves the position; the next notification or poll reads from it again")
    func failedReadIsRetried() {
        var machine = Machine()
        _ = machine.subscribe(Self.meeting, id: 1, subscriber: "a", after: 10)
        machine.readFailed(Self.meeting)
        #expect(machine.meetings[Self.meeting]?.read == .idle)
        #expect(machine.notified(Self.meeting, seq: 10) == .none)
        #expect(machine.notified(Self.meeting, seq: 11) == .startRead(after: 10))
        machine.readFailed(Self.meeting)
        #expect(machine.notified(Self.meeting, seq: 11) == .startRead(after: 10), "the poll reports the same seq again")
    }

    @Test("a read that brings nothing new stops reading until told of something newer")
    func emptyReadStops() {
        var machine = Machine()
        _ = machine.subscribe(Self.meeting, id: 1, subscriber: "a", after: 10)
        _ = machine.notified(Self.meeting, seq: 12)
        #expect(machine.readSucceeded(Self.meeting, events: []) == .none)
        #expect(machine.meetings[Self.meeting]?.read == .idle)
        #expect(machine.notified(Self.meeting, seq: 12) == .startRead(after: 10))
    }

    @Test("shutdown ends every stream, counts none, refuses new ones and ignores late reads")
    func shutdownEndsEverything() {
        var machine = Machine()
        let other = UUID()
        _ = machine.subscribe(Self.meeting, id: 1, subscriber: "a", after: 0)
        _ = machine.subscribe(Self.meeting, id: 2, subscriber: "b", after: 0)
        _ = machine.subscribe(other, id: 3, subscriber: "c", after: 5)
        #expect(machine.subscriberCount == 3)
        #expect(Set(machine.shutdown()) == ["a", "b", "c"])
        #expect(machine.subscriberCount == 0)
        #expect(machine.meetings.isEmpty)
        #expect(machine.subscribe(Self.meeting, id: 4, subscriber: "d", after: 0) == .shutDown)
        #expect(machine.subscriberCount == 0)
        #expect(machine.unsubscribe(Self.meeting, id: 1) == .none)
        #expect(machine.notified(Self.meeting, seq: 9) == .none)
        #expect(machine.readSucceeded(Self.meeting, events: Self.events(1...3)) == .none)
        #expect(machine.shutdown().isEmpty)
    }

    @Test("queries: meetings with streams and every subscriber")
    func queries() {
        var machine = Machine()
        let other = UUID()
        _ = machine.subscribe(Self.meeting, id: 1, subscriber: "a", after: 0)
        _ = machine.subscribe(other, id: 2, subscriber: "b", after: 0)
        _ = machine.unsubscribe(other, id: 2)  // draining: no streams
        #expect(machine.meetingsWithStreams == [Self.meeting])
        #expect(machine.allSubscribers == ["a"])
    }
}
