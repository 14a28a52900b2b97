import AsyncHTTPClient
import BreakoutDomain
@testable import BreakoutServer
import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// The checks of an ID token, against a provider served on loopback (discovery and JWKS) whose
/// keys the test holds: each way a token can be wrong is refused, with a reason, and only a token
/// for this client, from this issuer, for this sign-in's nonce, signed by a current key passes.
@Suite("ID tokens")
struct IDTokenTests {
    /// A signing key of the test provider (ES256) and its public JWK.
    struct Key: Sendable {
        let id: String
        let privateKey = P256.Signing.PrivateKey()

        var jwk: [String: String] {
            let raw = privateKey.publicKey.rawRepresentation  // x ‖ y
            return ["kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": id,
                    "x": base64URL(raw.prefix(32)), "y": base64URL(raw.suffix(32))]
        }

        /// A JWT with `header` and `claims`, signed by this key (or with the signature given).
        func token(header: [String: String]? = nil, claims: [String: Any], signature: Data? = nil) throws -> String {
            let header = header ?? ["alg": "ES256", "typ": "JWT", "kid": id]
            let input = base64URL(try JSONSerialization.data(withJSONObject: header, options: .sortedKeys)) + "."
                + base64URL(try JSONSerialization.data(withJSONObject: claims, options: .sortedKeys))
            let signed = try signature ?? privateKey.signature(for: Data(input.utf8)).rawRepresentation
            return input + "." + base64URL(signed)
        }
    }

