import BreakoutDomain
import BreakoutStore
import Foundation
import Hummingbird

/// Courses and their group sets (docs/rules.md, "Courses"): `/v1/courses…` for the signed-in
/// people who own or co-own them, and two commands on a course's meeting, by its host: "Save these
/// rooms" and applying a set as the meeting's pre-assignment list.
struct CourseRoutes: Sendable {
    let routes: Routes
    var store: MeetingStore { routes.store }
    var signIn: SignInConfiguration? { routes.configuration.signIn }

    func register(on router: Router<BreakoutRequestContext>, meeting: RouterGroup<BreakoutRequestContext>) {
        let courses = router.group("v1/courses").add(middleware: PeopleMiddleware(store: store, signIn: signIn))
        courses.post(use: createCourse)
        courses.get(use: listCourses)
        courses.get(":courseId", use: course)
        courses.post(":courseId/group-sets/:name", use: saveGroupSet)
        courses.get(":courseId/group-sets/:name", use: groupSet)
        courses.get(":courseId/attendance", use: attendance)
        meeting.post("group-sets", use: saveRooms)
        meeting.post("preassignments/from-group-set", use: applyGroupSet)
    }

    func requireUser(_ context: BreakoutRequestContext) throws -> User {
        try MeRoutes(store: store, signIn: signIn).requireUser(context)
    }

    func courseId(_ context: BreakoutRequestContext) throws -> UUID {
        try Routes.id(context, "courseId", .courseNotFound)
    }

    /// A set's name from the path: 1–100 characters once trimmed.
    func setName(_ context: BreakoutRequestContext) throws -> String {
        let name = (context.parameters.get("name") ?? "").removingPercentEncoding?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard (1...100).contains(name.count) else { throw DomainError.invalid("name", "must be 1 to 100 characters") }
        return name
    }

    @Sendable func createCourse(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let user = try requireUser(context)
        if let signIn, !signIn.hostPolicy.allows(claims: user.claims, email: user.email, emailVerified: user.emailVerified) {
            throw DomainError.notAllowedToHost(signIn.hostPolicy)
        }
        var body = try await JSONBody.read(request)
        let title = body.string("title", required: true)
        let lms = body.string("lmsReference")
        let coOwners = body.strings("coOwners") ?? []
        try body.finish()
        let validTitle = try InputValidation.title(try Routes.present(title))
        let reference = lms?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let reference, !(1...200).contains(reference.count) {
            throw DomainError.invalid("lmsReference", "must be 1 to 200 characters")
        }
        let emails = try coOwners.enumerated().map { try InputValidation.email($0.element, field: "coOwners[\($0.offset)]") }
        let course = try await store.createCourse(owner: user, title: validTitle, lmsReference: reference, coOwners: emails)
        return try Routes.json(course, status: .created)
    }

    @Sendable func listCourses(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let user = try requireUser(context)
        return try Routes.json(["courses": try await store.courses(of: user)])
    }

    @Sendable func course(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let user = try requireUser(context)
        return try Routes.json(try await store.course(try courseId(context), for: user))
    }

    /// The body is a list as pre-assignment lists are uploaded (Zoom's CSV, a Canvas export, or
    /// JSON `[{room, email}]`); it becomes the set's next version.
    @Sendable func saveGroupSet(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let user = try requireUser(context)
        let courseId = try courseId(context)
        let name = try setName(context)
        let upload = try await routes.readUpload(request)
        guard !upload.list.isEmpty else { throw DomainError.invalid("body", "names no group: a group set needs at least one member") }
        let source: GroupSet.Source = switch upload.format {
        case .zoomCSV: .zoomCSV
        case .canvasCSV: .canvasCSV
        case .json: .typed
        }
        let set = try await store.saveGroupSet(courseId, name: name, source: source, groups: upload.list, by: user)
        return try Routes.json(["groupSet": try JSONValueEncoder().encode(set), "unassigned": Routes.unassigned(upload)], status: .created)
    }

    @Sendable func groupSet(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let user = try requireUser(context)
        var version: Int?
        if let text = request.uri.queryParameters.get("version") {
            guard let number = Int(text), number >= 1 else { throw DomainError.invalid("version", "must be a whole number from 1") }
            version = number
        }
        return try Routes.json(try await store.groupSet(try courseId(context), name: try setName(context), version: version, for: user))
    }

    /// The course's attendance, meeting by meeting (ended ones too): JSON, or CSV for a client that
    /// accepts `text/csv`.
    @Sendable func attendance(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let user = try requireUser(context)
        let meetings = try await store.courseAttendance(try courseId(context), for: user)
        guard Routes.accepts(request, "text/csv") else { return try Routes.json(["meetings": meetings]) }
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8; header=present"
        headers[.contentDisposition] = "attachment; filename=\"course-attendance.csv\""
        headers[.vary] = "Accept"
        let text = AttendanceCSV.text(meetings: meetings.map { ($0.code, $0.title, $0.spans) })
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// "Save these rooms": `{name, from: "assignment" | "last_rooms"}`.
    @Sendable func saveRooms(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var body = try await JSONBody.read(request)
        let name = body.string("name", required: true)?.trimmingCharacters(in: .whitespacesAndNewlines)
        let from = body.string("from") ?? "assignment"
        if let name, !(1...100).contains(name.count) { body.add(.invalid("name", "must be 1 to 100 characters")) }
        if from != "assignment" && from != "last_rooms" { body.add(.invalid("from", "must be assignment or last_rooms")) }
        try body.finish()
        let saved = try await store.saveRooms(caller, name: try Routes.present(name), lastRooms: from == "last_rooms")
        return try Routes.json(["groupSet": try JSONValueEncoder().encode(saved.set), "leftOut": .array(saved.leftOut.map(JSONValue.string))],
                               status: .created)
    }

    /// `{name, version?}`: the meeting's pre-assignment list becomes that version of the set.
    @Sendable func applyGroupSet(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var body = try await JSONBody.read(request)
        let name = body.string("name", required: true)
        let version = body.int("version", in: 1...Int(Int32.max))
        try body.finish()
        let list = try await store.applyGroupSet(caller, name: try Routes.present(name), version: version ?? nil)
        return try Routes.json(list)
    }
}
