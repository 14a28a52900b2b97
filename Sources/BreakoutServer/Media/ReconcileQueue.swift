import Foundation

/// Which meetings a node's media worker reconciles next. Two lines, because a live meeting must
/// not wait behind a backlog: meetings whose events this node just heard of (`urgent`) go before
/// those a sweep found lagging (`backlog`: after a Janus restart, or media turned on for a
/// database with many live meetings, that is every one of them; measured in the test suite's
/// database, a few hundred meetings kept a new one's media room from appearing for seconds).
///
/// A meeting is never reconciled twice at once on one node: while one is in flight, a new request
/// for it waits in its line and goes after it, so the events that arrived during the first are
/// applied by the second (another node would skip it, locked, and lose nothing either: this node
/// heard the same NOTIFY). Pure value type; `MediaWorker` holds it under a lock.
struct ReconcileQueue {
    private var urgent: [UUID] = []
    private var backlog: [UUID] = []
    private var queued: Set<UUID> = []
    private(set) var inFlight: Set<UUID> = []

    /// Events of this meeting were committed.
    mutating func add(urgent meetingId: UUID) {
        if queued.contains(meetingId) {
            // Already waiting, perhaps in the backlog: move it up.
            if let index = backlog.firstIndex(of: meetingId) { backlog.remove(at: index); urgent.append(meetingId) }
            return
        }
        queued.insert(meetingId)
        urgent.append(meetingId)
    }

    /// A sweep found this meeting's media lagging.
    mutating func add(backlog meetingId: UUID) {
        guard queued.insert(meetingId).inserted else { return }
        backlog.append(meetingId)
    }

    /// The next meeting to reconcile, now in flight; nil when every waiting one is in flight.
    mutating func next() -> UUID? {
        for line in [\Self.urgent, \Self.backlog] {
            if let index = self[keyPath: line].firstIndex(where: { !inFlight.contains($0) }) {
                let meetingId = self[keyPath: line].remove(at: index)
                queued.remove(meetingId)
                inFlight.insert(meetingId)
                return meetingId
            }
        }
        return nil
    }

    mutating func finished(_ meetingId: UUID) {
        inFlight.remove(meetingId)
    }

    var waiting: Int { queued.count }
}
