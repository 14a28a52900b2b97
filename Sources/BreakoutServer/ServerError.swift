/// The refusals that the HTTP layer answers itself, beside the rules' (`DomainError.Code`) and the
/// store's (`StoreError.Code`): these three are every `code` a node's problem+json can carry, and
/// `Problem.status(of:)` gives each its one status. The balancer's own codes are listed too, so
/// that a client finds every code it can meet in one place.
public enum ServerError {
    public enum Code: String, Sendable, CaseIterable {
        // The request itself.
        case missingToken = "missing_token"
        case bodyRequired = "body_required"
        case malformedJSON = "malformed_json"
        case unsupportedMediaType = "unsupported_media_type"
        case bodyTooLarge = "body_too_large"
        case notFound = "not_found"
        case methodNotAllowed = "method_not_allowed"
        case crossSiteRequest = "cross_site_request"
        // Who may.
        case adminTokenRequired = "admin_token_required"
        /// The service runs without campus sign-in. The one code with two statuses, as the
        /// contract has it: 404 on `/auth/*` (the path does not exist) and 401 on `/v1/me*`.
        case signInOff = "sign_in_off"
        case notSignedIn = "not_signed_in"
        case sessionRequired = "session_required"
        case tooManyAPITokens = "too_many_api_tokens"
        case apiTokenNotFound = "api_token_not_found"
        // Media.
        case mediaOff = "media_off"
        case websocketRequired = "websocket_required"
        // The node.
        case notReady = "not_ready"
        case internalError = "internal_error"
        // The balancer's (deploy/nginx-breakout.conf.template), never a node's.
        case rateLimited = "rate_limited"
        case nodeUnavailable = "node_unavailable"
        case serviceUnavailable = "service_unavailable"
        case nodeTimeout = "node_timeout"
    }
}
