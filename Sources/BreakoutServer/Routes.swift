import BreakoutDomain
import BreakoutStore
import Foundation
import Hummingbird

/// The v1 HTTP contract: one handler per operation of `openapi.yaml`, each a thin translation from
/// request to a `MeetingStore` command and from its result to a response.
struct Routes: Sendable {
    let store: MeetingStore
    /// The node's shared snapshots: read once per meeting and `seq`, encoded once per view.
    let snapshots: SharedSnapshots
    let configuration: ServerConfiguration
    /// This node's media worker (media on): told which meetings pages are joining the media of.
    var media: MediaWorker? = nil

    func register(on router: Router<BreakoutRequestContext>) {
        let v1 = router.group("v1/meetings")
        let people = PeopleMiddleware(store: store, signIn: configuration.signIn)
        v1.group().add(middleware: people).post(use: createMeeting)
        v1.group("join").add(middleware: people).post(use: join)
        // Everything about one meeting needs its member's token: checked once, by the middleware
        // and then inside the command's own statement.
        let meeting = router.group("v1/meetings/:meetingId").add(middleware: AuthenticationMiddleware())
        meeting.get(use: snapshot)
        meeting.delete("participants/:participantId", use: removeParticipant)
        meeting.put("participants/:participantId/role", use: setRole)
        meeting.put("participants/:participantId/mute", use: setMute)
        meeting.post("end", use: endMeeting)
        meeting.post("breakout", use: createBreakout)
        meeting.delete("breakout", use: discardBreakout)
        meeting.patch("breakout/options", use: changeOptions)
        meeting.post("breakout/rooms", use: addRoom)
        meeting.patch("breakout/rooms/:roomId", use: renameRoom)
        meeting.delete("breakout/rooms/:roomId", use: deleteRoom)
        meeting.put("breakout/assignments/:participantId", use: assign)
        meeting.post("breakout/open", use: openBreakout)
        meeting.post("breakout/close", use: closeBreakout)
        meeting.post("moves", use: move)
        meeting.post("broadcasts", use: broadcast)
        meeting.post("help-requests", use: requestHelp)
        meeting.post("help-requests/:requestId/take", use: takeHelp)
        meeting.post("help-requests/:requestId/resolve", use: resolveHelp)
        meeting.post("unmute-all", use: unmuteAll)
        meeting.put("preassignments", use: replacePreassignments)
        meeting.get("preassignments", use: preassignments)
        meeting.get("attendance", use: attendance)
        MediaRoutes(store: store, configuration: configuration.media, worker: media).register(on: meeting)
        CourseRoutes(routes: self).register(on: router, meeting: meeting)
    }

    // MARK: Meetings and membership

    /// Signed in, the creator owns the meeting (if the host policy lets them host). With sign-in
    /// configured and nobody signed in, only the admin token may create; in open mode anyone may,
    /// or holders of the admin token when one is set.
    @Sendable func createMeeting(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        var owner: MeetingStore.SignedIn?
        if let user = context.user, let signIn = configuration.signIn {
            guard signIn.hostPolicy.allows(claims: user.claims, email: user.email, emailVerified: user.emailVerified) else {
                throw DomainError.notAllowedToHost(signIn.hostPolicy)
            }
            owner = MeetingStore.SignedIn(user: user, tokenSecret: signIn.tokenSecret)
        } else if let adminToken = configuration.adminToken {
            guard let token = Self.bearerToken(request) else { throw Problem.missingToken }
            guard Self.constantTimeEqual(token, adminToken) else {
                throw Problem(.adminTokenRequired, "Creating meetings needs the server's admin token.")
            }
        } else if configuration.signIn != nil {
            throw DomainError.signInRequired
        }
        var body = try await JSONBody.read(request)
        let title = body.string("title", required: true)
        let hostName = body.string("hostName")
        let courseId = body.uuidOrNull("courseId") ?? nil
        var settings = Meeting.Settings(breakoutRoomsEnabled: true)
        if var fields = body.object("settings") {
            settings.breakoutRoomsEnabled = fields.bool("breakoutRoomsEnabled") ?? true
            if let who = fields.string("whoMayJoin") {
                if let value = Meeting.WhoMayJoin(rawValue: who) { settings.whoMayJoin = value }
                else { fields.add(.invalid("settings.whoMayJoin", "must be anyone, signed_in or invited")) }
            }
            settings.alternativeHosts = fields.strings("alternativeHosts") ?? []
            body.absorb(fields)
        }
        try body.finish()
        if courseId != nil, owner == nil {
            throw DomainError.invalid("courseId", "a course's meetings are made by its owners, signed in")
        }
        if settings.whoMayJoin != .anyone, configuration.signIn == nil {
            throw DomainError.invalid("settings.whoMayJoin", "needs campus sign-in, which this service does not have")
        }
        let created = try await store.createMeeting(
            title: try Self.present(title), hostName: hostName ?? "Host", settings: settings, owner: owner, courseId: courseId,
            claim: context.idempotencyClaim)
        return try Self.json(created, status: .created)
    }