    static func base64URL(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static let clientId = "breakout-test"

    /// The provider's current keys; a test may change them (a rotation).
    final class KeySet: Sendable {
        let keys: Mutex<[Key]>
        init(_ keys: [Key]) { self.keys = Mutex(keys) }
    }

    /// Serves discovery and the JWKS of `keys` (which a test may change: a rotation) while `body` runs.
    static func withProvider(
        keys: KeySet, _ body: @Sendable (_ provider: OpenIDProvider, _ issuer: String) async throws -> Void
    ) async throws {
        let router = Router()
        let issuerBox = Mutex("")
        router.get(".well-known/openid-configuration") { _, _ -> Response in
            let issuer = issuerBox.withLock { $0 }
            let document: [String: Any] = [
                "issuer": issuer, "authorization_endpoint": issuer + "/authorize", "token_endpoint": issuer + "/token",
                "jwks_uri": issuer + "/jwks",
            ]
            return json(try JSONSerialization.data(withJSONObject: document))
        }
        router.get("jwks") { _, _ -> Response in
            let set = ["keys": keys.keys.withLock { current in current.map { $0.jwk } }]
            return json(try JSONSerialization.data(withJSONObject: set))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let issuer = "http://127.0.0.1:\(try #require(client.port))"
            issuerBox.withLock { $0 = issuer }
            let configuration = SignInConfiguration(
                issuer: issuer, clientId: clientId, clientSecret: nil, publicURL: "http://127.0.0.1:1",
                tokenSecret: String(repeating: "t", count: 32))
            try await body(OpenIDProvider(configuration: configuration, http: .shared, logger: Logger(label: "test")), issuer)
        }
    }

    static func json(_ data: Data) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func claims(issuer: String, audience: Any = clientId, nonce: String = "n-1", expiresIn: TimeInterval = 300) -> [String: Any] {
        ["iss": issuer, "sub": "ada", "aud": audience, "nonce": nonce, "exp": Int(Date().timeIntervalSince1970 + expiresIn),
         "iat": Int(Date().timeIntervalSince1970), "email": "ada@uni.example", "email_verified": true, "name": "Ada Lovelace"]
    }

    /// The reason a token is refused, or nil when it is accepted.
    static func refusal(_ provider: OpenIDProvider, _ token: String, nonce: String = "n-1") async -> String? {
        do {
            _ = try await provider.verify(idToken: token, nonce: nonce)
            return nil
        } catch SignInError.invalidToken(let reason) {
            return reason
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test("a token for this client, issuer and nonce, signed by a current key, passes with its claims")
    func valid() async throws {
        let key = Key(id: "k1")
        try await Self.withProvider(keys: KeySet([key])) { provider, issuer in
            let claims = try await provider.verify(idToken: try key.token(claims: Self.claims(issuer: issuer)), nonce: "n-1")
            // Several audiences with us as the authorized party, and a provider's clock a little ahead.
            let shared = Self.claims(issuer: issuer, audience: [Self.clientId, "other"])
                .merging(["azp": Self.clientId, "iat": Int(Date().timeIntervalSince1970) + 30]) { $1 }
            #expect(await Self.refusal(provider, try key.token(claims: shared)) == nil)
            #expect(claims["email"]?.stringValue == "ada@uni.example")
            let person = try OpenIDProvider.person(claims)
            #expect(person.subject == "ada" && person.name == "Ada Lovelace" && person.emailVerified)
        }
    }

    @Test("each wrong token is refused, saying why")
    func refusals() async throws {
        let key = Key(id: "k1")
        let stranger = Key(id: "k1")  // the same kid, another key: a forged signature
        try await Self.withProvider(keys: KeySet([key])) { provider, issuer in
            let good = Self.claims(issuer: issuer)
            let cases: [(String, String, String)] = [
                ("wrong issuer", try key.token(claims: Self.claims(issuer: "https://evil.example")), "issued by"),
                ("wrong audience", try key.token(claims: Self.claims(issuer: issuer, audience: "another-client")), "another client"),
                ("audience list without us", try key.token(claims: Self.claims(issuer: issuer, audience: ["a", "b"])), "another client"),
                ("expired", try key.token(claims: Self.claims(issuer: issuer, expiresIn: -60)), "exp"),
                ("bad signature", try stranger.token(claims: good), "signature"),
                ("another sign-in's nonce", try key.token(claims: Self.claims(issuer: issuer, nonce: "n-2")), "nonce"),
                ("alg none", try key.token(header: ["alg": "none", "kid": "k1"], claims: good, signature: Data()), "algorithm"),
                ("HMAC with the public key",
                 try Self.hmacToken(claims: good, secret: key.privateKey.publicKey.rawRepresentation), "algorithm"),
                ("no kid", try key.token(header: ["alg": "ES256"], claims: good), "no key"),
                ("unknown kid", try Key(id: "k9").token(claims: good), "no key k9"),
                ("not a JWT", "abc.def", "not a signed JWT"),
                ("several audiences, no azp", try key.token(claims: Self.claims(issuer: issuer, audience: [Self.clientId, "other"])), "azp"),
                ("several audiences, azp another client",
                 try key.token(claims: Self.claims(issuer: issuer, audience: [Self.clientId, "other"]).merging(["azp": "other"]) { $1 }), "azp other"),
                ("one audience, azp another client",
                 try key.token(claims: good.merging(["azp": "other"]) { $1 }), "azp other"),
                ("issued in the future",
                 try key.token(claims: good.merging(["iat": Int(Date().timeIntervalSince1970) + 600]) { $1 }), "issued in the future"),
            ]
            for (what, token, reason) in cases {
                let refusal = await Self.refusal(provider, token)
                #expect(refusal?.lowercased().contains(reason.lowercased()) == true, "\(what): \(refusal ?? "accepted")")
            }
        }
    }

    static func hmacToken(claims: [String: Any], secret: Data) throws -> String {
        let header = ["alg": "HS256", "typ": "JWT", "kid": "k1"]
        let input = base64URL(try JSONSerialization.data(withJSONObject: header, options: .sortedKeys)) + "."
            + base64URL(try JSONSerialization.data(withJSONObject: claims, options: .sortedKeys))
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: secret))
        return input + "." + base64URL(Data(mac))
    }

    @Test("after the provider rotates its keys, a token with the new key's kid passes (the keys are read again once)")
    func rotation() async throws {
        let old = Key(id: "old")
        let new = Key(id: "new")
        let keys = KeySet([old])
        try await Self.withProvider(keys: keys) { provider, issuer in
            _ = try await provider.verify(idToken: try old.token(claims: Self.claims(issuer: issuer)), nonce: "n-1")
            keys.keys.withLock { $0 = [new] }
            _ = try await provider.verify(idToken: try new.token(claims: Self.claims(issuer: issuer)), nonce: "n-1")
            // The old key is gone from the set now: its tokens no longer pass.
            #expect(await Self.refusal(provider, try old.token(claims: Self.claims(issuer: issuer))) != nil)
        }
    }

    @Test("a provider that does not answer is a provider error (an error page), not a crash or a hang")
    func providerDown() async throws {
        let configuration = SignInConfiguration(
            issuer: "http://127.0.0.1:9", clientId: Self.clientId, clientSecret: nil, publicURL: "http://127.0.0.1:1",
            tokenSecret: String(repeating: "t", count: 32))
        let provider = OpenIDProvider(configuration: configuration, http: .shared, logger: Logger(label: "test"))
        let started = ContinuousClock.now
        do {
            _ = try await provider.authorizationURL(state: "s", nonce: "n", codeChallenge: "c")
            Issue.record("a provider that is down cannot give an authorization URL")
        } catch SignInError.provider(let reason) {
            #expect(reason.contains("did not answer"))
        }
        #expect(ContinuousClock.now - started < .seconds(6))
    }

    @Test("returnTo is a local path, never another site")
    func returnTo() {
        #expect(SignInState.localPath("/?code=ABC") == "/?code=ABC")
        #expect(SignInState.localPath("/courses/3f2a?tab=meetings&x=%2F") == "/courses/3f2a?tab=meetings&x=%2F")
        for hostile in ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)", "", nil,
                        "/ /evil.example", "/\u{7F}/evil.example", "/\u{A0}/evil.example", "/\u{2028}/evil.example",
                        "/" + String(repeating: "a", count: SignInState.maxLocalPathBytes)] {
            #expect(SignInState.localPath(hostile) == "/", "\(hostile.map { $0.debugDescription } ?? "nil")")
        }
        // Every C0 control, the tab first (`/%09/evil.example`: browsers strip it and go to
        // //evil.example), in front of a second slash and inside a path.
        for code in UInt8(0)...0x1F {
            let control = String(UnicodeScalar(code))
            #expect(SignInState.localPath("/\(control)/evil.example") == "/", "control \(code) before a slash")
            #expect(SignInState.localPath("/\(control)\(control)/evil.example") == "/", "control \(code) twice")
            #expect(SignInState.localPath("/page\(control)") == "/", "control \(code) in a path")
        }
    }

    @Test("the sign-in state opens only with the nodes' secret, and not once changed")
    func sealedState() throws {
        let state = SignInState.start(returnTo: "/x")
        let sealed = try state.sealed(with: String(repeating: "a", count: 32))
        #expect(SignInState.open(sealed, with: String(repeating: "a", count: 32))?.nonce == state.nonce)
        #expect(SignInState.open(sealed, with: String(repeating: "b", count: 32)) == nil)
        var tampered = Array(sealed)
        tampered[10] = tampered[10] == "A" ? "B" : "A"
        #expect(SignInState.open(String(tampered), with: String(repeating: "a", count: 32)) == nil)
    }
}
