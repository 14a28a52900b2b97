public import BreakoutDomain
public import Foundation
import PostgresNIO

/// Courses and their group sets (sql/015_courses.sql; docs/rules.md, "Courses"). A course is
/// reached by a signed-in person who owns or co-owns it; anyone else is told there is no such
/// course, so course ids reveal nothing.
extension MeetingStore {
    /// A course with what it holds, as its owners see it.
    public struct CourseDetail: Sendable, Codable {
        public struct MeetingSummary: Sendable, Codable {
            public var id: UUID
            public var code: String
            public var title: String
            public var status: String
            public var createdAt: Date
        }
        public struct GroupSetSummary: Sendable, Codable {
            public var name: String
            public var latestVersion: Int
            public var groups: Int
            public var members: Int
            public var updatedAt: Date
        }
        public var course: Course
        public var meetings: [MeetingSummary]
        public var groupSets: [GroupSetSummary]
    }

    public func createCourse(owner: User, title: String, lmsReference: String?, coOwners: [String]) async throws -> Course {
        let course = Course(id: UUID(), title: title, lmsReference: lmsReference, coOwners: coOwners, createdAt: Date())
        try await run(
            """
            INSERT INTO courses (id, title, lms_reference, owner_id, co_owners, created_at)
            VALUES (\(course.id), \(title), \(lmsReference), \(owner.id), \(coOwners), \(course.createdAt))
            """)
        return course
    }

    /// The courses `user` owns or co-owns, newest first.
    public func courses(of user: User) async throws -> [Course] {
        let logger = logger
        let verifiedEmail = user.emailVerified ? user.email : nil
        return try await withBoundedConnection { connection in
            var courses: [Course] = []
            for try await (id, title, lms, coOwners, created) in try await connection.query(
                """
                SELECT id, title, lms_reference, co_owners, created_at FROM courses
                WHERE owner_id = \(user.id) OR (\(verifiedEmail)::text IS NOT NULL AND \(verifiedEmail)::text = ANY(co_owners))
                ORDER BY created_at DESC
                """, logger: logger
            ).decode((UUID, String, String?, [String], Date).self) {
                courses.append(Course(id: id, title: title, lmsReference: lms, coOwners: coOwners, createdAt: created))
            }
            return courses
        }
    }

    public func course(_ courseId: UUID, for user: User) async throws -> CourseDetail {
        let logger = logger
        return try await withBoundedConnection { connection in
            let course = try await Self.accessibleCourse(courseId, user: user, on: connection, logger: logger)
            var meetings: [CourseDetail.MeetingSummary] = []
            for try await (id, code, title, status, created) in try await connection.query(
                "SELECT id, code, title, status, created_at FROM meetings WHERE course_id = \(courseId) ORDER BY created_at",
                logger: logger
            ).decode((UUID, String, String, String, Date).self) {
                meetings.append(.init(id: id, code: code, title: title, status: status, createdAt: created))
            }
            var sets: [CourseDetail.GroupSetSummary] = []
            for try await (name, version, groups, members, updated) in try await connection.query(
                """
                SELECT DISTINCT ON (name) name, version,
                       (SELECT count(DISTINCT g->>'room') FROM jsonb_array_elements(groups) g)::int,
                       jsonb_array_length(groups), created_at
                FROM group_sets WHERE course_id = \(courseId) ORDER BY name, version DESC
                """, logger: logger
            ).decode((String, Int, Int, Int, Date).self) {
                sets.append(.init(name: name, latestVersion: version, groups: groups, members: members, updatedAt: updated))
            }
            return CourseDetail(course: course, meetings: meetings, groupSets: sets)
        }
    }

    /// Saves `groups` as the next version of the course's set `name` (version 1 for a new name).
    public func saveGroupSet(
        _ courseId: UUID, name: String, source: GroupSet.Source, groups: [Preassignment], by user: User
    ) async throws -> GroupSet {
        let logger = logger
        return try await boundedTransaction { connection in
            _ = try await Self.accessibleCourse(courseId, user: user, on: connection, logger: logger, lock: true)
            return try await Self.insertGroupSet(courseId, name: name, source: source, groups: groups, by: user.id, on: connection, logger: logger)
        }
    }

