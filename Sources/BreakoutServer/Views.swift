public import BreakoutDomain
public import BreakoutStore
public import Foundation

/// Who sees what of a meeting: managers (the host and co-hosts) see everything; participants see
/// no emails and no help queue (docs/rules.md, "Who sees what"). The values come from the store
/// and the domain; these are their shapes on the wire.
public enum Views {
    /// A participant as a viewer sees it: with its email (null when none) for managers, without
    /// the key for participants.
    public static func participant(_ participant: Participant, forManager: Bool) throws -> JSONValue {
        let value = try JSONValueEncoder().encode(participant)
        guard !forManager, case .object(var object) = value else { return value }
        object["email"] = nil
        object["emailVerified"] = nil
        return .object(object)
    }

    /// The snapshot of `state` as a viewer sees it, without the viewer's own `you`.
    public static func snapshot(_ state: MeetingState, forManager: Bool) throws -> [String: JSONValue] {
        let encoder = JSONValueEncoder()
        var meeting = state.meeting
        // Alternative hosts are people's emails: for managers' eyes only.
        if !forManager { meeting.settings.alternativeHosts = [] }
        var view: [String: JSONValue] = [
            "seq": .number(Double(state.seq)),
            "meeting": try encoder.encode(meeting),
            "breakout": try encoder.encode(state.breakout),
            "participants": .array(try state.participants.map { try participant($0, forManager: forManager) }),
        ]
        if forManager { view["helpRequests"] = try encoder.encode(state.helpRequests) }
        return view
    }

    /// The `participant_joined` payload as a participant sees it: without the joiner's email.
    static func participantJoined(_ joined: ParticipantJoined) throws -> JSONValue {
        ["participant": try participant(joined.participant, forManager: false)]
    }
}

/// The caller's own part of a snapshot.
struct You: Encodable {
    var participantId: UUID
    var role: Role
}
