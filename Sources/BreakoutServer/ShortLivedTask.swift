import Hummingbird

/// Runs `work` in a child task of its own and returns its result.
///
/// Swift's task allocator keeps a task's stack slabs (about 1 kB each) until the task ends, so a
/// long-lived task keeps the memory of the deepest call it ever made. A live stream lives on its
/// connection's task for hours; work that runs in a short-lived child task gives its frames back
/// when that task ends, and the stream keeps only what writing and waiting need.
func inShortLivedTask<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask(operation: work)
        // The group's only child: `next()` returns its result or rethrows its error.
        return try await group.next()!
    }
}

/// Answers each request from a short-lived child task of the connection's task.
///
/// The middleware chain, the router and the handler are deep; run on the connection's task, their
/// frames would stay with a live stream (whose body the connection's task writes after the handler
/// has returned) for its whole life: about 28 kB per idle stream, measured with a heap profile.
/// In a child task they are freed as soon as the response is built. The cost is one child task per
/// request.
struct ShortLivedTaskResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context: Sendable {
    typealias Context = Inner.Context
    let inner: Inner

    func respond(to request: Request, context: Context) async throws -> Response {
        try await inShortLivedTask { [inner] in try await inner.respond(to: request, context: context) }
    }
}
