import BreakoutDomain
import BreakoutStore
import Foundation
import Hummingbird

/// `/v1/me`: the person signed in, their meetings and their personal API tokens.
struct MeRoutes: Sendable {
    let store: MeetingStore
    /// nil in open mode: `/v1/me` answers 401 `sign_in_off`.
    let signIn: SignInConfiguration?

    func register(on router: Router<BreakoutRequestContext>) {
        let me = router.group("v1/me").add(middleware: PeopleMiddleware(store: store, signIn: signIn))
        me.get(use: profile)
        me.get("meetings", use: meetings)
        me.get("api-tokens", use: apiTokens)
        me.post("api-tokens", use: createAPIToken)
        me.delete("api-tokens/:tokenId", use: revokeAPIToken)
    }

    struct Profile: Encodable {
        var id: UUID
        /// The provider's name for the person: what a teacher may list them by.
        var subject: String
        var name: String
        var email: String?
        var emailVerified: Bool
        var mayHost: Bool
        /// Who may host, in a sentence (for those who may not).
        var hostPolicy: String
    }

    func requireUser(_ context: BreakoutRequestContext) throws -> User {
        guard signIn != nil else {
            throw Problem(.signInOff, "This service runs without campus sign-in: nobody is signed in.")
        }
        guard let user = context.user else {
            throw Problem(.notSignedIn, "Sign in first: GET /auth/login.")
        }
        return user
    }

    @Sendable func profile(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let user = try requireUser(context)
        let policy = signIn?.hostPolicy ?? .anyone
        return try Routes.json(Profile(
            id: user.id, subject: user.subject, name: user.name, email: user.email, emailVerified: user.emailVerified,
            mayHost: policy.allows(claims: user.claims, email: user.email, emailVerified: user.emailVerified),
            hostPolicy: policy.description))
    }

    @Sendable func meetings(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let user = try requireUser(context)
        return try Routes.json(["meetings": try await store.meetings(of: user)])
    }

    @Sendable func apiTokens(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let user = try requireUser(context)
        return try Routes.json(["tokens": try await store.apiTokens(userId: user.id)])
    }

    @Sendable func createAPIToken(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let user = try requireUser(context)
        // A leaked token must not be able to make itself a successor: minting needs the person.
        guard !context.userByAPIToken else {
            throw Problem(.sessionRequired, "API tokens are made by a person signed in with the campus account, not by a token.")
        }
        let limits = signIn?.apiTokens ?? .init()
        var body = try await JSONBody.read(request)
        let name = body.string("name", required: true)
        let days = body.int("expiresInDays", in: 1...limits.maxDays, nullable: true)
        try body.finish()
        guard let made = try await store.createAPIToken(
            userId: user.id, name: try Routes.present(name), expiresInDays: (days ?? nil) ?? limits.maxDays, maxAlive: limits.perPerson,
            claim: context.idempotencyClaim)
        else {
            throw Problem(.tooManyAPITokens, "You have \(limits.perPerson) API tokens that still work: revoke one first.")
        }
        return try Routes.json(made.answer, status: .created)
    }

    @Sendable func revokeAPIToken(_ request: Request, context: BreakoutRequestContext) async throws -> Response {
        let user = try requireUser(context)
        guard let raw = context.parameters.get("tokenId"), let id = UUID(uuidString: raw),
              try await store.revokeAPIToken(userId: user.id, id: id)
        else { throw Problem(.apiTokenNotFound, "You have no API token with that id.") }
        return Response(status: .noContent)
    }
}
