import BreakoutDomain
import Foundation
import Testing

/// Media follows the database (docs/rules.md, "Media"): the layout the database asks for, and the
/// fewest Janus calls that take the media server there from what was applied.
@Suite("Media – layout and plan")
struct MediaPlanTests {
    let meeting = UUID(uuidString: "00000000-0000-0000-0000-0000000000AA")!
    let roomA = UUID(uuidString: "00000000-0000-0000-0000-00000000000A")!
    let roomB = UUID(uuidString: "00000000-0000-0000-0000-00000000000B")!

    func person(_ n: Int, in location: UUID? = nil, muted: Bool = false) -> Participant {
        Participant(id: UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", n))!, displayName: "P\(n)",
                    email: nil, role: .participant, location: location, mutedByHost: muted)
    }

    var main: String { MediaLayout.mainRoom(of: meeting) }
    var a: String { MediaLayout.breakoutRoom(roomA) }
    var b: String { MediaLayout.breakoutRoom(roomB) }

    @Test("Rooms are named after the service's own ids, lower-case")
    func names() {
        #expect(main == "main-00000000-0000-0000-0000-0000000000aa")
        #expect(a == "room-00000000-0000-0000-0000-00000000000a")
        #expect(MediaLayout.room(of: nil, in: meeting) == main)
        #expect(MediaLayout.room(of: roomB, in: meeting) == b)
    }

    @Test("Each person is allowed in the room of its location only; every breakout room has its media room, even empty")
    func wantedLayout() {
        let people = [person(1), person(2, in: roomA), person(3, in: roomA, muted: true)]
        let layout = MediaLayout.wanted(meetingId: meeting, ended: false, roomIds: [roomA, roomB], participants: people)
        #expect(layout.rooms[main] == [people[0].id: false])
        #expect(layout.rooms[a] == [people[1].id: false, people[2].id: true])
        #expect(layout.rooms[b] == [:])
        #expect(layout.rooms.count == 3)
    }

    @Test("An ended meeting has no media rooms: all of them are destroyed")
    func endedMeeting() {
        let applied = MediaLayout(rooms: [main: [person(1).id: false], a: [:]])
        let wanted = MediaLayout.wanted(meetingId: meeting, ended: true, roomIds: [roomA], participants: [person(1)])
        #expect(wanted.rooms.isEmpty)
        let plan = MediaPlan.from(applied, to: wanted)
        #expect(plan.destroy == [main, a])
        #expect(plan.create.isEmpty && plan.allow.isEmpty && plan.disallow.isEmpty)
    }

    @Test("A move allows the person in the new room and takes it out of the old one (which kicks it)")
    func move() {
        let p = person(1)
        let applied = MediaLayout(rooms: [main: [p.id: false], a: [:]])
        let wanted = MediaLayout(rooms: [main: [:], a: [p.id: false]])
        let plan = MediaPlan.from(applied, to: wanted)
        #expect(plan.allow == [a: [p.id]])
        #expect(plan.disallow == [main: [p.id]])
        #expect(plan.create.isEmpty && plan.destroy.isEmpty && plan.moderate.isEmpty)
    }

    @Test("Nothing changed, nothing to do: the plan of a layout to itself is empty")
    func noChange() {
        let layout = MediaLayout(rooms: [main: [person(1).id: true], a: [person(2).id: false]])
        #expect(MediaPlan.from(layout, to: layout).isEmpty)
    }

    @Test("A new room is created with its first allowed list; a muted person in it gets a moderation pass")
    func creation() {
        let muted = person(1, in: roomA, muted: true)
        let wanted = MediaLayout(rooms: [main: [:], a: [muted.id: true]])
        let plan = MediaPlan.from(MediaLayout(), to: wanted)
        #expect(plan.create == [main: [], a: [muted.id]])
        #expect(plan.moderate == [a])
    }

    @Test("A mute or unmute where the person stays moderates that room; a muted person who moves moderates the new room")
    func moderation() {
        let p = person(1).id
        let q = person(2).id
        let muteHere = MediaPlan.from(MediaLayout(rooms: [a: [p: false]]), to: MediaLayout(rooms: [a: [p: true]]))
        #expect(muteHere.moderate == [a])
        let unmuteHere = MediaPlan.from(MediaLayout(rooms: [a: [p: true]]), to: MediaLayout(rooms: [a: [p: false]]))
        #expect(unmuteHere.moderate == [a])
        let mutedMoves = MediaPlan.from(MediaLayout(rooms: [a: [p: true], b: [q: false]]),
                                        to: MediaLayout(rooms: [a: [:], b: [p: true, q: false]]))
        #expect(mutedMoves.moderate == [b])
        let unmutedArrives = MediaPlan.from(MediaLayout(rooms: [a: [p: false], b: [:]]), to: MediaLayout(rooms: [a: [:], b: [p: false]]))
        #expect(unmutedArrives.moderate.isEmpty)
    }

    @Test("Rooms deleted from the breakout are destroyed; someone who left is taken out")
    func deletionsAndLeaving() {
        let p = person(1).id
        let plan = MediaPlan.from(MediaLayout(rooms: [main: [p: false], a: [:], b: [:]]), to: MediaLayout(rooms: [main: [:], a: [:]]))
        #expect(plan.destroy == [b])
        #expect(plan.disallow == [main: [p]])
    }

