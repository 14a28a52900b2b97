public import Foundation

/// A teacher's class that meets week after week (docs/rules.md, "Courses"): owned by the person
/// who made it, shared with co-owners by email, with its meetings and its group sets.
public struct Course: Sendable, Equatable, Codable {
    public var id: UUID
    public var title: String
    /// The course in the campus's LMS, as its owner typed it.
    public var lmsReference: String?
    /// Lower-cased emails of people who may do what the owner does, once signed in with that
    /// (verified) email.
    public var coOwners: [String]
    public var createdAt: Date

    public init(id: UUID, title: String, lmsReference: String?, coOwners: [String], createdAt: Date) {
        self.id = id
        self.title = title
        self.lmsReference = lmsReference
        self.coOwners = coOwners
        self.createdAt = createdAt
    }
}

/// One version of a named list of groups kept by a course: group (room) name → members by email
/// or by provider subject, in order, as a pre-assignment list is. Saving under a name adds a version; none is changed.
public struct GroupSet: Sendable, Equatable, Codable {
    public enum Source: String, Sendable, Codable {
        /// Typed, as JSON `[{room, email} or {room, subject}]`.
        case typed
        /// Zoom's pre-assignment CSV.
        case zoomCSV = "zoom_csv"
        /// A Canvas group-set export.
        case canvasCSV = "canvas_csv"
        /// "Save these rooms": a meeting's assignment.
        case meetingAssignment = "meeting_assignment"
        /// "Save these rooms": who was in each room when the meeting's rooms closed.
        case meetingLastRooms = "meeting_last_rooms"
    }

    public var name: String
    public var version: Int
    public var source: Source
    public var groups: [Preassignment]
    public var createdAt: Date

    public init(name: String, version: Int, source: Source, groups: [Preassignment], createdAt: Date) {
        self.name = name
        self.version = version
        self.source = source
        self.groups = groups
        self.createdAt = createdAt
    }
}

extension GroupSet {
    /// How "Save these rooms" names a participant: by the email a list can match them by
    /// (anyone's who did not sign in, a signed-in person's when verified), else by the subject
    /// they signed in with, so that people whose provider gives no (verified) email are kept too;
    /// nil, left out, with neither.
    public static func member(matchableEmail: String?, subject: String?) -> Preassignment.Member? {
        if let email = matchableEmail { return .email(email.lowercased()) }
        if let subject, PreassignmentList.subjectProblem(subject) == nil { return .subject(subject) }
        return nil
    }
}

/// Who may change a course.
public enum CourseAccess {
    /// Its owner, or someone signed in with a verified email among its co-owners.
    public static func allows(ownerId: UUID, coOwners: [String], userId: UUID, verifiedEmail: String?) -> Bool {
        userId == ownerId || verifiedEmail.map { coOwners.contains($0.lowercased()) } == true
    }
}
