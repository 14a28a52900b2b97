import BreakoutDomain
@testable import BreakoutServer
import BreakoutStore
import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Testing

/// Campus sign-in over HTTP on a node configured for it: the same-origin rule for cookie writes,
/// the host policy, personal API tokens, the security headers, and sign-in pages that fail
/// clearly. (The whole flow with a real provider and browsers is in Tests/browser.)
@Suite("Sign-in over HTTP")
struct SignInHTTPTests {
    static let publicURL = "https://breakout.uni.test"

    static var configuration: ServerConfiguration { configuration(nodeId: "sign-in") }
    /// The session cookie's name with this https public URL.
    static let sessionCookie = "__Host-breakout_session"

    /// The same settings on a node of another name (two nodes behind one balancer).
    static func configuration(nodeId: String) -> ServerConfiguration {
        let signIn = SignInConfiguration(
            // Nothing listens there: a provider that is down.
            issuer: "http://127.0.0.1:9", clientId: "breakout", clientSecret: "s", publicURL: publicURL,
            tokenSecret: PeopleTests.secret, hostPolicy: HostPolicy("claim:eduPersonAffiliation=employee,faculty")!)
        return ServerConfiguration(nodeId: nodeId, signIn: signIn, databaseConnectTimeout: TestDatabase.leaseBound)
    }

    /// A session for a new person with `affiliation`, as the callback would have started it: the
    /// provider gave `email` (none when nil), verified or not. The person's subject is theirs
    /// alone; `GET /v1/me` tells it.
    static func session(_ affiliation: String, email: String?, emailVerified: Bool = true) async throws -> String {
        try await PeopleTests.withStore { store, _ in
            let user = try await store.signedIn(
                issuer: "http://127.0.0.1:9", subject: "sub-\(UUID().uuidString)", email: email, emailVerified: emailVerified, name: "Person",
                claims: ["eduPersonAffiliation": .array([.string(affiliation)])])
            return try await store.startSession(userId: user.id, lifetime: .seconds(3600))
        }
    }

