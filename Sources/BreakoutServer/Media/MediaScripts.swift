import Foundation
import Hummingbird
import Logging

/// The browser side of media, from Debian's packages and served by the node itself (never from a
/// CDN): Janus's own client library (`libjs-janus-gateway`) at `/vendor/janus.js` and the WebRTC
/// adapter it needs (`libjs-webrtc-adapter`) at `/vendor/adapter.js`. Read once at start; when a
/// package is missing the path answers 404 and the page says that audio and video are unavailable.
struct MediaScripts: Sendable {
    static let files: [(path: String, file: String)] = [
        ("vendor/janus.js", "/usr/share/javascript/janus-gateway/janus.js"),
        ("vendor/adapter.js", "/usr/share/javascript/webrtc-adapter/adapter.js"),
    ]

    func register(on router: Router<BreakoutRequestContext>, logger: Logger) {
        for (path, file) in Self.files {
            let bytes = FileManager.default.contents(atPath: file)
            if bytes == nil { logger.warning("media script not found; install its Debian package", metadata: ["file": "\(file)"]) }
            router.get(RouterPath(path)) { _, _ in
                guard let bytes else {
                    throw Problem(status: .notFound, code: "media_script_missing", detail: "\(file) is not installed on this node.")
                }
                var headers = HTTPFields()
                headers[.contentType] = "text/javascript; charset=utf-8"
                headers[.cacheControl] = "public, max-age=86400"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
            }
        }
    }
}
