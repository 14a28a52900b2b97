import Foundation
public import Hummingbird
import Logging

/// The web app for hosts, co-hosts and participants: plain HTML, CSS and JavaScript modules
/// shipped as the target's resources (`Web/`) and served at `/` by Hummingbird's `FileMiddleware`.
/// It only reads files: every action goes through the same HTTP API as any other client.
enum WebApp {
    /// The bundled copy of `Sources/BreakoutServer/Web`.
    static var bundledDirectory: URL? {
        Bundle.module.resourceURL?.appendingPathComponent("Web", isDirectory: true)
    }

    /// Serves `directory` (or the bundled copy) for GET and HEAD requests that no route answers.
    /// Files are revalidated on each load (`no-cache` with ETag), so a deployment is picked up at
    /// once and an unchanged file costs a 304.
    static func middleware(directory: String?, logger: Logger) -> FileMiddleware<BreakoutRequestContext, LocalFileSystem>? {
        guard let root = directory ?? bundledDirectory?.path, FileManager.default.fileExists(atPath: root) else {
            logger.warning("web app files not found; the web app is not served", metadata: ["directory": "\(directory ?? "bundle")"])
            return nil
        }
        return FileMiddleware(
            root, cacheControl: CacheControl([(MediaType(type: .any), [.noCache])]), searchForIndexHtml: true, logger: logger)
    }
}