    @Sendable func join(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        var body = try await JSONBody.read(request)
        let signedIn = context.user.flatMap { user in
            configuration.signIn.map { MeetingStore.SignedIn(user: user, tokenSecret: $0.tokenSecret) }
        }
        let code = body.string("code", required: true)
        // Signed in, the name and email are the provider's.
        let displayName = body.string("displayName", required: signedIn == nil)
        let email = body.string("email")
        try body.finish()
        let joined = try await store.join(
            code: try Self.present(code), displayName: displayName, email: email, signedIn: signedIn,
            claim: context.idempotencyClaim)
        return try Self.json(joined, status: .created)
    }

    @Sendable func snapshot(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let identity = try await store.identify(token: caller.token, meetingId: caller.meetingId)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: try await snapshots.current(for: identity)))
    }

    @Sendable func removeParticipant(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try await store.removeParticipant(caller, target: try Self.id(context, "participantId", .participantNotFound))
        return Response(status: .noContent)
    }

    @Sendable func setRole(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let target = try Self.id(context, "participantId", .participantNotFound)
        var body = try await JSONBody.read(request)
        let roleName = body.string("role", required: true)
        let role = roleName.flatMap(Role.init(rawValue:))
        if roleName != nil, role == nil || role == .host { body.add(.invalid("role", "must be cohost or participant")) }
        try body.finish()
        let changed = RoleChanged(participantId: target, role: try Self.present(role))
        try await store.setRole(caller, target: target, role: changed.role)
        return try Self.json(changed)
    }

    @Sendable func endMeeting(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try await store.endMeeting(caller)
        return Response(status: .noContent)
    }

    // MARK: Breakout rooms

    @Sendable func createBreakout(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var body = try await JSONBody.read(request)
        let roomCount = body.int("roomCount", in: 1...configuration.maxRooms)
        let roomSize = body.int("roomSize", in: Limits.roomSize)
        let seed = body.int("seed", in: Limits.seed)
        let modeName = body.string("mode", required: true)
        let mode = modeName.flatMap(BreakoutMode.init(rawValue:))
        if modeName != nil, mode == nil {
            body.add(.invalid("mode", "must be automatic, manual, self_select, preassigned, rotate or keep"))
        }
        var patch = BreakoutOptionsPatch()
        if var options = body.object("options") {
            patch = Self.optionsPatch(&options)
            body.absorb(options)
        }
        try body.finish()
        // Which of roomCount and roomSize a mode takes is a rule (BreakoutRules.create).
        let created = try await store.createBreakout(
            caller, roomCount: roomCount ?? nil, roomSize: roomSize ?? nil, mode: try Self.present(mode), options: patch,
            seed: seed ?? nil)
        return try Self.json(created, status: .created)
    }

    @Sendable func discardBreakout(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try await store.discardBreakout(caller)
        return Response(status: .noContent)
    }

    @Sendable func changeOptions(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var body = try await JSONBody.read(request)
        let patch = Self.optionsPatch(&body)
        try body.finish()
        return try Self.json(try await store.changeOptions(caller, patch: patch))
    }

    @Sendable func addRoom(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var body = try await JSONBody.read(request, allowEmpty: true)
        let name = body.string("name")
        try body.finish()
        return try Self.json(try await store.addRoom(caller, name: name), status: .created)
    }

    @Sendable func renameRoom(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let room = try Self.id(context, "roomId", .roomNotFound)
        var body = try await JSONBody.read(request)
        let name = body.string("name", required: true)
        try body.finish()
        return try Self.json(try await store.renameRoom(caller, room: room, name: try Self.present(name)))
    }

    @Sendable func deleteRoom(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try await store.deleteRoom(caller, room: try Self.id(context, "roomId", .roomNotFound))
        return Response(status: .noContent)
    }

    @Sendable func assign(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let target = try Self.id(context, "participantId", .participantNotFound)
        var body = try await JSONBody.read(request)
        let room = body.uuidOrNull("roomId", required: true)
        try body.finish()
        return try Self.json(try await store.assign(caller, participant: target, room: try Self.present(room)))
    }

    @Sendable func openBreakout(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        return try Self.json(try await store.openBreakout(caller))
    }

    @Sendable func closeBreakout(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        return try Self.json(try await store.closeBreakout(caller))
    }

    // MARK: In the rooms

    @Sendable func move(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var body = try await JSONBody.read(request)
        let room = body.uuidOrNull("roomId", required: true)
        try body.finish()
        return try Self.json(try await store.move(caller, to: try Self.present(room)))
    }

    @Sendable func broadcast(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var body = try await JSONBody.read(request)
        let message = body.string("message", required: true)
        let room = body.uuidOrNull("roomId")
        try body.finish()
        return try Self.json(try await store.broadcast(caller, message: try Self.present(message), roomId: room ?? nil), status: .created)
    }

    @Sendable func requestHelp(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try await JSONBody.read(request, allowEmpty: true).finish()
        return try Self.json(try await store.requestHelp(caller), status: .created)
    }

    @Sendable func takeHelp(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        try await workHelp(request, context, resolve: false)
    }

    @Sendable func resolveHelp(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        try await workHelp(request, context, resolve: true)
    }

    private func workHelp(_ request: Request, _ context: BreakoutRequestContext, resolve: Bool) async throws -> Response {
        let caller = try context.requireCaller()
        let requestId = try Self.id(context, "requestId", .helpRequestNotFound)
        try await JSONBody.read(request, allowEmpty: true).finish()
        return try Self.json(try await store.workHelpRequest(caller, request: requestId, resolve: resolve))
    }

    @Sendable func setMute(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let target = try Self.id(context, "participantId", .participantNotFound)
        var body = try await JSONBody.read(request)
        let muted = body.bool("muted", required: true)
        try body.finish()
        return try Self.json(try await store.setMute(caller, participant: target, muted: try Self.present(muted)))
    }

    @Sendable func unmuteAll(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try await JSONBody.read(request, allowEmpty: true).finish()
        return try Self.json(try await store.unmuteAll(caller))
    }
}

