public import BreakoutDomain
public import BreakoutStore
public import Foundation
public import Hummingbird

/// An event as the node's streams write it: its SSE frame (`id: n\nevent: type\ndata: …\n\n`)
/// encoded once per node and per view when the node reads the event, and shared by every stream.
/// A stream picks the frame of its caller's view and writes it as it is.
///
/// Participants do not see emails (`StoredEvent.payloadWithoutEmails`); when an event has none,
/// both views share one buffer.
public struct EncodedEvent: Sendable {
    public let seq: Int64
    public let type: String
    public let audience: Audience
    /// The participant a `role_changed` or `participant_left` is about.
    public let subject: UUID?
    /// The new role of a `role_changed`.
    public let newRole: Role?
    /// The frame as managers see it.
    public let managerFrame: ByteBuffer
    /// The frame as participants see it (the same storage as `managerFrame` when there is no email to hide).
    public let participantFrame: ByteBuffer

    public init(_ event: StoredEvent) {
        seq = event.seq
        type = event.type
        audience = event.audience
        subject = event.subject
        newRole = event.newRole
        managerFrame = SSEFrame.event(id: event.seq, type: event.type, data: event.payload)
        participantFrame = event.payloadWithoutEmails == event.payload
            ? managerFrame
            : SSEFrame.event(id: event.seq, type: event.type, data: event.payloadWithoutEmails)
    }

    /// The frame for a caller with `role`.
    public func frame(for role: Role) -> ByteBuffer { role.isManager ? managerFrame : participantFrame }

    var endsMeeting: Bool { type == EventType.meetingEnded.rawValue }
}

extension EncodedEvent: FanoutEvent {
    var byteCount: Int {
        managerFrame.readableBytes + (participantFrame.readableBytes == managerFrame.readableBytes ? 0 : participantFrame.readableBytes)
    }
}