    static func send(
        _ node: Node, _ method: HTTPRequest.Method, _ path: String, cookie: String? = nil, origin: String? = nil,
        bearer: String? = nil, json: JSONValue? = nil
    ) async throws -> (status: HTTPResponse.Status, headers: HTTPFields, json: JSONValue, body: String) {
        var headers = HTTPFields()
        if let cookie { headers[.cookie] = "\(Self.sessionCookie)=\(cookie)" }
        if let origin { headers[.origin] = origin }
        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
        var body: ByteBuffer?
        if let json {
            body = ByteBuffer(bytes: try JSONEncoder().encode(json))
            headers[.contentType] = "application/json"
        }
        return try await node.client.execute(uri: path, method: method, headers: headers, body: body) { response in
            let text = String(buffer: response.body)
            return (response.status, response.headers, (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .null, text)
        }
    }

    @Test("a cookie write from another site is refused; from the service's own origin it owns the meeting")
    func sameOrigin() async throws {
        let teacher = try await Self.session("faculty", email: "t-\(UUID())@uni.test".lowercased())
        try await withNode(configuration: Self.configuration) { node in
            let body: JSONValue = ["title": "Seminar"]
            let foreign = try await Self.send(node, .post, "/v1/meetings", cookie: teacher, origin: "https://evil.example", json: body)
            #expect(foreign.status == .forbidden && foreign.json["code"] == "cross_site_request")
            let noOrigin = try await Self.send(node, .post, "/v1/meetings", cookie: teacher, json: body)
            #expect(noOrigin.status == .forbidden, "neither Origin nor Referer: refused")
            let own = try await Self.send(node, .post, "/v1/meetings", cookie: teacher, origin: Self.publicURL, json: body)
            #expect(own.status == .created, "\(own.body)")
            let mine = try await Self.send(node, .get, "/v1/me/meetings", cookie: teacher)
            #expect(mine.json["meetings"]?.arrayValue?.first?["id"] == own.json["meeting"]?["id"])
        }
    }

    @Test("a person the host policy leaves out may not create; nobody signed in must sign in")
    func hostPolicy() async throws {
        let student = try await Self.session("student", email: "s-\(UUID())@uni.test".lowercased())
        try await withNode(configuration: Self.configuration) { node in
            let me = try await Self.send(node, .get, "/v1/me", cookie: student)
            #expect(me.json["mayHost"] == false)
            #expect(me.json["hostPolicy"]?.stringValue?.contains("eduPersonAffiliation") == true)
            let refused = try await Self.send(node, .post, "/v1/meetings", cookie: student, origin: Self.publicURL, json: ["title": "Mine"])
            #expect(refused.status == .forbidden && refused.json["code"] == "not_allowed_to_host")
            let anonymous = try await Self.send(node, .post, "/v1/meetings", json: ["title": "Mine"])
            #expect(anonymous.status == .unauthorized && anonymous.json["code"] == "sign_in_required")
            let nobody = try await Self.send(node, .get, "/v1/me")
            #expect(nobody.status == .unauthorized && nobody.json["code"] == "not_signed_in")
        }
    }

    @Test("a personal API token creates meetings for its owner until it is revoked")
    func apiTokens() async throws {
        let teacher = try await Self.session("employee", email: "a-\(UUID())@uni.test".lowercased())
        try await withNode(configuration: Self.configuration) { node in
            let made = try await Self.send(
                node, .post, "/v1/me/api-tokens", cookie: teacher, origin: Self.publicURL, json: ["name": "LMS", "expiresInDays": 30])
            #expect(made.status == .created)
            let token = try #require(made.json["token"]?.stringValue)
            let id = try #require(made.json["id"]?.stringValue)
            let listed = try await Self.send(node, .get, "/v1/me/api-tokens", cookie: teacher)
            #expect(listed.json["tokens"]?.arrayValue?.first?["token"] == nil, "never shown again")
            let created = try await Self.send(node, .post, "/v1/meetings", bearer: token, json: ["title": "From the LMS"])
            #expect(created.status == .created, "\(created.body)")
            // Another person cannot revoke it, nor see it; a participant's token is nobody's sign-in.
            let other = try await Self.session("employee", email: "o-\(UUID())@uni.test".lowercased())
            let foreign = try await Self.send(node, .delete, "/v1/me/api-tokens/\(id)", cookie: other, origin: Self.publicURL)
            #expect(foreign.status == .notFound && foreign.json["code"] == "api_token_not_found")
            #expect(try await Self.send(node, .get, "/v1/me/api-tokens", cookie: other).json["tokens"] == [])
            let participantToken = try #require(created.json["hostToken"]?.stringValue)
            let asParticipant = try await Self.send(node, .get, "/v1/me", bearer: participantToken)
            #expect(asParticipant.status == .unauthorized && asParticipant.json["code"] == "not_signed_in")
            let noCredentials = try await Self.send(node, .post, "/v1/me/api-tokens", json: ["name": "x"])
            #expect(noCredentials.status == .unauthorized)
            let badName = try await Self.send(node, .post, "/v1/me/api-tokens", cookie: teacher, origin: Self.publicURL, json: ["name": " "])
            #expect(badName.status == .unprocessableContent && badName.json["code"] == "validation_failed")
            let revoked = try await Self.send(node, .delete, "/v1/me/api-tokens/\(id)", cookie: teacher, origin: Self.publicURL)
            #expect(revoked.status == .noContent)
            let after = try await Self.send(node, .post, "/v1/meetings", bearer: token, json: ["title": "Again"])
            #expect(after.status == .unauthorized && after.json["code"] == "invalid_token")
            let signedOut = try await Self.send(node, .post, "/auth/logout", cookie: teacher, origin: Self.publicURL)
            #expect(signedOut.status == .noContent)
            #expect(signedOut.headers[.setCookie]?.contains("Max-Age=0") == true)
            #expect(signedOut.headers[.setCookie]?.hasPrefix("__Host-breakout_session=;") == true, "\(signedOut.headers[.setCookie] ?? "")")
            #expect(try await Self.send(node, .get, "/v1/me", cookie: teacher).status == .unauthorized, "the session ended")
        }
    }

    @Test("sign-in pages fail with a page that says why: provider down 502, no sign-in begun 400; never a 500")
    func failurePages() async throws {
        try await withNode(configuration: Self.configuration) { node in
            let login = try await Self.send(node, .get, "/auth/login?returnTo=https://evil.example/")
            #expect(login.status == .badGateway)
            #expect(login.body.contains("could not be reached"))
            let callback = try await Self.send(node, .get, "/auth/callback?code=x&state=y")
            #expect(callback.status == .badRequest)
            #expect(callback.body.contains("did not start a sign-in"))
            #expect(callback.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            #expect(callback.headers[.xContentTypeOptions] == "nosniff")
        }
    }

    @Test("API tokens: only a signed-in session mints them, each lives at most 90 days, and a person has at most 20")
    func apiTokenLimits() async throws {
        let teacher = try await Self.session("employee", email: "l-\(UUID())@uni.test".lowercased())
        try await withNode(configuration: Self.configuration) { node in
            @Sendable func mint(_ json: JSONValue, bearer: String? = nil) async throws -> (status: HTTPResponse.Status, headers: HTTPFields, json: JSONValue, body: String) {
                bearer == nil
                    ? try await Self.send(node, .post, "/v1/me/api-tokens", cookie: teacher, origin: Self.publicURL, json: json)
                    : try await Self.send(node, .post, "/v1/me/api-tokens", bearer: bearer, json: json)
            }
            // No expiry asked: the longest, 90 days.
            let made = try await mint(["name": "LMS"])
            #expect(made.status == .created, "\(made.body)")
            let token = try #require(made.json["token"]?.stringValue)
            let expires = try #require(made.json["expiresAt"]?.stringValue.flatMap { try? Date($0, strategy: .iso8601) })
            #expect(abs(expires.timeIntervalSinceNow - 90 * 86_400) < 3_600, "expires \(expires)")
            #expect(try await mint(["name": "Long", "expiresInDays": 91]).json["code"] == "validation_failed")
            #expect(try await mint(["name": "Never", "expiresInDays": nil]).json["expiresAt"] != .null)
            // A token cannot make tokens: that needs the person's own session.
            let byToken = try await mint(["name": "Child"], bearer: token)
            #expect(byToken.status == .forbidden && byToken.json["code"] == "session_required", "\(byToken.body)")
            // 2 made so far; up to 20 alive, then 409 until one is revoked.
            for index in 2..<20 {
                #expect(try await mint(["name": .string("T\(index)")]).status == .created)
            }
            let over = try await mint(["name": "One too many"])
            #expect(over.status == .conflict && over.json["code"] == "too_many_api_tokens", "\(over.body)")
            let id = try #require(made.json["id"]?.stringValue)
            #expect(try await Self.send(node, .delete, "/v1/me/api-tokens/\(id)", cookie: teacher, origin: Self.publicURL).status == .noContent)
            #expect(try await mint(["name": "After a revocation"]).status == .created)
        }
    }

    @Test("a retried POST /v1/me/api-tokens with its Idempotency-Key makes one token; another person's same key is theirs")
    func apiTokenRetries() async throws {
        let teacher = try await Self.session("employee", email: "r-\(UUID())@uni.test".lowercased())
        let other = try await Self.session("employee", email: "q-\(UUID())@uni.test".lowercased())
        try await withNode(configuration: Self.configuration) { node in
            @Sendable func mint(_ session: String, key: String) async throws -> (status: HTTPResponse.Status, json: JSONValue) {
                var headers = HTTPFields()
                headers[.cookie] = "\(Self.sessionCookie)=\(session)"
                headers[.origin] = Self.publicURL
                headers[.contentType] = "application/json"
                headers[HTTPField.Name("Idempotency-Key")!] = key
                return try await node.client.execute(
                    uri: "/v1/me/api-tokens", method: .post, headers: headers, body: ByteBuffer(string: #"{"name":"LMS"}"#)
                ) { response in
                    (response.status, (try? JSONDecoder().decode(JSONValue.self, from: Data(String(buffer: response.body).utf8))) ?? .null)
                }
            }
            let key = UUID().uuidString
            let first = try await mint(teacher, key: key)
            let retried = try await mint(teacher, key: key)
            #expect(first.status == .created && retried.status == .created)
            #expect(first.json["token"] != nil && retried.json == first.json, "the retry answers the first answer: \(first.json) then \(retried.json)")
            let listed = try await Self.send(node, .get, "/v1/me/api-tokens", cookie: teacher)
            #expect(listed.json["tokens"]?.arrayValue?.count == 1, "one token, not two: \(listed.body)")
            // The same key from another person is that person's own first request.
            let theirs = try await mint(other, key: key)
            #expect(theirs.status == .created && theirs.json["id"] != first.json["id"], "\(theirs.json)")
        }
    }

    @Test("answers that carry a token are never stored (no-store); HSTS with an https public URL, never without")
    func noStoreAndHSTS() async throws {
        let teacher = try await Self.session("employee", email: "n-\(UUID())@uni.test".lowercased())
        try await withNode(configuration: Self.configuration) { node in
            let made = try await Self.send(
                node, .post, "/v1/me/api-tokens", cookie: teacher, origin: Self.publicURL, json: ["name": "LMS", "expiresInDays": 30])
            let token = try #require(made.json["token"]?.stringValue)
            let created = try await Self.send(node, .post, "/v1/meetings", bearer: token, json: ["title": "Stored nowhere"])
            let code = try #require(created.json["meeting"]?["code"]?.stringValue)
            let joined = try await Self.send(node, .post, "/v1/meetings/join", cookie: teacher, origin: Self.publicURL, json: ["code": .string(code)])
            for (what, answer) in [("API token", made), ("create", created), ("join", joined)] {
                #expect(answer.status == .created || answer.status == .ok, "\(what): \(answer.status) \(answer.body)")
                #expect(answer.headers[.cacheControl] == "no-store", "\(what)")
                #expect(answer.headers[.strictTransportSecurity] == "max-age=31536000", "\(what)")
            }
        }
        try await withNode { node in
            let created = try await Self.send(node, .post, "/v1/meetings", json: ["title": "Open mode"])
            #expect(created.status == .created)
            #expect(created.headers[.cacheControl] == "no-store")
            #expect(created.headers[.strictTransportSecurity] == nil, "no https public URL: no HSTS")
        }
    }

    @Test("with an https public URL only the __Host- session cookie counts: a plain one planted by another host is ignored")
    func hostPrefixedCookie() async throws {
        let teacher = try await Self.session("employee", email: "h-\(UUID())@uni.test".lowercased())
        try await withNode(configuration: Self.configuration) { node in
            #expect(try await Self.send(node, .get, "/v1/me", cookie: teacher).status == .ok)
            var headers = HTTPFields()
            headers[.cookie] = "breakout_session=\(teacher)"
            let planted = try await node.client.execute(uri: "/v1/me", method: .get, headers: headers) { $0.status }
            #expect(planted == .unauthorized)
        }
    }

    @Test("a callback whose sign-in was already completed is refused before the provider is asked")
    func replayedState() async throws {
        // This browser's sign-in, already completed once: its nonce is used.
        let attempt = SignInState.start(returnTo: "/")
        #expect(try await PeopleTests.withStore { store, _ in try await store.useNonce(attempt.nonce) })
        let sealed = try attempt.sealed(with: PeopleTests.secret)
        try await withNode(configuration: Self.configuration) { node in
            var headers = HTTPFields()
            headers[.cookie] = "\(SignInState.cookieName)=\(sealed)"
            let path = "/auth/callback?code=replayed&state=\(attempt.state)"
            let (status, body) = try await node.client.execute(uri: path, method: .get, headers: headers) { response in
                (response.status, String(buffer: response.body))
            }
            // The provider is down (nothing listens at its address): asked, it would be a 502.
            #expect(status == .badRequest, "\(status): \(body)")
            #expect(body.contains("already completed"), "\(body)")
        }
    }

    @Test("in open mode /auth/* is 404 sign_in_off and /v1/me is 401 sign_in_off")
    func openMode() async throws {
        try await withNode { node in
            let login = try await Self.send(node, .get, "/auth/login")
            #expect(login.status == .notFound && login.json["code"] == "sign_in_off")
            let me = try await Self.send(node, .get, "/v1/me")
            #expect(me.status == .unauthorized && me.json["code"] == "sign_in_off")
        }
    }
}
