import BreakoutDomain
import BreakoutServer
import BreakoutTestSupport
import Foundation
import Hummingbird
import Testing

/// Bad input always gets a clear 4xx problem+json naming the problem, and changes nothing.
@Suite("Bad input")
struct BadInputTests {
    @Test("every malformed request is a 4xx problem, and the meeting's state and seq are unchanged")
    func refusalsChangeNothing() async throws {
        try await withNode { node in
            let meeting = try await TestMeeting.create(on: node)
            let other = try await TestMeeting.create(on: node, title: "Other")
            let a = try await meeting.join("Ada", on: node)
            _ = try await node.post("\(meeting.path)/breakout", token: meeting.hostToken, ["roomCount": 2, "mode": "manual"])
            let before = try await meeting.snapshot(on: node)
            let breakoutPath = "\(meeting.path)/breakout"
            let unknownId = UUID().uuidString

            struct Case: Sendable {
                var name: String
                var method: HTTPRequest.Method
                var path: String
                var token: String?
                var raw: String?
                var contentType = "application/json"
                var status: HTTPResponse.Status
                var code: String
                var field: String? = nil
            }
            let h = meeting.hostToken
            let cases: [Case] = [
                Case(name: "malformed JSON", method: .patch, path: "\(breakoutPath)/options", token: h, raw: "{\"moveAutomatically\": tru",
                     status: .badRequest, code: "malformed_json"),
                Case(name: "not an object", method: .patch, path: "\(breakoutPath)/options", token: h, raw: "[1,2]",
                     status: .badRequest, code: "malformed_json"),
                Case(name: "wrong type", method: .patch, path: "\(breakoutPath)/options", token: h, raw: "{\"timerSeconds\": \"60\"}",
                     status: .unprocessableContent, code: "validation_failed", field: "timerSeconds"),
                Case(name: "out of range", method: .patch, path: "\(breakoutPath)/options", token: h,
                     raw: "{\"closeCountdownSeconds\": 301}", status: .unprocessableContent, code: "validation_failed",
                     field: "closeCountdownSeconds"),
                Case(name: "fraction", method: .patch, path: "\(breakoutPath)/options", token: h, raw: "{\"timerSeconds\": 1.5}",
                     status: .unprocessableContent, code: "validation_failed", field: "timerSeconds"),
                Case(name: "unknown field", method: .patch, path: "\(breakoutPath)/options", token: h,
                     raw: "{\"moveAutomaticaly\": false}", status: .unprocessableContent, code: "validation_failed",
                     field: "moveAutomaticaly"),
                Case(name: "unknown nested field", method: .post, path: "/v1/meetings", token: nil,
                     raw: "{\"title\": \"x\", \"settings\": {\"breakoutRooms\": true}}", status: .unprocessableContent,
                     code: "validation_failed", field: "settings.breakoutRooms"),
                Case(name: "name too long", method: .patch, path: "\(breakoutPath)/rooms/\(before.rooms[0]["id"]!.stringValue!)",
                     token: h, raw: "{\"name\": \"\(String(repeating: "x", count: 65))\"}", status: .unprocessableContent,
                     code: "validation_failed", field: "name"),
                Case(name: "blank name", method: .patch, path: "\(breakoutPath)/rooms/\(before.rooms[0]["id"]!.stringValue!)",
                     token: h, raw: "{\"name\": \"   \"}", status: .unprocessableContent, code: "validation_failed", field: "name"),
                Case(name: "display name too long", method: .post, path: "/v1/meetings/join", token: nil,
                     raw: "{\"code\": \"\(meeting.code)\", \"displayName\": \"\(String(repeating: "é", count: 65))\"}",
                     status: .unprocessableContent, code: "validation_failed", field: "displayName"),
                Case(name: "missing field", method: .put, path: "\(breakoutPath)/assignments/\(a.id)", token: h, raw: "{}",
                     status: .unprocessableContent, code: "validation_failed", field: "roomId"),
                Case(name: "unknown room", method: .put, path: "\(breakoutPath)/assignments/\(a.id)", token: h,
                     raw: "{\"roomId\": \"\(unknownId)\"}", status: .notFound, code: "room_not_found"),
                Case(name: "unknown participant", method: .put, path: "\(breakoutPath)/assignments/\(unknownId)", token: h,
                     raw: "{\"roomId\": null}", status: .notFound, code: "participant_not_found"),
                Case(name: "malformed id", method: .put, path: "\(breakoutPath)/assignments/not-a-uuid", token: h,
                     raw: "{\"roomId\": null}", status: .notFound, code: "participant_not_found"),
                Case(name: "broadcast too long", method: .post, path: "\(meeting.path)/broadcasts", token: h,
                     raw: "{\"message\": \"\(String(repeating: "a", count: 141))\"}", status: .unprocessableContent,
                     code: "message_too_long", field: "message"),
                Case(name: "NUL in a broadcast", method: .post, path: "\(meeting.path)/broadcasts", token: h,
                     raw: #"{"message": "hi\u0000there"}"#, status: .unprocessableContent, code: "validation_failed", field: "message"),
                Case(name: "NUL in an email", method: .post, path: "/v1/meetings/join", token: nil,
                     raw: #"{"code": "\#(meeting.code)", "displayName": "Eve", "email": "e\u0000@x.edu"}"#,
                     status: .unprocessableContent, code: "validation_failed", field: "email"),
                Case(name: "room count too high", method: .post, path: breakoutPath, token: h,
                     raw: "{\"roomCount\": 101, \"mode\": \"manual\"}", status: .unprocessableContent, code: "validation_failed",
                     field: "roomCount"),
                Case(name: "unknown mode", method: .post, path: breakoutPath, token: h,
                     raw: "{\"roomCount\": 2, \"mode\": \"random\"}", status: .unprocessableContent, code: "validation_failed",
                     field: "mode"),
                Case(name: "body too large", method: .patch, path: "\(breakoutPath)/options", token: h,
                     raw: "{\"x\": \"\(String(repeating: "a", count: 70_000))\"}", status: .contentTooLarge, code: "body_too_large"),
                Case(name: "not JSON", method: .patch, path: "\(breakoutPath)/options", token: h, raw: "moveAutomatically=false",
                     contentType: "application/x-www-form-urlencoded", status: .unsupportedMediaType, code: "unsupported_media_type"),
                Case(name: "no token", method: .post, path: "\(breakoutPath)/open", token: nil, raw: nil,
                     status: .unauthorized, code: "missing_token"),
                Case(name: "unknown token", method: .post, path: "\(breakoutPath)/open", token: "nonsense", raw: nil,
                     status: .unauthorized, code: "invalid_token"),
                Case(name: "token of another meeting", method: .post, path: "\(breakoutPath)/open", token: other.hostToken, raw: nil,
                     status: .notFound, code: "meeting_not_found"),
                Case(name: "participant opens rooms", method: .post, path: "\(breakoutPath)/open", token: a.token, raw: nil,
                     status: .forbidden, code: "not_a_manager"),
                Case(name: "second breakout", method: .post, path: breakoutPath, token: h, raw: "{\"roomCount\": 2, \"mode\": \"manual\"}",
                     status: .conflict, code: "breakout_exists"),
                Case(name: "unknown path", method: .get, path: "/v1/nothing", token: nil, raw: nil, status: .notFound, code: "not_found"),
            ]
            for c in cases {
                let reply = try await node.request(c.method, c.path, token: c.token, raw: c.raw, contentType: c.contentType)
                #expect(reply.status == c.status, "\(c.name): \(reply.body)")
                #expect(reply.code == c.code, "\(c.name): \(reply.body)")
                #expect(reply.contentType == "application/problem+json", "\(c.name)")
                #expect(reply.json["status"]?.intValue == Int(c.status.code), "\(c.name)")
                if let field = c.field {
                    let fields = reply.json["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? []
                    #expect(fields.contains(field), "\(c.name): \(reply.body)")
                }
            }
            let after = try await meeting.snapshot(on: node)
            #expect(after == before, "refused requests changed the meeting")
        }
    }

    @Test("the admin token gates meeting creation when configured")
    func adminToken() async throws {
        try await withNode(configuration: .init(adminToken: "s3cret", nodeId: "admin")) { node in
            let anonymous = try await node.post("/v1/meetings", ["title": "x"])
            #expect(anonymous.code == "missing_token")
            let wrong = try await node.request(.post, "/v1/meetings", token: "wrong", json: ["title": "x"])
            #expect(wrong.code == "admin_token_required")
            let admin = try await node.request(.post, "/v1/meetings", token: "s3cret", json: ["title": "x"])
            #expect(admin.status == .created)
        }
    }

    @Test("health answers without and readiness with the database; metrics count requests")
    func health() async throws {
        try await withNode { node in
            let live = try await node.get("/healthz")
            // Ready once the node's LISTEN connection is up, which takes a moment after start.
            try await eventually("/readyz to answer 200", every: .milliseconds(50)) { try await node.get("/readyz").status == .ok }
            #expect(live.status == .ok)
            let metrics = try await node.get("/metrics")
            #expect(metrics.status == .ok)
            #expect(metrics.body.contains(#"breakout_http_requests_total{route="/healthz",method="GET",status="200"} 1"#),
                    "\(metrics.body)")
        }
    }
}