// MARK: Pre-assignments

extension Routes {
    /// Pre-assignment uploads may be larger than JSON commands: 1000 rows of a long room name and
    /// a long email.
    static let maxUploadBytes = 1 << 20

    /// `text/csv` (Zoom's template or a Canvas group-set export, told apart by the header), or
    /// `application/json` `[{room, email}]`; all or nothing. Answers the stored list, the format
    /// read and the rows that name nobody's room (students in no Canvas group).
    @Sendable func replacePreassignments(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let upload = try await readUpload(request)
        let stored = try await store.replacePreassignments(caller, upload.list)
        return try Self.json([
            "format": .string(upload.format.rawValue), "preassignments": try JSONValueEncoder().encode(stored),
            "unassigned": Self.unassigned(upload),
        ])
    }

    /// A list of rooms and emails as uploaded: Zoom's CSV template or a Canvas group-set export
    /// (`text/csv`), or `[{room, email}]` (`application/json`). Pre-assignment lists and course
    /// group sets are read alike.
    func readUpload(_ request: Request) async throws -> PreassignmentUpload {
        let buffer = try await request.body.collect(upTo: Self.maxUploadBytes)
        let type = (request.headers[.contentType] ?? "").lowercased()
        if type.hasPrefix("text/csv") || type.hasPrefix("application/csv") {
            return try PreassignmentList.readCSV(
                buffer.readableBytesView, maxRooms: configuration.maxRooms, loginDomain: configuration.loginDomain)
        } else if type.contains("json") {
            let value: JSONValue
            do {
                value = try JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView))
            } catch {
                throw Problem(.malformedJSON, "The body is not valid JSON.")
            }
            return PreassignmentUpload(
                format: .json, list: try PreassignmentList.parseJSON(value, maxRooms: configuration.maxRooms), unassigned: [])
        }
        throw Problem(.unsupportedMediaType, "Send the list as text/csv (Zoom's template or a Canvas group-set export) or application/json (got \(type.isEmpty ? "no Content-Type" : type)).")
    }

    /// The rows of an upload that name nobody's room, as answered.
    static func unassigned(_ upload: PreassignmentUpload) -> JSONValue {
        .array(upload.unassigned.map {
            ["line": .number(Double($0.line)), "name": $0.name.map(JSONValue.string) ?? .null,
             "login": $0.login.map(JSONValue.string) ?? .null]
        })
    }

    @Sendable func preassignments(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        try Self.json(try await store.preassignments(try context.requireCaller()))
    }
}

