import BreakoutDomain
import Foundation
import Testing

/// The typed events are written exactly as clients have always read them: lower-case ids,
/// milliseconds in times, `null` for an absent value (and not a missing key), keys sorted. Each
/// expected text below is the payload as the service wrote it before events were typed.
@Suite("Event payloads: the JSON on the wire")
struct EventPayloadTests {
    static let (p1, p2, room) = (Fixture.id(1), Fixture.id(2), Fixture.roomA)
    static let now = Fixture.now  // 2023-11-14T22:13:20.000Z
    static let defaults = BreakoutOptions.defaults(for: .automatic)
    static let optionsText = #"{"allowChooseRoom":false,"allowReturnToMain":true,"assignLateJoiners":true,"closeCountdownSeconds":60,"closeWhenTimeUp":true,"moveAutomatically":true,"notifyHostWhenTimeUp":false,"timerSeconds":null}"#
    static let request = HelpRequest(id: Fixture.id(7), participantId: p1, roomId: room, status: .taken, takenBy: p2, createdAt: now)

    static let cases: [(EventPayload, String)] = [
        (.participantJoined(ParticipantJoined(participant: Participant(id: p1, displayName: "Ada", email: nil, role: .participant))),
         #"{"participant":{"assignedRoomId":null,"displayName":"Ada","email":null,"emailVerified":false,"id":"00000000-0000-0000-0000-000000000001","location":null,"mutedByHost":false,"role":"participant"}}"#),
        (.participantLeft(ParticipantLeft(participantId: p1, reason: .removed)),
         #"{"participantId":"00000000-0000-0000-0000-000000000001","reason":"removed"}"#),
        (.roleChanged(RoleChanged(participantId: p1, role: .cohost)),
         #"{"participantId":"00000000-0000-0000-0000-000000000001","role":"cohost"}"#),
        (.breakoutCreated(BreakoutCreated(
            breakout: Breakout(status: .ready, mode: .automatic, options: defaults, rooms: [Room(id: room, name: "Breakout room 1", position: 1)]),
            assignments: [room: [p1, p2], Fixture.roomB: []])),
         #"{"assignments":{"00000000-0000-0000-0000-000000009001":["00000000-0000-0000-0000-000000000001","00000000-0000-0000-0000-000000000002"]},"breakout":{"closingEndsAt":null,"mode":"automatic","openedAt":null,"options":"# + optionsText + #","rooms":[{"id":"00000000-0000-0000-0000-000000009001","name":"Breakout room 1","position":1}],"status":"ready","timerEndsAt":null}}"#),
        (.breakoutDiscarded(BreakoutDiscarded()), "{}"),
        (.roomRenamed(RoomRenamed(roomId: room, name: "Quiet")), #"{"name":"Quiet","roomId":"00000000-0000-0000-0000-000000009001"}"#),
        (.roomDeleted(RoomDeleted(roomId: room, movedToMain: [p1])),
         #"{"movedToMain":["00000000-0000-0000-0000-000000000001"],"roomId":"00000000-0000-0000-0000-000000009001"}"#),
        (.optionsChanged(OptionsChanged(options: defaults, timer: .unchanged)), #"{"options":"# + optionsText + "}"),
        (.optionsChanged(OptionsChanged(options: defaults, timer: .removed)), #"{"options":"# + optionsText + #","timerEndsAt":null}"#),
        (.optionsChanged(OptionsChanged(options: defaults, timer: .endsAt(now))),
         #"{"options":"# + optionsText + #","timerEndsAt":"2023-11-14T22:13:20.000Z"}"#),
        (.assignmentChanged(Assignment(participantId: p1, roomId: nil)), #"{"participantId":"00000000-0000-0000-0000-000000000001","roomId":null}"#),
        (.breakoutOpened(BreakoutOpened(openedAt: now, timerEndsAt: nil, moveAutomatically: true)),
         #"{"moveAutomatically":true,"openedAt":"2023-11-14T22:13:20.000Z","timerEndsAt":null}"#),
        (.participantMoved(ParticipantMoved(participantId: p1, from: nil, to: room)),
         #"{"from":null,"participantId":"00000000-0000-0000-0000-000000000001","to":"00000000-0000-0000-0000-000000009001"}"#),
        (.broadcast(Broadcast(message: "Back in 5", roomId: nil, from: p2, sentAt: now)),
         #"{"from":"00000000-0000-0000-0000-000000000002","message":"Back in 5","roomId":null,"sentAt":"2023-11-14T22:13:20.000Z"}"#),
        (.timeUp(TimeUp(at: now)), #"{"at":"2023-11-14T22:13:20.000Z"}"#),
        (.breakoutClosing(BreakoutClosing(closingEndsAt: now, countdownSeconds: 60)),
         #"{"closingEndsAt":"2023-11-14T22:13:20.000Z","countdownSeconds":60}"#),
        (.breakoutClosed(BreakoutClosed(closedAt: now)), #"{"closedAt":"2023-11-14T22:13:20.000Z"}"#),
        (.helpTaken(HelpWorked(request: request, by: p2)),
         #"{"by":"00000000-0000-0000-0000-000000000002","request":{"createdAt":"2023-11-14T22:13:20.000Z","id":"00000000-0000-0000-0000-000000000007","participantId":"00000000-0000-0000-0000-000000000001","roomId":"00000000-0000-0000-0000-000000009001","status":"taken","takenBy":"00000000-0000-0000-0000-000000000002"}}"#),
        (.muteChanged(MuteChanged(participantIds: [p1], muted: true, by: p2)),
         #"{"by":"00000000-0000-0000-0000-000000000002","muted":true,"participantIds":["00000000-0000-0000-0000-000000000001"]}"#),
        (.meetingEnded(MeetingEnded(endedAt: now)), #"{"endedAt":"2023-11-14T22:13:20.000Z"}"#),
        (.roomAdded(RoomAdded(room: Room(id: room, name: "Breakout room 2", position: 2))),
         #"{"room":{"id":"00000000-0000-0000-0000-000000009001","name":"Breakout room 2","position":2}}"#),
        (.movePrompt(Assignment(participantId: p1, roomId: room)),
         #"{"participantId":"00000000-0000-0000-0000-000000000001","roomId":"00000000-0000-0000-0000-000000009001"}"#),
        (.helpRequested(HelpRequested(request: HelpRequest(id: Fixture.id(7), participantId: p1, roomId: room, status: .open, takenBy: nil, createdAt: now))),
         #"{"request":{"createdAt":"2023-11-14T22:13:20.000Z","id":"00000000-0000-0000-0000-000000000007","participantId":"00000000-0000-0000-0000-000000000001","roomId":"00000000-0000-0000-0000-000000009001","status":"open","takenBy":null}}"#),
        (.helpResolved(HelpWorked(request: HelpRequest(id: Fixture.id(7), participantId: p1, roomId: room, status: .resolved, takenBy: p2, createdAt: now), by: p2)),
         #"{"by":"00000000-0000-0000-0000-000000000002","request":{"createdAt":"2023-11-14T22:13:20.000Z","id":"00000000-0000-0000-0000-000000000007","participantId":"00000000-0000-0000-0000-000000000001","roomId":"00000000-0000-0000-0000-000000009001","status":"resolved","takenBy":"00000000-0000-0000-0000-000000000002"}}"#),
    ]

    @Test("each payload is written as before", arguments: cases)
    func written(payload: EventPayload, text: String) throws {
        #expect(try JSONValueEncoder().text(payload) == text)
    }

    @Test("each payload reads back as itself", arguments: cases)
    func readBack(payload: EventPayload, text: String) throws {
        #expect(try EventPayload.decode(payload.type, from: Data(text.utf8)) == payload)
    }

    @Test("a time without milliseconds, as PostgreSQL may write one, reads too")
    func timeWithoutFraction() throws {
        let closed = try EventPayload.decode(.breakoutClosed, from: Data(#"{"closedAt":"2023-11-14T22:13:20Z"}"#.utf8))
        #expect(closed == .breakoutClosed(BreakoutClosed(closedAt: Self.now)))
    }

    @Test("every event type is among the cases above")
    func everyType() {
        #expect(Set(EventType.allCases).subtracting(Self.cases.map(\.0.type)).isEmpty)
    }
}
