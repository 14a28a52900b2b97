import BreakoutStore
import Crypto
import Foundation

/// What a sign-in must remember between `/auth/login` and `/auth/callback`: the `state` the
/// provider echoes, the ID token's `nonce`, the PKCE verifier and the page to return to. It
/// travels in a cookie sealed with the nodes' shared secret (ChaCha20-Poly1305), so any node can
/// finish a sign-in another began, and no table holds a verifier.
struct SignInState: Codable, Sendable {
    var state: String
    var nonce: String
    var codeVerifier: String
    var returnTo: String
    var expires: Date

    static let cookieName = "breakout_signin"
    /// Long enough to type a password and approve; short enough that a stolen cookie is stale.
    static let lifetimeSeconds = 600

    static func start(returnTo: String, now: Date = Date()) -> SignInState {
        SignInState(
            state: Tokens.generate(), nonce: Tokens.generate(), codeVerifier: Tokens.generate() + Tokens.generate(),
            returnTo: returnTo, expires: now.addingTimeInterval(TimeInterval(lifetimeSeconds)))
    }

    /// The PKCE challenge of the verifier (S256).
    var codeChallenge: String { Tokens.base64URL(Data(SHA256.hash(data: Data(codeVerifier.utf8)))) }

    func sealed(with secret: String) throws -> String {
        let box = try ChaChaPoly.seal(try JSONEncoder().encode(self), using: Self.key(secret))
        return Tokens.base64URL(box.combined)
    }

    static func open(_ cookie: String, with secret: String) -> SignInState? {
        guard let data = OpenIDProvider.base64URLDecode(Substring(cookie)),
              let box = try? ChaChaPoly.SealedBox(combined: data),
              let plain = try? ChaChaPoly.open(box, using: key(secret))
        else { return nil }
        return try? JSONDecoder().decode(SignInState.self, from: plain)
    }

    private static func key(_ secret: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(secret.utf8)), info: Data("breakout sign-in state".utf8), outputByteCount: 32)
    }

    /// A page of this service to go to after signing in: a local path only, never another site,
    /// else `/`. Only the characters of a URI's path and query (RFC 3986: letters, digits,
    /// `-._~!$&'()*+,;=:@/?%`) are allowed, so nothing a browser strips or turns into a slash gets
    /// through: `/\t/evil.example` (a tab, stripped: `//evil.example`), any other control character,
    /// `/\evil.example`, a space, and `//evil.example` and absolute URLs are all refused.
    static func localPath(_ requested: String?) -> String {
        guard let path = requested, path.hasPrefix("/"), !path.hasPrefix("//"), path.utf8.count <= maxLocalPathBytes,
              path.unicodeScalars.allSatisfy(isLocalPathCharacter)
        else { return "/" }
        return path
    }

    /// Longer than any page of the web app with its query (a join code, a meeting id).
    static let maxLocalPathBytes = 2048

    private static func isLocalPathCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9": return true
        case "-", ".", "_", "~", "!", "$", "&", "'", "(", ")", "*", "+", ",", ";", "=", ":", "@", "/", "?", "%": return true
        default: return false
        }
    }
}
