import AsyncHTTPClient
import BreakoutDomain
import Foundation
import JWTKit
import Logging
import NIOCore
import NIOHTTP1
import NIOFoundationCompat

/// The campus provider, as the nodes talk to it: its discovery document, its signing keys
/// (JWKS), the token endpoint and userinfo. ID tokens are checked with jwt-kit; what jwt-kit
/// leaves to the caller is checked here, and says why.
actor OpenIDProvider {
    struct Metadata: Decodable, Sendable {
        var issuer: String
        var authorization_endpoint: String
        var token_endpoint: String
        var jwks_uri: String
        var userinfo_endpoint: String?
        var token_endpoint_auth_methods_supported: [String]?
    }

    /// What a verified ID token (and userinfo) says about a person.
    struct Person: Sendable {
        var subject: String
        var email: String?
        var emailVerified: Bool
        var name: String
        /// Every claim, for the host policy.
        var claims: [String: JSONValue]
    }

    /// The claims jwt-kit verifies: the signature (by the key `kid` names) and the expiry.
    struct IDToken: JWTPayload {
        var iss: IssuerClaim
        var sub: SubjectClaim
        var aud: AudienceClaim
        var exp: ExpirationClaim
        var iat: IssuedAtClaim?
        var azp: String?
        var nonce: String?

        func verify(using algorithm: some JWTAlgorithm) async throws {
            try exp.verifyNotExpired()
        }
    }

    /// Only asymmetric signatures: `none` and HMAC (with the provider's public key as the secret,
    /// a classic forgery) are refused before any key is looked at.
    static let acceptedAlgorithms: Set<String> = ["RS256", "ES256"]

    /// How far ahead of this node's clock a provider's may be: an ID token issued later than this
    /// from now is refused.
    static let clockSkew: TimeInterval = 60

    let configuration: SignInConfiguration
    private let http: HTTPClient
    private let logger: Logger
    private var metadata: Metadata?
    private var keys = JWTKeyCollection()
    private var keyIds: Set<String> = []

    init(configuration: SignInConfiguration, http: HTTPClient, logger: Logger) {
        self.configuration = configuration
        self.http = http
        self.logger = logger
    }

    /// The discovery document, read once and kept (a failed read is tried again next time).
    func discovery() async throws -> Metadata {
        if let metadata { return metadata }
        let url = configuration.issuer + "/.well-known/openid-configuration"
        let found = try await get(url, as: Metadata.self)
        // The document must be the issuer's own (OpenID Connect Discovery 1.0, 4.3).
        guard found.issuer.trimmingSuffix("/") == configuration.issuer else {
            throw SignInError.provider("the discovery document names issuer \(found.issuer), not \(configuration.issuer)")
        }
        metadata = found
        return found
    }

    /// The provider's URL where the browser signs in.
    func authorizationURL(state: String, nonce: String, codeChallenge: String) async throws -> String {
        let endpoint = try await discovery().authorization_endpoint
        let query = [
            ("response_type", "code"), ("client_id", configuration.clientId), ("redirect_uri", configuration.redirectURI),
            ("scope", configuration.scopes), ("state", state), ("nonce", nonce),
            ("code_challenge", codeChallenge), ("code_challenge_method", "S256"),
        ].map { "\($0)=\(Self.formEncode($1))" }.joined(separator: "&")
        return endpoint + (endpoint.contains("?") ? "&" : "?") + query
    }

    /// Exchanges the code for tokens, checks the ID token and reads userinfo: the person signing in.
    func signIn(code: String, codeVerifier: String, nonce: String) async throws -> Person {
        let metadata = try await discovery()
        var form = [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", configuration.redirectURI),
            ("code_verifier", codeVerifier), ("client_id", configuration.clientId),
        ]
        var request = HTTPClientRequest(url: metadata.token_endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        if let secret = configuration.clientSecret {
            let methods = metadata.token_endpoint_auth_methods_supported ?? ["client_secret_basic"]
            if methods.contains("client_secret_basic") {
                let credentials = "\(Self.formEncode(configuration.clientId)):\(Self.formEncode(secret))"
                request.headers.add(name: "Authorization", value: "Basic " + Data(credentials.utf8).base64EncodedString())
            } else {
                form.append(("client_secret", secret))
            }
        }
        request.body = .bytes(ByteBuffer(string: form.map { "\($0)=\(Self.formEncode($1))" }.joined(separator: "&")))
        struct Tokens: Decodable {
            var id_token: String?
            var access_token: String?
        }
        let tokens = try await send(request, as: Tokens.self)
        guard let idToken = tokens.id_token else { throw SignInError.provider("the token endpoint answered without an ID token") }
        var claims = try await verify(idToken: idToken, nonce: nonce)
        if let endpoint = metadata.userinfo_endpoint, let accessToken = tokens.access_token {
            var userinfo = HTTPClientRequest(url: endpoint)
            userinfo.headers.add(name: "Authorization", value: "Bearer \(accessToken)")
            userinfo.headers.add(name: "Accept", value: "application/json")
            let extra = try await send(userinfo, as: [String: JSONValue].self)
            // Userinfo must be about the same person (OpenID Connect Core 1.0, 5.3.2).
            if extra["sub"]?.stringValue == claims["sub"]?.stringValue {
                for (name, value) in extra where claims[name] == nil { claims[name] = value }
            }
        }
        return try Self.person(claims)
    }

    /// The claims of a valid ID token for this client, signed by a current key of the provider, for
    /// the sign-in that sent `nonce`. A key id the provider's keys do not have makes the keys be read
    /// again, once (the provider rotated them).
    func verify(idToken: String, nonce: String) async throws -> [String: JSONValue] {
        let parts = idToken.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Self.base64URLDecode(parts[0]), let payloadData = Self.base64URLDecode(parts[1]),
              let header = try? JSONDecoder().decode([String: JSONValue].self, from: headerData),
              let claims = try? JSONDecoder().decode([String: JSONValue].self, from: payloadData)
        else { throw SignInError.invalidToken("it is not a signed JWT") }
        guard let algorithm = header["alg"]?.stringValue, Self.acceptedAlgorithms.contains(algorithm) else {
            throw SignInError.invalidToken("its algorithm \(header["alg"]?.stringValue ?? "(none)") is not RS256 or ES256")
        }
        // jwt-kit falls back to its default key for an unknown kid: the kid is checked here instead.
        guard let keyId = header["kid"]?.stringValue else { throw SignInError.invalidToken("it names no key (kid)") }
        if !keyIds.contains(keyId) { try await loadKeys() }
        guard keyIds.contains(keyId) else { throw SignInError.invalidToken("the provider has no key \(keyId)") }
        let token: IDToken
        do {
            token = try await keys.verify(idToken, as: IDToken.self)
        } catch let error as JWTError {
            throw SignInError.invalidToken("\(error.reason ?? "\(error.errorType)")")
        }
        guard token.iss.value.trimmingSuffix("/") == configuration.issuer else {
            throw SignInError.invalidToken("it was issued by \(token.iss.value)")
        }
        guard token.aud.value.contains(configuration.clientId) else { throw SignInError.invalidToken("it is for another client") }
        // OpenID Connect Core 3.1.3.7: with several audiences the token must say which party it was
        // issued to, and whenever it says so, that party must be us.
        if token.aud.value.count > 1, token.azp == nil {
            throw SignInError.invalidToken("it has several audiences and no authorized party (azp)")
        }
        if let azp = token.azp, azp != configuration.clientId {
            throw SignInError.invalidToken("it was issued to another client (azp \(azp))")
        }
        if let issued = token.iat?.value, issued.timeIntervalSinceNow > Self.clockSkew {
            throw SignInError.invalidToken("it was issued in the future (iat)")
        }
        guard token.nonce == nonce else { throw SignInError.invalidToken("its nonce is not this sign-in's") }
        return claims
    }

    private func loadKeys() async throws {
        let metadata = try await discovery()
        let jwks = try await get(metadata.jwks_uri, as: JWKS.self)
        let fresh = JWTKeyCollection()
        var ids: Set<String> = []
        for key in jwks.keys {
            guard let id = key.keyIdentifier else { continue }
            do {
                try await fresh.add(jwk: key)
                ids.insert(id.string)
            } catch {
                logger.notice("a key of the provider's JWKS is not usable", metadata: ["kid": "\(id.string)", "error": "\(error)"])
            }
        }
        keys = fresh
        keyIds = ids
    }

    static func person(_ claims: [String: JSONValue]) throws -> Person {
        guard let subject = claims["sub"]?.stringValue, !subject.isEmpty else { throw SignInError.invalidToken("it has no subject") }
        let email = claims["email"]?.stringValue?.lowercased()
        let verified = claims["email_verified"]?.boolValue ?? (claims["email_verified"]?.stringValue == "true")
        let name = [claims["name"]?.stringValue, claims["preferred_username"]?.stringValue, email]
            .compactMap { $0?.trimmingCharacters(in: .whitespacesAndNewlines) }.first { !$0.isEmpty } ?? subject
        return Person(subject: subject, email: email, emailVerified: verified, name: String(name.prefix(64)), claims: claims)
    }

    // MARK: HTTP

    private func get<T: Decodable>(_ url: String, as type: T.Type) async throws -> T {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        return try await send(request, as: type)
    }

    /// One call to the provider, bounded (5 s): a provider that is down or slow is a clear error
    /// page for the person signing in, never a hung request.
    private func send<T: Decodable>(_ request: HTTPClientRequest, as type: T.Type) async throws -> T {
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await http.execute(request, timeout: .seconds(5))
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw SignInError.provider("\(request.url) did not answer (\(error))")
        }
        guard (200..<300).contains(response.status.code) else {
            throw SignInError.provider("\(request.url) answered \(response.status.code)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch {
            throw SignInError.provider("\(request.url) answered something that is not the expected JSON")
        }
    }

    static func formEncode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    static func base64URLDecode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}

/// Why a sign-in failed: shown to the person on an error page (never a 500).
enum SignInError: Error, Sendable {
    /// The provider could not be reached or answered nonsense: 502.
    case provider(String)
    /// The ID token is not acceptable: 400.
    case invalidToken(String)
    /// The browser came back without a sign-in this node knows (expired, replayed, forged): 400.
    case invalidState(String)
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
