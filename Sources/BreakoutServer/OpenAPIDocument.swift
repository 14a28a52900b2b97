import Foundation
import Hummingbird

/// The OpenAPI 3.1 description of the v1 HTTP API, served at `/openapi.yaml`. The document is the
/// file `openapi.yaml` beside this source; the EmbedOpenAPIDocument plugin compiles it into the
/// module, so the binary serves it wherever it is installed. Tests check that the served bytes are
/// the file's, that it is valid, and that its operations and the router's routes are the same set.
enum OpenAPIDocument {
    /// The document, decoded once.
    static let bytes: ByteBuffer = {
        guard let data = Data(base64Encoded: base64) else { preconditionFailure("EmbedOpenAPIDocument wrote invalid base64") }
        return ByteBuffer(bytes: data)
    }()
}
