import Foundation

/// `embed-openapi-document OUTPUT FILE`: writes a Swift source that defines
/// `OpenAPIDocument.base64`, the bytes of the given YAML file as base64 (no escaping to get wrong).
/// Run by the EmbedOpenAPIDocument build plugin; it owns nothing else and must not be shipped.
let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: embed-openapi-document OUTPUT FILE\n".utf8))
    exit(64)
}
let data = try Data(contentsOf: URL(fileURLWithPath: arguments[1]))
guard String(data: data, encoding: .utf8) != nil else {
    FileHandle.standardError.write(Data("\(arguments[1]) is not UTF-8\n".utf8))
    exit(65)
}
let source = """
    // Generated at build time from openapi.yaml by the EmbedOpenAPIDocument plugin. Do not edit.

    extension OpenAPIDocument {
        /// The bytes of openapi.yaml, as compiled into this build.
        static let base64 = "\(data.base64EncodedString())"
    }

    """
try Data(source.utf8).write(to: URL(fileURLWithPath: arguments[0]), options: .atomic)
