import BreakoutStore
import Foundation
import Logging
import Synchronization

/// The media signalling connections this node serves, by meeting, and what tells them that the
/// database moved, muted, removed or let go of their participant.
///
/// Every node hears every meeting's NOTIFY. For a meeting with connections here, the hub reads
/// where those participants are now (one query, for them only) and hands each connection its
/// participant's location; the connection leaves its Janus room at once when it differs from the
/// room it joined. The NOTIFY arrives within milliseconds of the commit, so the media of someone
/// moved or removed stops well within the second the rules promise; the media worker's kick stays
/// as the backstop for a node that died.
///
/// Reads are coalesced per meeting: one at a time, and one more after it when events arrived
/// meanwhile (a lecture's burst of 1000 joins costs a few reads, not 1000).
final class MediaSignalHub: Sendable {
    /// What a connection is told.
    enum Change: Sendable {
        /// Where the participant is now, and whether the host muted it.
        case presence(MeetingStore.MediaPresence)
        /// The participant left or was removed, or the meeting ended.
        case gone
        /// Another connection of the same participant took over on this node.
        case replaced
    }

    private struct Entry {
        let id: Int
        let deliver: @Sendable (Change) -> Void
    }

    private struct MeetingState {
        var connections: [UUID: Entry] = [:]
        var reading = false
        var readAgain = false
    }

    private let store: MeetingStore
    private let logger: Logger
    private let state = Mutex<(nextId: Int, meetings: [UUID: MeetingState])>((0, [:]))

    init(store: MeetingStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// Connections open on this node (the metrics report it).
    var connectionCount: Int { state.withLock { $0.meetings.values.reduce(0) { $0 + $1.connections.count } } }

    /// Registers a participant's connection; an earlier one of the same participant on this node is
    /// told `replaced`. Returns the id to unregister with.
    func register(meetingId: UUID, participantId: UUID, deliver: @escaping @Sendable (Change) -> Void) -> Int {
        let (id, previous) = state.withLock { state -> (Int, Entry?) in
            state.nextId += 1
            let previous = state.meetings[meetingId, default: MeetingState()].connections
                .updateValue(Entry(id: state.nextId, deliver: deliver), forKey: participantId)
            return (state.nextId, previous)
        }
        previous?.deliver(.replaced)
        return id
    }

    func unregister(meetingId: UUID, participantId: UUID, id: Int) {
        state.withLock { state in
            guard state.meetings[meetingId]?.connections[participantId]?.id == id else { return }
            state.meetings[meetingId]?.connections.removeValue(forKey: participantId)
            if state.meetings[meetingId]?.connections.isEmpty == true && state.meetings[meetingId]?.reading == false {
                state.meetings.removeValue(forKey: meetingId)
            }
        }
    }

    /// The meeting has new events (its NOTIFY): its connections here learn where their people are.
    func notify(_ meetingId: UUID) {
        let start = state.withLock { state -> Bool in
            guard var meeting = state.meetings[meetingId], !meeting.connections.isEmpty else { return false }
            if meeting.reading {
                meeting.readAgain = true
                state.meetings[meetingId] = meeting
                return false
            }
            meeting.reading = true
            state.meetings[meetingId] = meeting
            return true
        }
        guard start else { return }
        Task { await self.readLocations(meetingId) }
    }

    private func readLocations(_ meetingId: UUID) async {
        while true {
            let connections = state.withLock { $0.meetings[meetingId]?.connections ?? [:] }
            if !connections.isEmpty {
                do {
                    let locations = try await store.mediaLocations(meetingId: meetingId, participants: Array(connections.keys))
                    for (participantId, entry) in connections {
                        if let locations, let presence = locations[participantId] {
                            entry.deliver(.presence(presence))
                        } else {
                            entry.deliver(.gone)
                        }
                    }
                } catch {
                    // The next event reads again; the media worker's kick is the backstop meanwhile.
                    logger.warning("media signalling could not read locations", metadata: ["meeting": "\(meetingId)", "error": "\(error)"])
                }
            }
            let again = state.withLock { state -> Bool in
                guard var meeting = state.meetings[meetingId] else { return false }
                if meeting.readAgain && !meeting.connections.isEmpty {
                    meeting.readAgain = false
                    state.meetings[meetingId] = meeting
                    return true
                }
                if meeting.connections.isEmpty {
                    state.meetings.removeValue(forKey: meetingId)
                } else {
                    meeting.reading = false
                    meeting.readAgain = false
                    state.meetings[meetingId] = meeting
                }
                return false
            }
            if !again { return }
        }
    }
}
