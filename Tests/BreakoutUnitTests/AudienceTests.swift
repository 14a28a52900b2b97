import BreakoutDomain
import Foundation
import Testing

/// Who may see an event (participants do not see the help queue or emails; managers see everything).
@Suite("Event audiences and types")
struct AudienceTests {
    let participant = Fixture.id(10)
    let otherParticipant = Fixture.id(11)
    let manager = Fixture.id(1)

    @Test("everyone admits every role", arguments: Role.allCases)
    func everyone(role: Role) {
        #expect(Audience.everyone.admits(participant, role: role))
    }

    @Test("managers admits host and co-host, not participants")
    func managers() {
        #expect(Audience.managers.admits(manager, role: .host))
        #expect(Audience.managers.admits(manager, role: .cohost))
        #expect(!Audience.managers.admits(participant, role: .participant))
    }

    @Test("managersAnd admits managers and the listed participants only")
    func managersAnd() {
        let audience = Audience.managersAnd([participant])
        #expect(audience.admits(manager, role: .host))
        #expect(audience.admits(manager, role: .cohost))
        #expect(audience.admits(participant, role: .participant))
        #expect(!audience.admits(otherParticipant, role: .participant))
    }

    @Test("only admits the listed members, not even managers otherwise")
    func only() {
        let audience = Audience.only([participant])
        #expect(audience.admits(participant, role: .participant))
        #expect(!audience.admits(otherParticipant, role: .participant))
        #expect(!audience.admits(manager, role: .host))
        #expect(!audience.admits(manager, role: .cohost))
    }

    @Test("A member promoted to co-host sees managers' events (role at the moment of reading)")
    func roleAtReading() {
        #expect(!Audience.managers.admits(participant, role: .participant))
        #expect(Audience.managers.admits(participant, role: .cohost))
    }

    @Test("The stored form (kind, recipients) round-trips",
          arguments: [Audience.everyone, .managers, .managersAnd([Fixture.id(10), Fixture.id(11)]), .only([Fixture.id(12)])])
    func roundTrip(audience: Audience) {
        #expect(Audience(kind: audience.kind, recipients: audience.recipients) == audience)
    }

    @Test("Stored kinds are everyone, managers, managers_and, only; anything else is rejected")
    func kinds() {
        #expect(Audience.everyone.kind == "everyone")
        #expect(Audience.managers.kind == "managers")
        #expect(Audience.managersAnd([]).kind == "managers_and")
        #expect(Audience.only([]).kind == "only")
        #expect(Audience.everyone.recipients.isEmpty)
        #expect(Audience(kind: "nobody", recipients: []) == nil)
    }

    @Test("Every event type of the live stream has its SSE name")
    func eventTypeNames() {
        let spec: Set<String> = [
            "participant_joined", "participant_left", "role_changed", "breakout_created", "breakout_discarded",
            "room_added", "room_renamed", "room_deleted", "options_changed", "assignment_changed",
            "breakout_opened", "move_prompt", "participant_moved", "broadcast", "time_up",
            "breakout_closing", "breakout_closed", "help_requested", "help_taken", "help_resolved",
            "mute_changed", "meeting_ended",
        ]
        #expect(Set(EventType.allCases.map(\.rawValue)).isSuperset(of: spec))
    }

    @Test("An event defaults to everyone")
    func eventDefaultAudience() {
        let event = DomainEvent(.breakoutDiscarded(BreakoutDiscarded()))
        #expect(event.audience == .everyone)
        #expect(event.type == .breakoutDiscarded)
    }

    @Test("Who sees an event is decided with it: prompts, room broadcasts, help and the timer")
    func decidedAudiences() {
        let (ada, grace, room) = (Fixture.id(1), Fixture.id(2), Fixture.roomA)
        #expect(DomainEvent.movePrompt(ada, to: room).audience == .only([ada]))
        let toRoom = Broadcast(message: "hi", roomId: room, from: grace, sentAt: Fixture.now)
        #expect(DomainEvent.broadcast(toRoom, occupants: [ada]).audience == .managersAnd([ada]))
        var toAll = toRoom
        toAll.roomId = nil
        #expect(DomainEvent.broadcast(toAll, occupants: [ada]).audience == .everyone)
        let request = HelpRequest(id: Fixture.id(7), participantId: ada, roomId: room, status: .open, takenBy: nil, createdAt: Fixture.now)
        #expect(DomainEvent.helpRequested(request).audience == .managersAnd([ada]))
        #expect(DomainEvent.timeUp(at: Fixture.now).audience == .managers)
    }
}
