import BreakoutDomain
import BreakoutStore
import Foundation
import Hummingbird

/// The v1 HTTP contract: one handler per row of the spec's table, each a thin translation from
/// request to a `MeetingStore` command and from its result to a response.
struct Routes: Sendable {
    let store: MeetingStore
    let configuration: ServerConfiguration

    func register(on router: Router<BasicRequestContext>) {
        let v1 = router.group("v1/meetings")
        v1.post(use: createMeeting)
        v1.post("join", use: join)
        v1.get(":meetingId", use: snapshot)
        v1.delete(":meetingId/participants/:participantId", use: removeParticipant)
        v1.put(":meetingId/participants/:participantId/role", use: setRole)
        v1.put(":meetingId/participants/:participantId/mute", use: setMute)
        v1.post(":meetingId/end", use: endMeeting)
        v1.post(":meetingId/breakout", use: createBreakout)
        v1.delete(":meetingId/breakout", use: discardBreakout)
        v1.patch(":meetingId/breakout/options", use: changeOptions)
        v1.post(":meetingId/breakout/rooms", use: addRoom)
        v1.patch(":meetingId/breakout/rooms/:roomId", use: renameRoom)
        v1.delete(":meetingId/breakout/rooms/:roomId", use: deleteRoom)
        v1.put(":meetingId/breakout/assignments/:participantId", use: assign)
        v1.post(":meetingId/breakout/open", use: openBreakout)
        v1.post(":meetingId/breakout/close", use: closeBreakout)
        v1.post(":meetingId/moves", use: move)
        v1.post(":meetingId/broadcasts", use: broadcast)
        v1.post(":meetingId/help-requests", use: requestHelp)
        v1.post(":meetingId/help-requests/:requestId/take", use: takeHelp)
        v1.post(":meetingId/help-requests/:requestId/resolve", use: resolveHelp)
        v1.post(":meetingId/unmute-all", use: unmuteAll)
    }

    // MARK: Meetings and membership

    @Sendable func createMeeting(_ request: Request, context: BasicRequestContext) async throws -> Response {
        if let adminToken = configuration.adminToken {
            guard let token = Self.bearerToken(request) else { throw Problem.missingToken }
            guard Self.constantTimeEqual(token, adminToken) else {
                throw Problem(status: .forbidden, code: "admin_token_required",
                              detail: "Creating meetings needs the server's admin token.")
            }
        }
        var body = try await JSONBody.read(request)
        let title = body.string("title", required: true)
        let hostName = body.string("hostName")
        var enabled = true
        if var settings = body.object("settings") {
            enabled = settings.bool("breakoutRoomsEnabled") ?? true
            body.absorb(settings)
        }
        try body.finish()
        let created = try await store.createMeeting(title: title!, hostName: hostName ?? "Host", breakoutRoomsEnabled: enabled)
        return try Self.json([
            "meeting": created.meeting, "hostToken": .string(created.hostToken),
            "participantId": JSONValue(created.participantId),
        ], status: .created)
    }

    @Sendable func join(_ request: Request, context: BasicRequestContext) async throws -> Response {
        var body = try await JSONBody.read(request)
        let code = body.string("code", required: true)
        let displayName = body.string("displayName", required: true)
        let email = body.string("email")
        try body.finish()
        let joined = try await store.join(code: code!, displayName: displayName!, email: email)
        return try Self.json([
            "meetingId": JSONValue(joined.meetingId), "participantId": JSONValue(joined.participantId),
            "token": .string(joined.token),
        ], status: .created)
    }

    @Sendable func snapshot(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let identity = try await authenticate(request, context)
        return try Self.json(try await store.snapshot(identity))
    }

    @Sendable func removeParticipant(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let identity = try await authenticate(request, context)
        try await store.removeParticipant(identity, target: try Self.id(context, "participantId", "participant"))
        return Response(status: .noContent)
    }

    @Sendable func setRole(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let identity = try await authenticate(request, context)
        let target = try Self.id(context, "participantId", "participant")
        var body = try await JSONBody.read(request)
        let roleName = body.string("role", required: true)
        let role = roleName.flatMap(Role.init(rawValue:))
        if roleName != nil, role == nil || role == .host { body.add(.invalid("role", "must be cohost or participant")) }
        try body.finish()
        try await store.setRole(identity, target: target, role: role!)
        return try Self.json(["participantId": JSONValue(target), "role": .string(role!.rawValue)])
    }

    @Sendable func endMeeting(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let identity = try await authenticate(request, context)
        try await store.endMeeting(identity)
        return Response(status: .noContent)
    }

    // MARK: Breakout rooms