// MARK: Attendance

extension Routes {
    /// Who was in which breakout room and for how long (managers): `{spans}` as JSON, or the same
    /// rows as CSV when the client accepts `text/csv` (the web app's download).
    @Sendable func attendance(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let spans = try await store.attendance(try context.requireCaller())
        guard Self.accepts(request, "text/csv") else { return try Self.json(["spans": spans]) }
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8; header=present"
        headers[.contentDisposition] = "attachment; filename=\"attendance.csv\""
        headers[.vary] = "Accept"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: AttendanceCSV.text(spans))))
    }

    /// Whether the `Accept` header names `type` (exactly, without `q=0`). Anything else, no header
    /// included, gets the JSON every other operation answers.
    static func accepts(_ request: Request, _ type: String) -> Bool {
        let ranges = request.headers[values: .accept].flatMap { $0.split(separator: ",") }
        return ranges.contains { range in
            let parts = range.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard parts.first == type else { return false }
            return !parts.dropFirst().contains { $0.replacingOccurrences(of: " ", with: "").range(of: #"^q=0(\.0*)?$"#, options: .regularExpression) != nil }
        }
    }
}

// MARK: Helpers

extension Routes {
    /// A required value that `JSONBody.finish()` has already vouched for (it refuses a body
    /// without it); never a force unwrap on the request path.
    static func present<Value>(_ value: Value?) throws -> Value {
        guard let value else { throw Problem.invalid("body", "a required field is missing") }
        return value
    }

    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let a = Array(a.utf8), b = Array(b.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// A UUID path parameter; anything else is "no such thing" (404), as an unknown id would be.
    static func id(_ context: BreakoutRequestContext, _ name: String, _ unknown: DomainError) throws -> UUID {
        guard let raw = context.parameters.get(name), let id = UUID(uuidString: raw) else { throw unknown }
        return id
    }

    static func optionsPatch(_ body: inout JSONBody) -> BreakoutOptionsPatch {
        var patch = BreakoutOptionsPatch()
        patch.moveAutomatically = body.bool("moveAutomatically")
        patch.allowChooseRoom = body.bool("allowChooseRoom")
        patch.allowReturnToMain = body.bool("allowReturnToMain")
        if let timer = body.int("timerSeconds", in: Limits.timerSeconds, nullable: true) { patch.timerSeconds = .set(timer) }
        patch.closeWhenTimeUp = body.bool("closeWhenTimeUp")
        patch.notifyHostWhenTimeUp = body.bool("notifyHostWhenTimeUp")
        patch.closeCountdownSeconds = body.int("closeCountdownSeconds", in: Limits.closeCountdownSeconds) ?? nil
        patch.assignLateJoiners = body.bool("assignLateJoiners")
        return patch
    }

    /// An answer: `value` in this service's JSON style (`JSONValueEncoder`), keys sorted.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONEncoder.sortedKeys.encode(try JSONValueEncoder().encode(value))
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
