import BreakoutDomain
@testable import BreakoutServer
@testable import BreakoutStore
import Foundation
import Hummingbird
import Testing

/// A stream's own part: which frames of a batch it writes.
@Suite("Stream reader")
struct StreamReaderTests {
    static let caller = UUID()
    static let other = UUID()

    static func event(_ seq: Int64, _ type: EventType, audience: Audience = .everyone, payload: String = "{}") -> EncodedEvent {
        EncodedEvent(StoredEvent(seq: seq, type: type.rawValue, audience: audience, payload: payload))
    }

    static func address(_ buffer: ByteBuffer?) -> UnsafeRawPointer? {
        buffer?.withUnsafeReadableBytes { $0.baseAddress.map { UnsafeRawPointer($0) } }
    }

    @Test("one frame to write is the shared buffer itself; several are joined without touching the shared ones")
    func oneFrameIsNotCopied() {
        var reader = StreamReader(identity: Identity(participantId: Self.caller, meetingId: UUID(), role: .participant))
        reader.cursor = 4
        let single = Self.event(5, .broadcast, payload: #"{"message":"hi"}"#)
        let (frames, ended) = reader.frames(for: [single])
        #expect(!ended)
        #expect(Self.address(frames) == Self.address(single.participantFrame))

        let second = Self.event(6, .roomAdded)
        let hidden = Self.event(7, .helpRequested, audience: .managers)
        let third = Self.event(8, .roomRenamed)
        let (joined, _) = reader.frames(for: [second, hidden, third])
        #expect(joined.map { String(buffer: $0) } == String(buffer: second.participantFrame) + String(buffer: third.participantFrame))
        #expect(String(buffer: second.participantFrame).hasPrefix("id: 6\n"), "the shared frame is unchanged")
        #expect(reader.cursor == 8)
    }

    @Test("events already written are skipped; the caller's own participant_left ends the stream")
    func skipAndEnd() {
        var reader = StreamReader(identity: Identity(participantId: Self.caller, meetingId: UUID(), role: .participant))
        reader.cursor = 5
        let left = Self.event(7, .participantLeft, payload: #"{"participantId":"\#(Self.caller.uuidString.lowercased())","reason":"left"}"#)
        let (frames, ended) = reader.frames(for: [Self.event(4, .roomAdded), Self.event(5, .roomAdded), Self.event(6, .roomAdded), left])
        #expect(frames.map { String(buffer: $0) }?.components(separatedBy: "id: ").count == 3, "6 and 7")
        #expect(ended)
    }

    @Test("role changes switch the caller's view")
    func roleChangesView() {
        var reader = StreamReader(identity: Identity(participantId: Self.caller, meetingId: UUID(), role: .participant))
        let promotedLater = Self.event(
            2, .roleChanged, payload: #"{"participantId":"\#(Self.caller.uuidString.lowercased())","role":"cohost"}"#)
        let (frames, _) = reader.frames(for: [Self.event(1, .helpRequested, audience: .managers), promotedLater,
                                              Self.event(3, .helpRequested, audience: .managers)])
        let text = frames.map { String(buffer: $0) } ?? ""
        #expect(reader.role == .cohost)
        #expect(!text.contains("id: 1\n"), "not for participants' eyes")
        #expect(text.contains("id: 3\nevent: help_requested"))
    }
}
