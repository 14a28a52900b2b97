/// BreakoutServer owns HTTP: the routes of the v1 contract, bearer-token authentication,
/// strict request bodies, `application/problem+json` errors, health, and the OpenAPI document.
///
/// It must not hold meeting state or write SQL: every command goes through `MeetingStore`, so
/// any node can answer any request.
public enum BreakoutServer {}
