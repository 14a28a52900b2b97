import BreakoutDomain
public import BreakoutStore
import Foundation
import Logging
public import Hummingbird

/// An RFC 9457 problem: what every refusal looks like on the wire, with a stable `code`.
public struct Problem: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var detail: String
    public var violations: [DomainError.Violation]

    /// Private: every code comes from a catalogue (`DomainError.Code`, `StoreError.Code`,
    /// `ServerError.Code`), with its status from `status(of:)`.
    private init(status: HTTPResponse.Status, code: String, detail: String, violations: [DomainError.Violation] = []) {
        self.status = status
        self.code = code
        self.detail = detail
        self.violations = violations
    }

    public init(_ code: ServerError.Code, _ detail: String) {
        self.init(status: Self.status(of: code), code: code.rawValue, detail: detail)
    }

    /// A refusal of the framework's that has no code of ours (none is known to reach here):
    /// `http_<status>`.
    static func framework(_ status: HTTPResponse.Status, detail: String?) -> Problem {
        Problem(status: status, code: "http_\(status.code)", detail: detail ?? status.reasonPhrase)
    }

    /// `sign_in_off` on `/auth/*`: that path does not exist in open mode (`/v1/me*` answers 401).
    static func signInPathsOff(_ detail: String) -> Problem {
        Problem(status: .notFound, code: ServerError.Code.signInOff.rawValue, detail: detail)
    }

    public init(_ error: DomainError) {
        self.init(status: Self.status(of: error.code), code: error.code.rawValue, detail: error.detail, violations: error.violations)
    }

    public init(_ error: StoreError) {
        self.init(status: Self.status(of: error.code), code: error.code.rawValue, detail: error.detail)
    }

    /// The status of each refusal of the rules: the one place that maps them to HTTP.
    static func status(of code: DomainError.Code) -> HTTPResponse.Status {
        switch code {
        case .validationFailed, .messageTooLong, .modeUnavailable: .unprocessableContent
        case .invalidToken, .signInRequired: .unauthorized
        case .notAManager, .notTheHost, .roomNotAllowed, .muteLocked, .notAllowedToHost, .notInvited: .forbidden
        case .meetingNotFound, .participantNotFound, .roomNotFound, .helpRequestNotFound, .courseNotFound, .groupSetNotFound:
            .notFound
        case .meetingEnded: .gone
        case .breakoutDisabled, .breakoutExists, .noBreakout, .breakoutAlreadyOpen, .breakoutNotOpen, .breakoutOpen,
             .breakoutClosing, .tooManyRooms, .lastRoom, .roomNameTaken, .returnNotAllowed, .notInRoom,
             .helpAlreadyRequested, .helpAlreadyTaken, .helpAlreadyResolved, .notInSameRoom, .hostCannotLeave,
             .cannotChangeHost, .notInCourse, .nothingToSave, .meetingFull:
            .conflict
        }
    }

    /// The status of each failure of the store.
    static func status(of code: StoreError.Code) -> HTTPResponse.Status {
        switch code {
        case .databaseUnavailable, .codeExhausted: .serviceUnavailable
        case .idempotencyKeyReused, .invalidValue: .unprocessableContent
        case .idempotencyReplayFailed, .conflict: .conflict
        case .internalError: .internalServerError
        }
    }

    /// The status of each refusal of the HTTP layer (and of the balancer, for its own answers).
    static func status(of code: ServerError.Code) -> HTTPResponse.Status {
        switch code {
        case .missingToken, .notSignedIn, .signInOff: .unauthorized
        case .bodyRequired, .malformedJSON: .badRequest
        case .unsupportedMediaType: .unsupportedMediaType
        case .bodyTooLarge: .contentTooLarge
        case .notFound, .apiTokenNotFound, .mediaOff: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .crossSiteRequest, .adminTokenRequired, .sessionRequired: .forbidden
        case .tooManyAPITokens: .conflict
        case .websocketRequired: .upgradeRequired
        case .notReady, .serviceUnavailable: .serviceUnavailable
        case .internalError: .internalServerError
        case .rateLimited: .tooManyRequests
        case .nodeUnavailable: .badGateway
        case .nodeTimeout: .gatewayTimeout
        }
    }

    static func invalid(_ field: String, _ message: String) -> Problem { Problem(DomainError.invalid(field, message)) }

    static let missingToken = Problem(.missingToken, "Send the token as 'Authorization: Bearer <token>'.")

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var body: [String: JSONValue] = [
            "type": .string("https://breakout.example/problems/\(code)"),
            "title": .string(status.reasonPhrase.isEmpty ? "Error" : status.reasonPhrase),
            "status": JSONValue(status.code), "detail": .string(detail), "code": .string(code),
        ]
        if !violations.isEmpty {
            body["errors"] = .array(violations.map { ["field": .string($0.field), "message": .string($0.message)] })
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        // A 503 is temporary (a database outage, a node shutting down): say when to come back.
        if status == .serviceUnavailable { headers[.retryAfter] = "2" }
        let data = try JSONEncoder.sortedKeys.encode(JSONValue.object(body))
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Turns every error into a problem+json answer: domain refusals keep their code, the router's own
/// errors (unknown path, body too large) get one, and anything unexpected is a logged 500.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return try problem.response(from: request, context: context)
        } catch let error as DomainError {
            return try Problem(error).response(from: request, context: context)
        } catch let error as StoreError {
            if error.code == .internalError {
                context.logger.error("store failure", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            }
            return try Problem(error).response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            // The framework's own refusals: unknown route, body over the limit, …
            let detail = (error as? HTTPError)?.body
            return try Self.problem(for: error.status, detail: detail, request).response(from: request, context: context)
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            return try Problem(.internalError, "The server failed to handle the request.")
                .response(from: request, context: context)
        }
    }

    static func problem(for status: HTTPResponse.Status, detail: String?, _ request: Request) -> Problem {
        switch status {
        case .notFound:
            Problem(.notFound, "No such resource: \(request.method) \(request.uri.path).")
        case .contentTooLarge:
            Problem(.bodyTooLarge, "The request body is larger than the server accepts (\(JSONBody.maxBytes) bytes).")
        case .methodNotAllowed:
            Problem(.methodNotAllowed, "\(request.method) is not allowed on \(request.uri.path).")
        default:
            Problem.framework(status, detail: detail)
        }
    }
}
