import BreakoutDomain
import Foundation

/// The JSON shapes of the HTTP contract and of event payloads, in one place.
enum Representation {
    static func date(_ date: Date?) -> JSONValue {
        guard let date else { return .null }
        return .string(Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date))
    }

    static func options(_ options: BreakoutOptions) -> JSONValue {
        [
            "moveAutomatically": .bool(options.moveAutomatically),
            "allowChooseRoom": .bool(options.allowChooseRoom),
            "allowReturnToMain": .bool(options.allowReturnToMain),
            "timerSeconds": JSONValue(options.timerSeconds),
            "closeWhenTimeUp": .bool(options.closeWhenTimeUp),
            "notifyHostWhenTimeUp": .bool(options.notifyHostWhenTimeUp),
            "closeCountdownSeconds": JSONValue(options.closeCountdownSeconds),
            "assignLateJoiners": .bool(options.assignLateJoiners),
        ]
    }

    static func room(id: UUID, name: String, position: Int) -> JSONValue {
        ["id": JSONValue(id), "name": .string(name), "position": JSONValue(position)]
    }

    /// A participant as everyone sees it; `email` is added only for managers' eyes.
    static func participant(
        id: UUID, displayName: String, email: String?, role: Role, location: UUID?, assignedRoomId: UUID?,
        mutedByHost: Bool, includeEmail: Bool
    ) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": JSONValue(id), "displayName": .string(displayName), "role": .string(role.rawValue),
            "location": JSONValue(location), "assignedRoomId": JSONValue(assignedRoomId), "mutedByHost": .bool(mutedByHost),
        ]
        if includeEmail { object["email"] = JSONValue(email) }
        return .object(object)
    }

    static func helpRequest(
        id: UUID, participantId: UUID, roomId: UUID, status: HelpStatus, takenBy: UUID?, createdAt: Date?
    ) -> JSONValue {
        [
            "id": JSONValue(id), "participantId": JSONValue(participantId), "roomId": JSONValue(roomId),
            "status": .string(status.rawValue), "takenBy": JSONValue(takenBy), "createdAt": date(createdAt),
        ]
    }
}

extension JSONEncoder {
    /// Keys sorted, so that equal values are equal texts (events, stored answers).
    static var sortedKeys: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }
}