    /// A version of the set (the latest when `version` is nil).
    public func groupSet(_ courseId: UUID, name: String, version: Int?, for user: User) async throws -> GroupSet {
        let logger = logger
        return try await withBoundedConnection { connection in
            _ = try await Self.accessibleCourse(courseId, user: user, on: connection, logger: logger)
            return try await Self.groupSet(courseId, name: name, version: version, on: connection, logger: logger)
        }
    }

    // MARK: A course's meeting

    /// "Save these rooms": the meeting's groups, as the next version of its course's set `name`.
    /// `lastRooms`: who was in each room of its last opened breakout when it ended (or now, if it
    /// is still open), else its current assignment. People are kept by email, or, without one, by
    /// their provider's subject when they signed in; those with neither are left out (their names
    /// are answered). Host only.
    public func saveRooms(_ caller: Caller, name: String, lastRooms: Bool) async throws -> (set: GroupSet, leftOut: [String]) {
        let outcome = try await exclusiveCommand(caller) { transaction, actor -> SavedRooms in
            try Permission.requireHost(actor.role)
            let courseId = try await transaction.courseId()
            var people: [UUID: (name: String, member: Preassignment.Member?)] = [:]
            for try await (id, name, email, subject) in try await transaction.query(
                """
                SELECT p.id, p.display_name, CASE WHEN p.user_id IS NULL OR p.email_verified THEN p.email END, u.subject
                FROM participants p LEFT JOIN users u ON u.id = p.user_id WHERE p.meeting_id = \(transaction.meetingId)
                """
            ).decode((UUID, String, String?, String?).self) {
                people[id] = (name, GroupSet.member(matchableEmail: email, subject: subject))
            }
            var placement: [(person: UUID, room: String)] = []
            if lastRooms {
                guard let last = try await transaction.breakoutHistory().previous else { throw DomainError.nothingToSave }
                let rooms = Dictionary(uniqueKeysWithValues: last.rooms.map { ($0.id, $0) })
                placement = last.lastRoom
                    .compactMap { person, roomId in rooms[roomId].map { (person: person, room: $0) } }
                    .sorted { ($0.room.position, $0.person.uuidString) < ($1.room.position, $1.person.uuidString) }
                    .map { (person: $0.person, room: $0.room.name) }
            } else {
                for try await (id, room) in try await transaction.query(
                    """
                    SELECT p.id, r.name FROM participants p JOIN rooms r ON r.meeting_id = p.meeting_id AND r.id = p.assigned_room_id
                    WHERE p.meeting_id = \(transaction.meetingId) ORDER BY r.position, p.joined_order
                    """
                ).decode((UUID, String).self) { placement.append((id, room)) }
            }
            var groups: [Preassignment] = []
            var leftOut: [String] = []
            for (person, room) in placement {
                guard let who = people[person] else { continue }
                if let member = who.member { groups.append(Preassignment(room: room, member: member)) } else { leftOut.append(who.name) }
            }
            guard !groups.isEmpty else { throw DomainError.nothingToSave }
            // The course's row orders concurrent saves of one set: each gets the next version.
            try await transaction.query("SELECT 1 FROM courses WHERE id = \(courseId) FOR UPDATE")
            let set = try await Self.insertGroupSet(
                courseId, name: name, source: lastRooms ? .meetingLastRooms : .meetingAssignment, groups: groups, by: nil,
                on: transaction.connection, logger: transaction.logger)
            return SavedRooms(set: set, leftOut: leftOut.sorted())
        }
        return (outcome.set, outcome.leftOut)
    }