    @Sendable func createBreakout(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let identity = try await authenticate(request, context)
        var body = try await JSONBody.read(request)
        let roomCount = body.int("roomCount", in: 1...configuration.maxRooms, required: true)
        let modeName = body.string("mode", required: true)
        let mode = modeName.flatMap(BreakoutMode.init(rawValue:))
        if modeName != nil, mode == nil {
            body.add(.invalid("mode", "must be automatic, manual, self_select or preassigned"))
        }
        var patch = BreakoutOptionsPatch()
        if var options = body.object("options") {
            patch = Self.optionsPatch(&options)
            body.absorb(options)
        }
        try body.finish()
        let breakout = try await store.createBreakout(identity, roomCount: roomCount!!, mode: mode!, options: patch)
        return try Self.json(breakout, status: .created)
    }

    @Sendable func discardBreakout(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let identity = try await authenticate(request, context)
        try await store.discardBreakout(identity)
        return Response(status: .noContent)
    }

    @Sendable func changeOptions(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let identity = try await authenticate(request, context)
        var body = try await JSONBody.read(request)
        let patch = Self.optionsPatch(&body)
        try body.finish()
        return try Self.json(try await store.changeOptions(identity, patch: patch))
    }

    @Sendable func addRoom(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let identity = try await authenticate(request, context)
        var body = try await JSONBody.read(request, allowEmpty: true)
        let name = body.string("name")
        try body.finish()
        return try Self.json(try await store.addRoom(identity, name: name), status: .created)
    }

    @Sendable func renameRoom(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let identity = try await authenticate(request, context)
        let room = try Self.id(context, "roomId", "room")
        var body = try await JSONBody.read(request)
        let name = body.string("name", required: true)
        try body.finish()
        return try Self.json(try await store.renameRoom(identity, room: room, name: name!))
    }

    @Sendable func deleteRoom(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let identity = try await authenticate(request, context)
        try await store.deleteRoom(identity, room: try Self.id(context, "roomId", "room"))
        return Response(status: .noContent)
    }

    @Sendable func assign(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let identity = try await authenticate(request, context)
        let target = try Self.id(context, "participantId", "participant")
        var body = try await JSONBody.read(request)
        let room = body.uuidOrNull("roomId", required: true)
        try body.finish()
        return try Self.json(try await store.assign(identity, participant: target, room: room!))
    }

    @Sendable func openBreakout(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let identity = try await authenticate(request, context)
        return try Self.json(try await store.openBreakout(identity))
    }

    @Sendable func closeBreakout(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let identity = try await authenticate(request, context)
        return try Self.json(try await store.closeBreakout(identity))
    }

    // MARK: In the rooms

    @Sendable func move(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let identity = try await authenticate(request, context)
        var body = try await JSONBody.read(request)
        let room = body.uuidOrNull("roomId", required: true)
        try body.finish()
        return try Self.json(try await store.move(identity, to: room!))
    }

    @Sendable func broadcast(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let identity = try await authenticate(request, context)
        var body = try await JSONBody.read(request)
        let message = body.string("message", required: true)
        let room = body.uuidOrNull("roomId")
        try body.finish()
        return try Self.json(try await store.broadcast(identity, message: message!, roomId: room ?? nil), status: .created)
    }

    @Sendable func requestHelp(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let identity = try await authenticate(request, context)
        try await JSONBody.read(request, allowEmpty: true).finish()
        return try Self.json(try await store.requestHelp(identity), status: .created)
    }

    @Sendable func takeHelp(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try await workHelp(request, context, resolve: false)
    }

    @Sendable func resolveHelp(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try await workHelp(request, context, resolve: true)
    }

    private func workHelp(_ request: Request, _ context: BasicRequestContext, resolve: Bool) async throws -> Response {
        let identity = try await authenticate(request, context)
        let requestId = try Self.id(context, "requestId", "help_request")
        try await JSONBody.read(request, allowEmpty: true).finish()
        return try Self.json(try await store.workHelpRequest(identity, request: requestId, resolve: resolve))
    }

    @Sendable func setMute(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let identity = try await authenticate(request, context)
        let target = try Self.id(context, "participantId", "participant")
        var body = try await JSONBody.read(request)
        let muted = body.bool("muted", required: true)
        try body.finish()
        return try Self.json(try await store.setMute(identity, participant: target, muted: muted!))
    }

    @Sendable func unmuteAll(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let identity = try await authenticate(request, context)
        try await JSONBody.read(request, allowEmpty: true).finish()
        return try Self.json(try await store.unmuteAll(identity))
    }
}

// MARK: Helpers

extension Routes {
    /// The caller's identity in the meeting of the path. A malformed meeting id is a 404 like an unknown one.
    func authenticate(_ request: Request, _ context: BasicRequestContext) async throws -> Identity {
        let meetingId = try Self.id(context, "meetingId", "meeting")
        guard let token = Self.bearerToken(request) else { throw Problem.missingToken }
        return try await store.identify(token: token, meetingId: meetingId)
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
    static func id(_ context: BasicRequestContext, _ name: String, _ what: String) throws -> UUID {
        guard let raw = context.parameters.get(name), let id = UUID(uuidString: raw) else {
            throw DomainError.notFound(what)
        }
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

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONEncoder.sorted.encode(value)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
