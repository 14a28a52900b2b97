import BreakoutDomain
import BreakoutStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// `/auth/login`, `/auth/callback` and `/auth/logout`: the OpenID Connect authorization code flow
/// with PKCE, `state` and `nonce`. Registered only when sign-in is configured (else `/auth/*` is 404).
struct SignInRoutes: Sendable {
    let store: MeetingStore
    let provider: OpenIDProvider
    let configuration: SignInConfiguration
    let logger: Logger


    func register(on router: Router<BreakoutRequestContext>) {
        router.get("auth/login", use: login)
        router.get("auth/callback", use: callback)
        router.group("auth/logout").add(middleware: PeopleMiddleware(store: store, signIn: configuration)).post(use: logout)
    }

    /// In open mode the sign-in paths exist only to say that there is no sign-in: 404 `sign_in_off`
    /// (and 405 for another method, as for every path).
    static func registerOpenMode(on router: Router<BreakoutRequestContext>) {
        let off: @Sendable (Request, BreakoutRequestContext) async throws -> Response = { _, _ in
            throw Problem.signInPathsOff("This service runs without campus sign-in.")
        }
        router.get("auth/login", use: off)
        router.get("auth/callback", use: off)
        router.post("auth/logout", use: off)
    }

    /// Starts a sign-in: remembers it in a sealed cookie and sends the browser to the provider.
    @Sendable func login(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let returnTo = SignInState.localPath(request.uri.queryParameters.get("returnTo").map { String($0) })
        let attempt = SignInState.start(returnTo: returnTo)
        let url: String
        do {
            url = try await provider.authorizationURL(
                state: attempt.state, nonce: attempt.nonce, codeChallenge: attempt.codeChallenge)
        } catch let error as SignInError {
            return failure(error)
        }
        var headers = HTTPFields()
        headers[.location] = url
        headers[.cacheControl] = "no-store"
        headers[.setCookie] = cookie(SignInState.cookieName, try attempt.sealed(with: configuration.tokenSecret),
                                     path: "/auth", maxAge: SignInState.lifetimeSeconds)
        return Response(status: .found, headers: headers)
    }

    /// The provider sends the browser back here with a code: checks that this browser began this
    /// sign-in, that its answer is used once, and the ID token; then starts a session.
    @Sendable func callback(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        do {
            let query = request.uri.queryParameters
            if let error = query.get("error") {
                throw SignInError.invalidState("the provider refused the sign-in (\(error))")
            }
            guard let sealed = request.cookies[SignInState.cookieName]?.value,
                  let attempt = SignInState.open(sealed, with: configuration.tokenSecret)
            else { throw SignInError.invalidState("this browser did not start a sign-in, or it is too old") }
            guard attempt.expires > Date() else { throw SignInError.invalidState("the sign-in took too long") }
            guard let state = query.get("state"), Routes.constantTimeEqual(String(state), attempt.state) else {
                throw SignInError.invalidState("the answer is not for this browser's sign-in")
            }
            guard let code = query.get("code") else { throw SignInError.invalidState("the provider sent no code") }
            // Used once, before the provider hears of it: a replayed state cannot drive the token
            // endpoint. A sign-in whose exchange then fails is begun again from the start.
            guard try await store.useNonce(attempt.nonce) else {
                throw SignInError.invalidState("this sign-in was already completed")
            }
            let person = try await provider.signIn(code: String(code), codeVerifier: attempt.codeVerifier, nonce: attempt.nonce)
            let user = try await store.signedIn(
                issuer: configuration.issuer, subject: person.subject, email: person.email,
                emailVerified: person.emailVerified, name: person.name, claims: person.claims)
            let session = try await store.startSession(
                userId: user.id, lifetime: configuration.sessionLifetime, maxLifetime: configuration.sessionMaxLifetime)
            var headers = HTTPFields()
            headers[.location] = attempt.returnTo
            headers[.cacheControl] = "no-store"
            headers.append(HTTPField(name: .setCookie, value: cookie(configuration.sessionCookieName, session, path: "/", maxAge: nil)))
            headers.append(HTTPField(name: .setCookie, value: cookie(SignInState.cookieName, "", path: "/auth", maxAge: 0)))
            logger.info("signed in", metadata: ["user": "\(user.id)"])
            return Response(status: .found, headers: headers)
        } catch let error as SignInError {
            // A failed answer is not tried twice: the sign-in it belonged to is forgotten.
            var page = failure(error)
            page.headers[.setCookie] = cookie(SignInState.cookieName, "", path: "/auth", maxAge: 0)
            return page
        }
    }

    /// Ends the session on every node (its row), and forgets the cookie in this browser.
    @Sendable func logout(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        if let token = request.cookies[configuration.sessionCookieName]?.value { try await store.endSession(token: token) }
        var headers = HTTPFields()
        headers[.setCookie] = cookie(configuration.sessionCookieName, "", path: "/", maxAge: 0)
        return Response(status: .noContent, headers: headers)
    }

    /// HttpOnly, SameSite=Lax (the provider's redirect back is a top-level navigation, which Lax
    /// lets through), Secure behind https.
    func cookie(_ name: String, _ value: String, path: String, maxAge: Int?) -> String {
        var parts = ["\(name)=\(value)", "Path=\(path)", "HttpOnly", "SameSite=Lax"]
        if let maxAge { parts.append("Max-Age=\(maxAge)") }
        if configuration.secureCookies { parts.append("Secure") }
        return parts.joined(separator: "; ")
    }

    /// A page that says what went wrong and offers to try again: never a 500.
    func failure(_ error: SignInError) -> Response {
        let (status, reason): (HTTPResponse.Status, String) = switch error {
        case .provider(let reason): (.badGateway, "The campus sign-in service could not be reached: \(reason).")
        case .invalidToken(let reason): (.badRequest, "The campus sign-in service's answer was not accepted: \(reason).")
        case .invalidState(let reason): (.badRequest, "The sign-in could not be finished: \(reason).")
        }
        logger.notice("sign-in failed", metadata: ["reason": "\(reason)"])
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Sign-in failed</title><link rel="stylesheet" href="/app.css"></head>
            <body><main class="narrow"><h1>Sign-in failed</h1><p id="sign-in-error">\(Self.escape(reason))</p>
            <p><a href="/auth/login">Try again</a> or <a href="/">go to the start page</a>.</p></main></body></html>
            """
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
