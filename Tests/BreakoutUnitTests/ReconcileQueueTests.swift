@testable import BreakoutServer
import Foundation
import Testing

/// The media worker's queue: live meetings before the backlog, never one meeting twice at once.
@Suite("Media – the reconcile queue")
struct ReconcileQueueTests {
    let a = UUID(), b = UUID(), c = UUID()

    @Test("A meeting with new events goes before the backlog, even one added later")
    func urgentFirst() {
        var queue = ReconcileQueue()
        queue.add(backlog: a)
        queue.add(backlog: b)
        queue.add(urgent: c)
        #expect(queue.next() == c)
        #expect(queue.next() == a)
        #expect(queue.next() == b)
        #expect(queue.next() == nil)
    }

    @Test("A backlog meeting that gets new events moves up; nothing is queued twice")
    func promotion() {
        var queue = ReconcileQueue()
        queue.add(backlog: a)
        queue.add(backlog: b)
        queue.add(backlog: b)
        queue.add(urgent: b)
        queue.add(urgent: b)
        #expect(queue.waiting == 2)
        #expect(queue.next() == b)
        #expect(queue.next() == a)
        #expect(queue.next() == nil)
    }

    @Test("While a meeting is in flight, a new request for it waits, and others pass it; after it finishes, it goes again")
    func oneAtATime() {
        var queue = ReconcileQueue()
        queue.add(urgent: a)
        #expect(queue.next() == a)
        queue.add(urgent: a)
        queue.add(urgent: b)
        #expect(queue.next() == b)
        #expect(queue.next() == nil, "a is still in flight")
        queue.finished(a)
        #expect(queue.next() == a)
        #expect(queue.inFlight == [a, b])
    }
}
