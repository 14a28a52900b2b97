import BreakoutDomain
import Foundation
import Testing

/// Attendance from the event log (`Attendance.spans`): one span per stay in a breakout room.
@Suite("Attendance")
struct AttendanceTests {
    /// A meeting's log written event by event, `step` seconds apart.
    struct Log {
        var events: [LoggedEvent] = []
        var time = Fixture.now
        var step: TimeInterval = 10

        mutating func add(_ payload: EventPayload, after seconds: TimeInterval? = nil) {
            time += seconds ?? step
            events.append(LoggedEvent(seq: Int64(events.count + 1), at: time, payload: payload))
        }

        mutating func join(_ n: Int, _ name: String, email: String? = nil, location: UUID? = nil, assigned: UUID? = nil) {
            add(.participantJoined(ParticipantJoined(participant: Participant(
                id: Fixture.id(n), displayName: name, email: email, role: .participant, location: location, assignedRoomId: assigned))))
        }

        mutating func create(_ groups: [[Int]], names: [String]? = nil) -> [Room] {
            let rooms = groups.indices.map {
                Room(id: UUID(), name: names?[$0] ?? BreakoutRules.defaultRoomName($0 + 1), position: $0 + 1)
            }
            let breakout = Breakout(status: .ready, mode: .automatic, options: .defaults(for: .automatic), rooms: rooms)
            add(.breakoutCreated(BreakoutCreated(
                breakout: breakout, assignments: Dictionary(uniqueKeysWithValues: zip(rooms.map(\.id), groups.map { $0.map(Fixture.id) })))))
            return rooms
        }

        mutating func open(moveAutomatically: Bool = true) {
            add(.breakoutOpened(BreakoutOpened(openedAt: time, timerEndsAt: nil, moveAutomatically: moveAutomatically)))
        }

        mutating func move(_ n: Int, from: UUID? = nil, to: UUID?) {
            add(.participantMoved(ParticipantMoved(participantId: Fixture.id(n), from: from, to: to)))
        }

        mutating func close() { add(.breakoutClosed(BreakoutClosed(closedAt: time))) }

        func spans(now: Date? = nil) -> [PresenceSpan] { Attendance.spans(events, now: now ?? time) }
    }

    static func summary(_ spans: [PresenceSpan]) -> [String] {
        spans.map { "\($0.displayName)@\($0.roomName) r\($0.round) \($0.seconds)s\($0.to == nil ? " ongoing" : "")" }
    }