    /// Applies a version of the course's set `name` to the meeting: its pre-assignment list
    /// becomes the set's groups (rooms are made from it in `preassigned` mode, and late joiners
    /// placed by it). Host only. Answers the list.
    public func applyGroupSet(_ caller: Caller, name: String, version: Int?) async throws -> [Preassignment] {
        let list = try await exclusiveCommand(caller) { transaction, actor -> PreassignmentListResult in
            try Permission.requireHost(actor.role)
            let courseId = try await transaction.courseId()
            let set = try await Self.groupSet(courseId, name: name, version: version, on: transaction.connection, logger: transaction.logger)
            try await transaction.replacePreassignments(with: set.groups)
            return PreassignmentListResult(list: set.groups)
        }
        return list.list
    }

    // MARK: Shared

    static func accessibleCourse(
        _ courseId: UUID, user: User, on connection: PostgresConnection, logger: Logger, lock: Bool = false
    ) async throws -> Course {
        let rows = try await connection.query(
            lock
                ? "SELECT id, title, lms_reference, owner_id, co_owners, created_at FROM courses WHERE id = \(courseId) FOR UPDATE"
                : "SELECT id, title, lms_reference, owner_id, co_owners, created_at FROM courses WHERE id = \(courseId)",
            logger: logger)
        for try await (id, title, lms, owner, coOwners, created) in rows.decode((UUID, String, String?, UUID, [String], Date).self) {
            guard CourseAccess.allows(ownerId: owner, coOwners: coOwners, userId: user.id,
                                      verifiedEmail: user.emailVerified ? user.email : nil) else { break }
            return Course(id: id, title: title, lmsReference: lms, coOwners: coOwners, createdAt: created)
        }
        throw DomainError.courseNotFound
    }

    /// The next version of the set; the caller holds the course's row, so versions do not collide.
    static func insertGroupSet(
        _ courseId: UUID, name: String, source: GroupSet.Source, groups: [Preassignment], by userId: UUID?,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> GroupSet {
        let text = try JSONValueEncoder().text(try JSONValueEncoder().encode(groups))
        var version = 1
        for try await next in try await connection.query(
            "SELECT coalesce(max(version), 0) + 1 FROM group_sets WHERE course_id = \(courseId) AND name = \(name)", logger: logger
        ).decode(Int.self) { version = next }
        let now = Date()
        try await connection.query(
            """
            INSERT INTO group_sets (course_id, name, version, groups, source, created_by, created_at)
            VALUES (\(courseId), \(name), \(version), \(text)::jsonb, \(source.rawValue), \(userId), \(now))
            """, logger: logger)
        return GroupSet(name: name, version: version, source: source, groups: groups, createdAt: now)
    }

    static func groupSet(_ courseId: UUID, name: String, version: Int?, on connection: PostgresConnection, logger: Logger) async throws -> GroupSet {
        let rows = try await connection.query(
            """
            SELECT version, source, groups::text, created_at FROM group_sets
            WHERE course_id = \(courseId) AND name = \(name) AND (\(version)::int IS NULL OR version = \(version)::int)
            ORDER BY version DESC LIMIT 1
            """, logger: logger)
        for try await (version, source, groups, created) in rows.decode((Int, String, String, Date).self) {
            let list = try JSONDecoder.breakout.decode([Preassignment].self, from: Data(groups.utf8))
            return GroupSet(name: name, version: version, source: GroupSet.Source(rawValue: source) ?? .typed, groups: list, createdAt: created)
        }
        throw DomainError.groupSetNotFound
    }
}

/// The answers of the course commands on a meeting, in the store's idempotent form.
struct SavedRooms: IdempotentResult {
    var set: GroupSet
    var leftOut: [String]
}

struct PreassignmentListResult: IdempotentResult {
    var list: [Preassignment]
}

extension ExclusiveTransaction {
    /// The meeting's course; 409 `meeting_not_in_course` when it has none.
    func courseId() async throws -> UUID {
        for try await id in try await query("SELECT course_id FROM meetings WHERE id = \(self.meetingId)").decode(UUID?.self) {
            if let id { return id }
        }
        throw DomainError.notInCourse
    }
}