    @Test("Applying a plan, then planning again from what it applied, leaves nothing to do; the record's change gives the new rows (any order of layouts)",
          arguments: 0..<50)
    func convergence(seed: Int) {
        var generator = SeededGenerator(seed: UInt64(seed))
        func randomLayout() -> MediaLayout {
            var people = (1...8).map { n -> Participant in
                let where_ = [nil, roomA, roomB].randomElement(using: &generator)!
                return person(n, in: where_, muted: Bool.random(using: &generator))
            }
            people.removeLast(Int.random(in: 0...3, using: &generator))
            let rooms = [[roomA, roomB], [roomA], []].randomElement(using: &generator)!
            return MediaLayout.wanted(meetingId: meeting, ended: Int.random(in: 0..<10, using: &generator) == 0,
                                      roomIds: rooms, participants: people.map { p in
                                          var p = p
                                          if let l = p.location, !rooms.contains(l) { p.location = nil }
                                          return p
                                      })
        }
        let before = randomLayout()
        let after = randomLayout()
        let plan = MediaPlan.from(before, to: after)
        // Simulate Janus: apply the plan's room and token changes to `before`.
        var rooms = before.rooms.mapValues { Set($0.keys) }
        for room in plan.destroy { rooms[room] = nil }
        for (room, members) in plan.create { rooms[room] = members }
        for (room, members) in plan.allow { rooms[room, default: []].formUnion(members) }
        for (room, members) in plan.disallow { rooms[room]?.subtract(members) }
        #expect(rooms == after.rooms.mapValues { Set($0.keys) })
        #expect(MediaPlan.from(after, to: after).isEmpty)

        // The record: applying its change to `before`'s rows (rooms first, their rows cascading)
        // gives exactly `after`'s, and recording the same layout again writes nothing.
        let change = MediaRecordChange(from: before, to: after)
        let recordedRooms = Set(before.rooms.keys).subtracting(change.roomsGone).union(change.roomsNew)
        var rows = before.allowances.filter { !change.roomsGone.contains($0.room) }
        for row in change.allowancesGone { rows = rows.filter { $0.room != row.room || $0.participantId != row.participantId } }
        rows.formUnion(change.allowancesNew)
        #expect(recordedRooms == Set(after.rooms.keys))
        #expect(rows == after.allowances)
        #expect(MediaRecordChange(from: after, to: after).isEmpty)
    }

    @Test("Only events that may move, add, remove or mute someone, change the rooms or end the meeting make the media reconcile")
    func eventsThatChangeMedia() {
        let unchanging = Set(EventType.allCases.filter { !$0.mayChangeMedia })
        #expect(unchanging == [.roomRenamed, .optionsChanged, .movePrompt, .broadcast, .breakoutClosing,
                               .helpRequested, .helpTaken, .helpResolved])
        for type in [EventType.participantJoined, .participantLeft, .participantMoved, .breakoutOpened, .breakoutClosed,
                     .roomAdded, .roomDeleted, .breakoutCreated, .breakoutDiscarded, .muteChanged, .meetingEnded] {
            #expect(type.mayChangeMedia, "\(type)")
        }
    }

    @Test("A broadcast changes no row of the record; a move changes one person's; a mute replaces one row")
    func recordChange() {
        let people = (1...1000).map { person($0, in: $0 % 2 == 0 ? roomA : nil) }
        let layout = MediaLayout.wanted(meetingId: meeting, ended: false, roomIds: [roomA, roomB], participants: people)
        #expect(MediaRecordChange(from: layout, to: layout).isEmpty)

        var moved = people
        moved[0].location = roomB
        let afterMove = MediaLayout.wanted(meetingId: meeting, ended: false, roomIds: [roomA, roomB], participants: moved)
        let move = MediaRecordChange(from: layout, to: afterMove)
        #expect(move.allowancesGone == [MediaAllowance(room: main, participantId: people[0].id, muted: false)])
        #expect(move.allowancesNew == [MediaAllowance(room: b, participantId: people[0].id, muted: false)])
        #expect(move.roomsGone.isEmpty && move.roomsNew.isEmpty)

        var muted = people
        muted[1].mutedByHost = true
        let mute = MediaRecordChange(from: layout, to: MediaLayout.wanted(meetingId: meeting, ended: false, roomIds: [roomA, roomB], participants: muted))
        #expect(mute.allowancesGone == [MediaAllowance(room: a, participantId: people[1].id, muted: false)])
        #expect(mute.allowancesNew == [MediaAllowance(room: a, participantId: people[1].id, muted: true)])

        let ended = MediaRecordChange(from: layout, to: MediaLayout.wanted(meetingId: meeting, ended: true, roomIds: [], participants: []))
        #expect(ended.roomsGone == [main, a, b])
        #expect(ended.allowancesGone.isEmpty, "the rows go with their rooms")
    }
}

/// The domain's SplitMix64, as a standard generator for `randomElement(using:)` and friends.
extension SeededGenerator: RandomNumberGenerator {}