    @Test("opening with moveAutomatically starts a stay for everyone assigned; closing ends them all")
    func openAndClose() {
        var log = Log()
        log.join(1, "Ada", email: "ada@uni.example")
        log.join(2, "Alan")
        log.join(3, "Grace")
        _ = log.create([[1, 2], [3]])
        log.open()
        log.add(.broadcast(Broadcast(message: "Ten minutes", roomId: nil, from: Fixture.id(1), sentAt: log.time)), after: 300)
        log.close()
        let spans = log.spans()
        #expect(Self.summary(spans) == [
            "Ada@Breakout room 1 r1 310s", "Alan@Breakout room 1 r1 310s", "Grace@Breakout room 2 r1 310s",
        ])
        #expect(spans[0].email == "ada@uni.example")
        #expect(spans[1].email == nil)
        #expect(spans[0].from == Fixture.now + 50)
        #expect(spans[0].to == Fixture.now + 360)
    }

    @Test("opening without moveAutomatically starts nothing: people enter themselves")
    func promptedPeopleEnterThemselves() {
        var log = Log()
        log.join(1, "Ada")
        log.join(2, "Alan")
        let rooms = log.create([[1], [2]])
        log.open(moveAutomatically: false)
        log.move(1, to: rooms[0].id)
        log.close()
        #expect(Self.summary(log.spans()) == ["Ada@Breakout room 1 r1 10s"])
    }

    @Test("each move ends one stay and starts the next; hopping hosts and reassignments are moves")
    func moves() {
        var log = Log()
        log.add(.participantJoined(ParticipantJoined(participant: Participant(id: Fixture.id(9), displayName: "Host", email: nil, role: .host))))
        log.join(1, "Ada")
        let rooms = log.create([[1], []])
        log.open()
        log.move(9, to: rooms[1].id)
        log.move(9, from: rooms[1].id, to: rooms[0].id)
        log.add(.assignmentChanged(Assignment(participantId: Fixture.id(1), roomId: rooms[1].id)))
        log.move(1, from: rooms[0].id, to: rooms[1].id)
        log.move(9, from: rooms[0].id, to: nil)
        log.close()
        #expect(Self.summary(log.spans()) == [
            "Ada@Breakout room 1 r1 40s", "Host@Breakout room 2 r1 10s", "Host@Breakout room 1 r1 30s", "Ada@Breakout room 2 r1 20s",
        ])
    }

    @Test("leaving, removal, a deleted room and the end of the meeting end stays; a stay still going has no end")
    func endings() {
        var log = Log()
        for n in 1...4 { log.join(n, "P\(n)") }
        let rooms = log.create([[1], [2], [3, 4]])
        log.open()
        log.add(.participantLeft(ParticipantLeft(participantId: Fixture.id(1), reason: .left)))
        log.add(.roomDeleted(RoomDeleted(roomId: rooms[1].id, movedToMain: [Fixture.id(2)])))
        log.add(.participantLeft(ParticipantLeft(participantId: Fixture.id(3), reason: .removed)))
        let ongoing = log.spans(now: log.time + 5)
        #expect(Self.summary(ongoing) == ["P1@Breakout room 1 r1 10s", "P2@Breakout room 2 r1 20s", "P3@Breakout room 3 r1 30s", "P4@Breakout room 3 r1 35s ongoing"])
        log.add(.meetingEnded(MeetingEnded(endedAt: log.time)))
        #expect(Self.summary(log.spans(now: log.time + 100)).last == "P4@Breakout room 3 r1 40s")
    }

    @Test("a late joiner moved straight into a room has a stay from the join; rooms of a later opening are round 2")
    func lateJoinerAndRounds() {
        var log = Log()
        log.join(1, "Ada")
        let rooms = log.create([[1], []])
        log.open()
        log.join(2, "Alan", location: rooms[1].id, assigned: rooms[1].id)
        log.close()
        log.open() // the same rooms again: both assigned, both moved in
        log.close()
        #expect(Self.summary(log.spans()) == [
            "Ada@Breakout room 1 r1 20s", "Alan@Breakout room 2 r1 10s", "Ada@Breakout room 1 r2 10s", "Alan@Breakout room 2 r2 10s",
        ])
    }

    @Test("a renamed room keeps its id and every stay in it takes its latest name")
    func rename() {
        var log = Log()
        log.join(1, "Ada")
        let rooms = log.create([[1]])
        log.open()
        log.add(.roomRenamed(RoomRenamed(roomId: rooms[0].id, name: "Poetry")))
        log.close()
        log.add(.roomRenamed(RoomRenamed(roomId: rooms[0].id, name: "Prose")))
        let spans = log.spans()
        #expect(spans.map(\.roomName) == ["Prose"])
        #expect(spans.map(\.roomId) == [rooms[0].id])
    }

    @Test("rooms discarded and made again: only the new assignments open; a deleted room's assignees stay out")
    func newRoomsNewAssignments() {
        var log = Log()
        for n in 1...3 { log.join(n, "P\(n)") }
        _ = log.create([[1, 2]])
        log.add(.breakoutDiscarded(BreakoutDiscarded()))
        let rooms = log.create([[3], [1]], names: ["A", "B"])
        log.add(.roomDeleted(RoomDeleted(roomId: rooms[1].id, movedToMain: [])))
        log.open()
        log.close()
        #expect(Self.summary(log.spans()) == ["P3@A r1 10s"])
    }

    @Test("seconds are whole, never negative, even when a waiting command's time is a little earlier")
    func seconds() {
        #expect(Attendance.wholeSeconds(from: Fixture.now, to: Fixture.now + 2.999_999) == 2)
        #expect(Attendance.wholeSeconds(from: Fixture.now, to: Fixture.now + 3) == 3)
        #expect(Attendance.wholeSeconds(from: Fixture.now + 0.2, to: Fixture.now) == 0)
    }

    // MARK: Properties over simulated meetings

    /// A small deterministic generator (SplitMix64), so every run checks the same meetings.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// A meeting played at random by the rules' effects, writing the events the server writes and
    /// keeping the truth: every stay as it happened.
    struct Simulation {
        var log = Log()
        var random: Generator
        var present: [Int] = []
        var joinedAt: [Int: Date] = [:]
        var leftAt: [Int: Date] = [:]
        var location: [Int: UUID] = [:]
        var assigned: [Int: UUID] = [:]
        var rooms: [Room] = []
        var open = false
        var stays: [(person: Int, room: UUID, from: Date, to: Date?)] = []
        var next = 1

        init(seed: UInt64) { random = Generator(state: seed) }

        mutating func enter(_ person: Int, _ room: UUID?) {
            if let index = stays.lastIndex(where: { $0.person == person && $0.to == nil }) { stays[index].to = log.time }
            location[person] = room
            if let room { stays.append((person, room, log.time, nil)) }
        }

        mutating func play(steps: Int) {
            for _ in 0..<steps {
                log.step = Double(Int.random(in: 0...90, using: &random))
                switch Int.random(in: 0..<10, using: &random) {
                case 0...1:
                    let person = next
                    next += 1
                    let late = open && !rooms.isEmpty && Bool.random(using: &random) ? rooms.randomElement(using: &random)!.id : nil
                    log.join(person, "P\(person)", location: late, assigned: late)
                    present.append(person)
                    joinedAt[person] = log.time
                    if let late { assigned[person] = late; enter(person, late) }
                case 2:
                    guard let person = present.randomElement(using: &random) else { continue }
                    log.add(.participantLeft(ParticipantLeft(participantId: Fixture.id(person), reason: .left)))
                    present.removeAll { $0 == person }
                    leftAt[person] = log.time
                    assigned[person] = nil
                    enter(person, nil)
                case 3 where rooms.isEmpty:
                    let groups = (0..<Int.random(in: 1...3, using: &random)).map { _ in [Int]() }
                    var split = groups
                    for person in present where Bool.random(using: &random) { split[Int.random(in: 0..<split.count, using: &random)].append(person) }
                    rooms = log.create(split)
                    assigned = [:]
                    for (room, people) in zip(rooms, split) { for person in people { assigned[person] = room.id } }
                case 3...4 where !rooms.isEmpty && !open:
                    let automatically = Bool.random(using: &random)
                    log.open(moveAutomatically: automatically)
                    open = true
                    if automatically { for (person, room) in assigned.sorted(by: { $0.key < $1.key }) { enter(person, room) } }
                case 5...6 where open:
                    guard let person = present.randomElement(using: &random) else { continue }
                    let to = Bool.random(using: &random) ? rooms.randomElement(using: &random)!.id : nil
                    guard to != location[person] else { continue }
                    log.move(person, from: location[person], to: to)
                    enter(person, to)
                case 7 where open:
                    log.close()
                    open = false
                    for person in present where location[person] != nil { enter(person, nil) }
                case 8 where !open && !rooms.isEmpty:
                    log.add(.breakoutDiscarded(BreakoutDiscarded()))
                    rooms = []
                    assigned = [:]
                case 9 where rooms.count > 1:
                    let room = rooms.randomElement(using: &random)!
                    let inside = present.filter { location[$0] == room.id }
                    log.add(.roomDeleted(RoomDeleted(roomId: room.id, movedToMain: inside.map(Fixture.id))))
                    rooms.removeAll { $0.id == room.id }
                    assigned = assigned.filter { $0.value != room.id }
                    for person in inside { enter(person, nil) }
                default:
                    continue
                }
            }
        }
    }

    @Test("over random meetings: the spans are exactly the stays, one person's never overlap, and they fit in the time in the meeting",
          arguments: 1...200)
    func randomMeetings(seed: UInt64) {
        var simulation = Simulation(seed: seed)
        simulation.play(steps: 60)
        let now = simulation.log.time + 7
        let spans = Attendance.spans(simulation.log.events, now: now)

        let expected = simulation.stays.map { "\($0.person) \($0.room) \($0.from.timeIntervalSince1970) \($0.to?.timeIntervalSince1970 ?? -1)" }
        let got = spans.map { span in
            let person = Int(span.participantId.uuidString.suffix(12))!
            return "\(person) \(span.roomId) \(span.from.timeIntervalSince1970) \(span.to?.timeIntervalSince1970 ?? -1)"
        }
        #expect(got.sorted() == expected.sorted(), "every move in gives a span, and only those")

        for (person, mine) in Dictionary(grouping: spans, by: \.participantId) {
            // In the answer's order: by when they began.
            for (a, b) in zip(mine, mine.dropFirst()) {
                #expect(a.to != nil && a.to! <= b.from, "\(person)'s stays overlap")
            }
            let n = Int(person.uuidString.suffix(12))!
            let inMeeting = Attendance.wholeSeconds(from: simulation.joinedAt[n]!, to: simulation.leftAt[n] ?? now)
            #expect(mine.map(\.seconds).reduce(0, +) <= inMeeting, "\(person) spent more time in rooms than in the meeting")
            #expect(mine.allSatisfy { $0.seconds >= 0 && $0.round >= 1 })
        }
        #expect(spans.filter { $0.to == nil }.count == simulation.location.values.count, "a stay still going is one of someone still in a room")
    }
}
