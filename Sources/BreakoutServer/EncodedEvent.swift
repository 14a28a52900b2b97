public import BreakoutDomain
public import BreakoutStore
public import Foundation
public import Hummingbird

/// An event as the node's streams write it: its SSE frame (`id: n\nevent: type\ndata: …\n\n`)
/// encoded once per node and per view when the node reads the event, and shared by every stream.
/// A stream picks the frame of its caller's view and writes it as it is.
///
/// Participants do not see emails: a `participant_joined` gets a frame of its own for them
/// (`Views.participantJoined`); every other event has one frame for both views.
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
    /// The frames as chunks of an HTTP/1.1 chunked body, for `DirectStream`.
    let managerChunk: ByteBuffer
    let participantChunk: ByteBuffer

    public init(_ event: StoredEvent) {
        seq = event.seq
        type = event.type
        audience = event.audience
        managerFrame = SSEFrame.event(id: event.seq, type: event.type, data: event.payload)
        var subject: UUID?
        var newRole: Role?
        var participantFrame = managerFrame
        // Only these types are read: the rest go out as they are stored.
        switch EventType(rawValue: event.type) {
        case .participantJoined?, .roleChanged?, .participantLeft?:
            switch try? event.decoded() {
            case .participantJoined(let joined)?:
                if let view = try? JSONEncoder.sortedKeys.encode(Views.participantJoined(joined)) {
                    participantFrame = SSEFrame.event(id: event.seq, type: event.type, data: String(decoding: view, as: UTF8.self))
                }
            case .roleChanged(let changed)?:
                subject = changed.participantId
                newRole = changed.role
            case .participantLeft(let left)?:
                subject = left.participantId
            default:
                break
            }
        default:
            break
        }
        self.subject = subject
        self.newRole = newRole
        self.participantFrame = participantFrame
        managerChunk = SSEFrame.chunk(managerFrame)
        // Only a participant_joined has a view of its own.
        participantChunk = EventType(rawValue: event.type) == .participantJoined ? SSEFrame.chunk(participantFrame) : managerChunk
    }

    /// The frame for a caller with `role`.
    public func frame(for role: Role) -> ByteBuffer { role.isManager ? managerFrame : participantFrame }

    /// The frame for a caller with `role`, as a chunk of a chunked body.
    func chunk(for role: Role) -> ByteBuffer { role.isManager ? managerChunk : participantChunk }
}

extension EncodedEvent: FanoutEvent {
    /// Frames and chunks: each view's bytes twice.
    var byteCount: Int {
        2 * (managerFrame.readableBytes + (participantFrame.readableBytes == managerFrame.readableBytes ? 0 : participantFrame.readableBytes))
    }
}
