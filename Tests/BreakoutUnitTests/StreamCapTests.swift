@testable import BreakoutServer
import Foundation
import Testing

/// The streams of one participant on a node: a new one past the limit ends the oldest.
@Suite("Stream cap")
struct StreamCapTests {
    static func subscription(_ id: Int) -> LiveSubscription {
        LiveSubscription(id: id, meetingId: UUID(), limit: 8)
    }

    @Test("up to the limit nothing ends; the next one ends the oldest, then the next oldest")
    func oldestGoes() {
        let cap = StreamCap(limit: 2)
        let ann = UUID()
        let (a, b, c, d) = (Self.subscription(1), Self.subscription(2), Self.subscription(3), Self.subscription(4))
        #expect(cap.admit(a, of: ann).isEmpty)
        #expect(cap.admit(b, of: ann).isEmpty)
        #expect(cap.admit(c, of: ann).map(\.id) == [1])
        #expect(cap.admit(d, of: ann).map(\.id) == [2])
        #expect(cap.count(of: ann) == 2)
    }

    @Test("each participant has a limit of its own; an ended stream frees its place")
    func perParticipantAndRemoval() {
        let cap = StreamCap(limit: 1)
        let (ann, bo) = (UUID(), UUID())
        let (a, b, c) = (Self.subscription(1), Self.subscription(2), Self.subscription(3))
        #expect(cap.admit(a, of: ann).isEmpty)
        #expect(cap.admit(b, of: bo).isEmpty, "Bo's first stream does not end Ann's")
        cap.remove(a, of: ann)
        #expect(cap.count(of: ann) == 0)
        #expect(cap.admit(c, of: ann).isEmpty, "Ann's place was freed")
        cap.remove(a, of: ann)  // already gone: nothing happens
        #expect(cap.count(of: ann) == 1 && cap.count(of: bo) == 1)
    }
}
