import Foundation
import Hummingbird
import Logging

/// The web app for hosts, co-hosts and participants: plain HTML, CSS and JavaScript modules
/// shipped as the target's resources (`Web/`) and served at `/` by Hummingbird's `FileMiddleware`.
/// It only reads files: every action goes through the same HTTP API as any other client.
enum WebApp {
    /// The bundled copy of `Sources/BreakoutServer/Web`: in SwiftPM's resource bundle next to the
    /// executable (where `swift build` puts it; an installation copies it along), else the source
    /// folder of a checkout. Looked up by hand rather than with `Bundle.module`, which stops the
    /// process when the bundle is missing: a node without its web files still serves the API.
    static var bundledDirectory: URL? {
        let bundle = "breakout_BreakoutServer"
        var folders = [Bundle.main.bundleURL]
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            folders.append(executable.deletingLastPathComponent())
        }
        var candidates = folders.flatMap { folder in
            [folder.appendingPathComponent("\(bundle).resources/Web"),
             folder.appendingPathComponent("\(bundle).bundle/Contents/Resources/Web")]
        }
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Web"))
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("index.html").path) }
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
